package io.wharf.core.spi.runtime;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Runs containers (moby's libcontainerd client): registered by the bundle that drives containerd
 * once it answers. Container ids are the daemon's 64-hex ids; a process id is the container id
 * for the container's init process and the exec id for an exec.
 *
 * <p>The OCI spec and process given here are JSON bytes in the OCI runtime-spec format, whose
 * {@code root.path} is the container's root filesystem, already mounted by the daemon.
 *
 * <p>Failures are {@link io.wharf.core.spi.errors.ApiException}s: a missing container or task is
 * a {@link io.wharf.core.spi.errors.NotFoundException}, an id already in use a
 * {@link io.wharf.core.spi.errors.ConflictException}, a runtime that does not answer an
 * {@link io.wharf.core.spi.errors.UnavailableException}, anything else a
 * {@link io.wharf.core.spi.errors.SystemException} carrying the runtime's message.
 */
@ProviderType
public interface ContainerRuntime {

    /**
     * Starts delivering task events to {@code listener}, the daemon's one listener, from now until
     * the runtime goes away. Exits are delivered once each, in order per container, and never on
     * the thread that called.
     */
    void subscribe(TaskListener listener);

    /**
     * Creates the runtime's container record with its spec. A record left from an earlier run of
     * the daemon under the same id is removed first (its task killed if it still runs).
     */
    void create(String containerId, byte[] ociSpec);

    /**
     * Creates the container's init task with its stdio and starts it.
     *
     * @return the running process: its pid and its streams
     */
    TaskProcess start(String containerId, Stdio stdio);

    /** Adds an exec process (its OCI process as JSON) to the running task and starts it. */
    TaskProcess exec(String containerId, String execId, byte[] ociProcess, Stdio stdio);

    /** Sends a signal to one process. */
    void signal(String containerId, String processId, int signal);

    /** Resizes the terminal of a process started with one. */
    void resizeTerminal(String containerId, String processId, int width, int height);

    /** Closes the process's stdin once the daemon has closed its side (so the process sees EOF). */
    void closeStdin(String containerId, String processId);

    /**
     * Changes the resource limits of the running task (docker update): {@code linuxResources} is
     * the JSON of an OCI {@code linux.resources} object.
     */
    void update(String containerId, byte[] linuxResources);

    /** Freezes every process of the container. */
    void pause(String containerId);

    /** Thaws the container. */
    void resume(String containerId);

    /** The pids (in the host's pid namespace) of every process of the container's task. */
    List<Integer> pids(String containerId);

    /** The task's resource usage read from its cgroups now. */
    TaskStats stats(String containerId);

    /**
     * Deletes the container's stopped task and answers its exit; a task that is already gone
     * answers empty.
     */
    Optional<TaskExit> deleteTask(String containerId);

    /** Deletes the container record and whatever the runtime kept for it (its stdio FIFOs). */
    void delete(String containerId);

    /**
     * Removes what an earlier run of the daemon left of a start it did not finish: the container's
     * task, killed and waited for, and its record. Having neither is not an error.
     */
    void discard(String containerId);

    /**
     * Reconnects to a task that outlived an earlier run of the daemon, re-opening its stdio.
     *
     * @return the task as it is now, or empty when the runtime has no task for the container
     */
    Optional<RestoredTask> restore(String containerId, Stdio stdio);
}
