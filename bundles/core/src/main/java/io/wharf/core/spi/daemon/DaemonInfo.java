package io.wharf.core.spi.daemon;

import java.nio.file.Path;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The daemon once start-up has prepared its data root, exec root and pidfile; the core registers
 * it then, and withdraws it when the daemon stops. Values reflect the running configuration.
 */
@ProviderType
public interface DaemonInfo {

    /** {@code --data-root}: persistent state; a subsystem keeps its own under a directory of it. */
    Path dataRoot();

    /** {@code --exec-root}: execution state (sockets, pid files) that need not survive a reboot. */
    Path execRoot();

    /**
     * {@code --containerd}: the address of a running containerd to use instead of starting one,
     * or the empty string.
     */
    String containerdAddress();

    /** {@code --debug}. */
    boolean debug();

    /**
     * Ends the daemon because a part of start-up failed: the message is printed as dockerd prints
     * it ("failed to start daemon: ...") and the process exits with status 1.
     */
    void fail(String message);
}
