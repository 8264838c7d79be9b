package io.wharf.containerd.internal;

import io.wharf.core.spi.runtime.ContainerdVersion;
import io.wharf.core.spi.runtime.OciRuntime;
import io.wharf.core.spi.runtime.RuntimeInfo;

/** containerd's version as it last answered, and runc's as read once at start. */
final class ContainerdRuntimeInfo implements RuntimeInfo {

    private volatile OciRuntime runtime;
    private volatile ContainerdVersion containerd;

    ContainerdRuntimeInfo(OciRuntime runtime, ContainerdVersion containerd) {
        this.runtime = runtime;
        this.containerd = containerd;
    }

    /** runc's version, when it was read after this was made (the own containerd's start). */
    void runtime(OciRuntime runc) {
        runtime = runc;
    }

    void update(ContainerdVersion version) {
        containerd = version;
    }

    @Override
    public ContainerdVersion containerd() {
        return containerd;
    }

    @Override
    public OciRuntime defaultRuntime() {
        return runtime;
    }
}
