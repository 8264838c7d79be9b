package io.wharf.core.spi.runtime;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Registered by the bundle that runs containers once containerd answers. The core shows it in
 * {@code docker version} (components) and {@code docker info} (commits, runtimes).
 */
@ProviderType
public interface RuntimeInfo {

    /** containerd's version, as its Version call last answered. */
    ContainerdVersion containerd();

    /** The OCI runtime containers run with unless they name another. */
    OciRuntime defaultRuntime();
}
