package io.wharf.containerd.internal;

import static io.wharf.containerd.internal.ContainerdApi.CLOSE_IO;
import static io.wharf.containerd.internal.ContainerdApi.CREATE_CONTAINER;
import static io.wharf.containerd.internal.ContainerdApi.CREATE_TASK;
import static io.wharf.containerd.internal.ContainerdApi.DELETE_CONTAINER;
import static io.wharf.containerd.internal.ContainerdApi.DELETE_PROCESS;
import static io.wharf.containerd.internal.ContainerdApi.DELETE_TASK;
import static io.wharf.containerd.internal.ContainerdApi.EXEC;
import static io.wharf.containerd.internal.ContainerdApi.GET_TASK;
import static io.wharf.containerd.internal.ContainerdApi.KILL;
import static io.wharf.containerd.internal.ContainerdApi.LIST_PIDS;
import static io.wharf.containerd.internal.ContainerdApi.METRICS;
import static io.wharf.containerd.internal.ContainerdApi.PAUSE;
import static io.wharf.containerd.internal.ContainerdApi.UPDATE;
import static io.wharf.containerd.internal.ContainerdApi.RESIZE_PTY;
import static io.wharf.containerd.internal.ContainerdApi.RESUME;
import static io.wharf.containerd.internal.ContainerdApi.START;
import static io.wharf.containerd.internal.ContainerdApi.WAIT;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;

import io.wharf.containerd.internal.api.containers.v1.Container;
import io.wharf.containerd.internal.api.containers.v1.CreateContainerRequest;
import io.wharf.containerd.internal.api.containers.v1.DeleteContainerRequest;
import io.wharf.containerd.internal.api.runc.v1.Options;
import io.wharf.containerd.internal.api.tasks.v1.CloseIORequest;
import io.wharf.containerd.internal.api.tasks.v1.CreateTaskRequest;
import io.wharf.containerd.internal.api.tasks.v1.CreateTaskResponse;
import io.wharf.containerd.internal.api.tasks.v1.DeleteProcessRequest;
import io.wharf.containerd.internal.api.tasks.v1.DeleteResponse;
import io.wharf.containerd.internal.api.tasks.v1.DeleteTaskRequest;
import io.wharf.containerd.internal.api.tasks.v1.ExecProcessRequest;
import io.wharf.containerd.internal.api.tasks.v1.GetRequest;
import io.wharf.containerd.internal.api.tasks.v1.KillRequest;
import io.wharf.containerd.internal.api.tasks.v1.ListPidsRequest;
import io.wharf.containerd.internal.api.tasks.v1.MetricsRequest;
import io.wharf.containerd.internal.api.tasks.v1.MetricsResponse;
import io.wharf.containerd.internal.api.tasks.v1.PauseTaskRequest;
import io.wharf.containerd.internal.api.tasks.v1.UpdateTaskRequest;
import io.wharf.containerd.internal.api.tasks.v1.ResizePtyRequest;
import io.wharf.containerd.internal.api.tasks.v1.ResumeTaskRequest;
import io.wharf.containerd.internal.api.tasks.v1.StartRequest;
import io.wharf.containerd.internal.api.tasks.v1.WaitRequest;
import io.wharf.containerd.internal.api.types.task.TaskTypes;
import io.wharf.core.spi.errors.ApiException;
import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.NotFoundException;
import io.wharf.core.spi.errors.SystemException;
import io.wharf.core.spi.linux.Trees;
import io.wharf.core.spi.runtime.ContainerRuntime;
import io.wharf.core.spi.runtime.RestoredTask;
import io.wharf.core.spi.runtime.Stdio;
import io.wharf.core.spi.runtime.TaskExit;
import io.wharf.core.spi.runtime.TaskListener;
import io.wharf.core.spi.runtime.TaskProcess;
import io.wharf.core.spi.runtime.TaskStats;

/**
 * Runs containers through containerd's gRPC API as dockerd's libcontainerd client does: container
 * records for the runc shim v2 with the daemon's OCI spec; tasks whose stdio are FIFOs in the
 * container's bundle directory {@code <exec-root>/containerd/<id>}; runc's state under
 * {@code <exec-root>/runtime-runc}; and the task events of {@link TaskEventStream}.
 */
final class ContainerdRuntime implements ContainerRuntime, AutoCloseable {

    /** The shim every container runs with. */
    static final String SHIM = "io.containerd.runc.v2";
    /** dockerd's label naming the directory of a container's FIFOs. */
    static final String BUNDLE_LABEL = "com.docker/engine.bundle.path";

    private static final Logger LOG = LoggerFactory.getLogger(ContainerdRuntime.class);
    private static final String RUNC = "runc";
    private static final int SIGKILL = 9;
    /** How long the shim may take to open a process's FIFOs once the call that makes it do so returned. */
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(10);

    private final ContainerdClient client;
    private final Path bundles;
    /** The shim's options, for the container record and again for its task (they replace, not merge). */
    private final Any runcOptions;
    private final long machineMemory;
    private final AtomicReference<TaskEventStream> events = new AtomicReference<>();

    /**
     * @param execRoot the daemon's exec root: FIFOs go under {@code containerd/<id>}, runc's state
     *                 under {@code runtime-runc}
     */
    ContainerdRuntime(ContainerdClient client, Path execRoot) {
        this.client = client;
        this.bundles = execRoot.resolve("containerd");
        this.runcOptions = ContainerdApi.any(ContainerdApi.RUNC_OPTIONS_TYPE, Options.newBuilder()
                .setBinaryName(RUNC)
                .setRoot(execRoot.resolve("runtime-" + RUNC).toString())
                .build()
                .toByteString());
        this.machineMemory = CgroupStats.machineMemory(Path.of("/proc/meminfo"));
    }

    @Override
    public void subscribe(TaskListener listener) {
        TaskEventStream stream = new TaskEventStream(client, this, listener);
        if (!events.compareAndSet(null, stream)) {
            throw new IllegalStateException("the task listener is already subscribed");
        }
        stream.start();
    }

    @Override
    public void create(String containerId, byte[] ociSpec) {
        CreateContainerRequest request = CreateContainerRequest.newBuilder()
                .setContainer(Container.newBuilder()
                        .setId(containerId)
                        .putLabels(BUNDLE_LABEL, bundleDir(containerId).toString())
                        .setRuntime(Container.Runtime.newBuilder().setName(SHIM).setOptions(runcOptions))
                        .setSpec(ContainerdApi.any(ContainerdApi.SPEC_TYPE, ByteString.copyFrom(ociSpec))))
                .build();
        try {
            client.call(CREATE_CONTAINER, request);
        } catch (ConflictException e) {
            LOG.warn("container {} not cleaned up from containerd from previous run; removing it", containerId);
            removeLeftOverTask(containerId);
            client.call(DELETE_CONTAINER, DeleteContainerRequest.newBuilder().setId(containerId).build());
            client.call(CREATE_CONTAINER, request);
        }
    }

    /** The task an earlier run left, if any: killed, waited for and deleted. */
    private void removeLeftOverTask(String containerId) {
        try {
            client.call(KILL, KillRequest.newBuilder().setContainerId(containerId).setSignal(SIGKILL).setAll(true).build());
            client.callWithoutDeadline(WAIT, WaitRequest.newBuilder().setContainerId(containerId).build());
        } catch (ApiException e) {
            // no task, or one that has exited already
            LOG.debug("left-over task of {}: {}", containerId, e.getMessage());
        }
        deleteTask(containerId);
    }

    @Override
    public void discard(String containerId) {
        removeLeftOverTask(containerId);
        try {
            delete(containerId);
        } catch (NotFoundException e) {
            // no record either
        }
    }

    @Override
    public TaskProcess start(String containerId, Stdio stdio) {
        StdioFifos fifos = StdioFifos.of(bundleDir(containerId), StdioFifos.INIT, stdio);
        StdioFifos.Opening opening = makeAndOpen(fifos);
        CreateTaskResponse created;
        try {
            created = client.callWithoutDeadline(CREATE_TASK, CreateTaskRequest.newBuilder()
                    .setContainerId(containerId)
                    .setStdin(StdioFifos.wire(fifos.stdin()))
                    .setStdout(StdioFifos.wire(fifos.stdout()))
                    .setStderr(StdioFifos.wire(fifos.stderr()))
                    .setTerminal(stdio.terminal())
                    .setOptions(runcOptions)
                    .build());
        } catch (ApiException e) {
            opening.abandon();
            throw e;
        }
        try {
            // The shim opened its ends during Create: the daemon's are open now.
            TaskProcess process = opening.await(created.getPid(), OPEN_TIMEOUT);
            client.call(START, StartRequest.newBuilder().setContainerId(containerId).build());
            return process;
        } catch (IOException e) {
            abandonTask(containerId, opening);
            throw new SystemException("failed to open the stdio of " + containerId + ": " + e.getMessage(), e);
        } catch (ApiException e) {
            abandonTask(containerId, opening);
            throw e;
        }
    }

    /** Deletes a task that could not be started, as dockerd does, and its stdio. */
    private void abandonTask(String containerId, StdioFifos.Opening opening) {
        opening.abandon();
        try {
            client.call(DELETE_TASK, DeleteTaskRequest.newBuilder().setContainerId(containerId).build());
        } catch (ApiException e) {
            LOG.error("failed to delete task of {} after failed start: {}", containerId, e.getMessage());
        }
    }

    @Override
    public TaskProcess exec(String containerId, String execId, byte[] ociProcess, Stdio stdio) {
        StdioFifos fifos = StdioFifos.of(bundleDir(containerId), execId, stdio);
        StdioFifos.Opening opening = makeAndOpen(fifos);
        int pid;
        try {
            client.call(EXEC, ExecProcessRequest.newBuilder()
                    .setContainerId(containerId)
                    .setExecId(execId)
                    .setStdin(StdioFifos.wire(fifos.stdin()))
                    .setStdout(StdioFifos.wire(fifos.stdout()))
                    .setStderr(StdioFifos.wire(fifos.stderr()))
                    .setTerminal(stdio.terminal())
                    .setSpec(ContainerdApi.any(ContainerdApi.PROCESS_TYPE, ByteString.copyFrom(ociProcess)))
                    .build());
        } catch (ApiException e) {
            opening.abandon();
            throw e;
        }
        try {
            // An exec's FIFOs are opened by the shim when it starts the process.
            pid = client.call(START, StartRequest.newBuilder().setContainerId(containerId).setExecId(execId).build())
                    .getPid();
        } catch (ApiException e) {
            opening.cancel();
            releaseExec(containerId, execId);
            throw e;
        }
        try {
            return opening.await(pid, OPEN_TIMEOUT);
        } catch (IOException e) {
            try {
                // its exit event releases it
                signal(containerId, execId, SIGKILL);
            } catch (ApiException k) {
                LOG.warn("failed to kill exec {} of {}: {}", execId, containerId, k.getMessage());
            }
            throw new SystemException("failed to open the stdio of exec " + execId + ": " + e.getMessage(), e);
        }
    }

    private static StdioFifos.Opening makeAndOpen(StdioFifos fifos) {
        try {
            return fifos.makeAndOpen();
        } catch (IOException e) {
            fifos.remove();
            throw new SystemException("failed to create the stdio FIFOs: " + e.getMessage(), e);
        }
    }

    /** Forgets an exec that has ended: containerd's record of it and its FIFOs. */
    void releaseExec(String containerId, String execId) {
        try {
            client.call(DELETE_PROCESS,
                    DeleteProcessRequest.newBuilder().setContainerId(containerId).setExecId(execId).build());
        } catch (NotFoundException e) {
            // already gone
        } catch (ApiException e) {
            LOG.warn("failed to delete exec {} of {}: {}", execId, containerId, e.getMessage());
        }
        StdioFifos.every(bundleDir(containerId), execId).remove();
    }

    @Override
    public void signal(String containerId, String processId, int signal) {
        client.call(KILL, KillRequest.newBuilder()
                .setContainerId(containerId)
                .setExecId(execId(containerId, processId))
                .setSignal(signal)
                .build());
    }

    @Override
    public void resizeTerminal(String containerId, String processId, int width, int height) {
        client.call(RESIZE_PTY, ResizePtyRequest.newBuilder()
                .setContainerId(containerId)
                .setExecId(execId(containerId, processId))
                .setWidth(width)
                .setHeight(height)
                .build());
    }

    @Override
    public void closeStdin(String containerId, String processId) {
        client.call(CLOSE_IO, CloseIORequest.newBuilder()
                .setContainerId(containerId)
                .setExecId(execId(containerId, processId))
                .setStdin(true)
                .build());
    }

    @Override
    public void update(String containerId, byte[] linuxResources) {
        client.call(UPDATE, UpdateTaskRequest.newBuilder().setContainerId(containerId)
                .setResources(ContainerdApi.any(ContainerdApi.RESOURCES_TYPE, ByteString.copyFrom(linuxResources))).build());
    }

    @Override
    public void pause(String containerId) {
        client.call(PAUSE, PauseTaskRequest.newBuilder().setContainerId(containerId).build());
    }

    @Override
    public void resume(String containerId) {
        client.call(RESUME, ResumeTaskRequest.newBuilder().setContainerId(containerId).build());
    }

    @Override
    public List<Integer> pids(String containerId) {
        return client.call(LIST_PIDS, ListPidsRequest.newBuilder().setContainerId(containerId).build())
                .getProcessesList().stream()
                .map(TaskTypes.ProcessInfo::getPid)
                .toList();
    }

    @Override
    public TaskStats stats(String containerId) {
        MetricsResponse response = client.call(METRICS,
                MetricsRequest.newBuilder().addFilters("id==" + containerId).build());
        if (response.getMetricsCount() == 0) {
            throw new NotFoundException("no running task found for container " + containerId);
        }
        return CgroupStats.decode(response.getMetrics(0), machineMemory);
    }

    @Override
    public Optional<TaskExit> deleteTask(String containerId) {
        DeleteResponse deleted;
        try {
            deleted = client.call(DELETE_TASK, DeleteTaskRequest.newBuilder().setContainerId(containerId).build());
        } catch (NotFoundException e) {
            return Optional.empty();
        }
        return Optional.of(new TaskExit(deleted.getExitStatus(), ContainerdApi.instant(deleted.getExitedAt())));
    }

    /**
     * Refuses while the container has a task: containerd deletes the record regardless and leaves
     * the task an orphan that no call can reach (containerd's Go client checks the same way).
     */
    @Override
    public void delete(String containerId) {
        if (hasTask(containerId)) {
            throw new ConflictException("cannot delete container " + containerId + ": its task still exists");
        }
        try {
            client.call(DELETE_CONTAINER, DeleteContainerRequest.newBuilder().setId(containerId).build());
        } finally {
            try {
                Trees.delete(bundleDir(containerId));
            } catch (IOException e) {
                LOG.error("failed to remove state dir {}: {}", bundleDir(containerId), e.toString());
            }
        }
    }

    /**
     * Re-opens the FIFOs the task recorded (stdin only when {@code stdio} asks for it). A task that
     * is neither stopped nor in a known state counts as running, as dockerd counts it alive.
     */
    @Override
    public Optional<RestoredTask> restore(String containerId, Stdio stdio) {
        TaskTypes.Process task;
        try {
            task = client.call(GET_TASK, GetRequest.newBuilder().setContainerId(containerId).build()).getProcess();
        } catch (NotFoundException e) {
            return Optional.empty();
        }
        StdioFifos fifos = StdioFifos.recorded(stdio.stdin() ? task.getStdin() : "", task.getStdout(), task.getStderr());
        TaskProcess process;
        try {
            process = fifos.reopen(task.getPid());
        } catch (IOException e) {
            throw new SystemException("failed to re-open the stdio of " + containerId + ": " + e.getMessage(), e);
        }
        RestoredTask.Status status = switch (task.getStatus()) {
            case CREATED -> RestoredTask.Status.CREATED;
            case PAUSED, PAUSING -> RestoredTask.Status.PAUSED;
            case STOPPED -> RestoredTask.Status.STOPPED;
            default -> RestoredTask.Status.RUNNING;
        };
        return Optional.of(new RestoredTask(status, process));
    }

    private boolean hasTask(String containerId) {
        try {
            client.call(GET_TASK, GetRequest.newBuilder().setContainerId(containerId).build());
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    /** containerd's exec id of a process: "" for the container's own. */
    private static String execId(String containerId, String processId) {
        return processId.equals(containerId) ? "" : processId;
    }

    Path bundleDir(String containerId) {
        return bundles.resolve(containerId);
    }

    /** Stops delivering events. */
    @Override
    public void close() {
        TaskEventStream stream = events.get();
        if (stream != null) {
            stream.close();
        }
    }
}
