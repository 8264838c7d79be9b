package io.wharf.core.spi.runtime;

import org.osgi.annotation.versioning.ConsumerType;

/** Receives task events from the runtime's event stream. */
@ConsumerType
public interface TaskListener {

    /**
     * A process ended. For an exec, the runtime has already released the process; for the init
     * process the daemon calls {@link ContainerRuntime#deleteTask} when it is ready to.
     */
    void exited(String containerId, String processId, TaskExit exit);

    /** The kernel's OOM killer killed a process of the container. */
    void outOfMemory(String containerId);
}
