package io.wharf.core.internal.daemon;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

import io.wharf.core.internal.config.DaemonConfig;
import io.wharf.core.spi.daemon.DaemonInfo;

/**
 * The running daemon as the rest of the core sees it: its ID and its
 * configuration, which a reload swaps atomically. Registered as a service once start-up has
 * prepared the data root, exec root and pidfile, also as the {@link DaemonInfo} that other bundles
 * see.
 */
public final class DaemonContext implements DaemonInfo {

    private final String id;
    private final AtomicReference<DaemonConfig> config;
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final IntConsumer exit;

    DaemonContext(String id, DaemonConfig config, IntConsumer exit) {
        this.id = id;
        this.exit = exit;
        this.config = new AtomicReference<>(config);
    }

    public String id() {
        return id;
    }

    public DaemonConfig config() {
        return config.get();
    }

    @Override
    public Path dataRoot() {
        return config().dataRoot();
    }

    @Override
    public Path execRoot() {
        return config().execRoot();
    }

    @Override
    public String containerdAddress() {
        return config().string("containerd");
    }

    @Override
    public boolean debug() {
        return config().debug();
    }

    void replaceConfig(DaemonConfig next) {
        config.set(next);
    }

    /** Warnings `docker info` shows, such as a TCP socket without TLS. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    public void addWarning(String warning) {
        if (!warnings.contains(warning)) {
            warnings.add(warning);
        }
    }

    /**
     * Ends the daemon because a part of start-up failed: the message goes to standard error, as
     * dockerd prints it, and the process exits with status 1.
     */
    @Override
    public void fail(String message) {
        System.err.println("failed to start daemon: " + message);
        exit.accept(1);
    }
}
