package io.wharf.containerd.internal;

import java.time.Instant;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;

import io.grpc.MethodDescriptor;
import io.wharf.containerd.internal.api.containers.v1.ContainersProto;
import io.wharf.containerd.internal.api.containers.v1.CreateContainerRequest;
import io.wharf.containerd.internal.api.containers.v1.CreateContainerResponse;
import io.wharf.containerd.internal.api.containers.v1.DeleteContainerRequest;
import io.wharf.containerd.internal.api.events.v1.Envelope;
import io.wharf.containerd.internal.api.events.v1.EventsProto;
import io.wharf.containerd.internal.api.events.v1.SubscribeRequest;
import io.wharf.containerd.internal.api.tasks.v1.CloseIORequest;
import io.wharf.containerd.internal.api.tasks.v1.CreateTaskRequest;
import io.wharf.containerd.internal.api.tasks.v1.CreateTaskResponse;
import io.wharf.containerd.internal.api.tasks.v1.DeleteProcessRequest;
import io.wharf.containerd.internal.api.tasks.v1.DeleteResponse;
import io.wharf.containerd.internal.api.tasks.v1.DeleteTaskRequest;
import io.wharf.containerd.internal.api.tasks.v1.ExecProcessRequest;
import io.wharf.containerd.internal.api.tasks.v1.GetRequest;
import io.wharf.containerd.internal.api.tasks.v1.GetResponse;
import io.wharf.containerd.internal.api.tasks.v1.KillRequest;
import io.wharf.containerd.internal.api.tasks.v1.ListPidsRequest;
import io.wharf.containerd.internal.api.tasks.v1.ListPidsResponse;
import io.wharf.containerd.internal.api.tasks.v1.ListTasksRequest;
import io.wharf.containerd.internal.api.tasks.v1.ListTasksResponse;
import io.wharf.containerd.internal.api.tasks.v1.MetricsRequest;
import io.wharf.containerd.internal.api.tasks.v1.MetricsResponse;
import io.wharf.containerd.internal.api.tasks.v1.PauseTaskRequest;
import io.wharf.containerd.internal.api.tasks.v1.ResizePtyRequest;
import io.wharf.containerd.internal.api.tasks.v1.ResumeTaskRequest;
import io.wharf.containerd.internal.api.tasks.v1.StartRequest;
import io.wharf.containerd.internal.api.tasks.v1.StartResponse;
import io.wharf.containerd.internal.api.tasks.v1.TasksProto;
import io.wharf.containerd.internal.api.tasks.v1.UpdateTaskRequest;
import io.wharf.containerd.internal.api.tasks.v1.WaitRequest;
import io.wharf.containerd.internal.api.tasks.v1.WaitResponse;

/**
 * The parts of containerd's Containers, Tasks and Events services that run containers, described
 * from the .proto files, and the type URLs of the values containerd receives inside an Any.
 */
final class ContainerdApi {

    /** The OCI spec, as JSON (containerd registers the runtime-spec types under these URLs). */
    static final String SPEC_TYPE = "types.containerd.io/opencontainers/runtime-spec/1/Spec";
    /** An exec's OCI process, as JSON. */
    static final String PROCESS_TYPE = "types.containerd.io/opencontainers/runtime-spec/1/Process";
    /** A task's new cgroup limits, as the JSON of the OCI linux.resources object. */
    static final String RESOURCES_TYPE = "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources";
    /** The runc shim's options: a protobuf message, named by its bare full name. */
    static final String RUNC_OPTIONS_TYPE = "containerd.runc.v1.Options";

    static final MethodDescriptor<CreateContainerRequest, CreateContainerResponse> CREATE_CONTAINER = containers(
            "Create", CreateContainerRequest.getDefaultInstance(), CreateContainerResponse.getDefaultInstance());
    static final MethodDescriptor<DeleteContainerRequest, Empty> DELETE_CONTAINER = containers("Delete",
            DeleteContainerRequest.getDefaultInstance(), Empty.getDefaultInstance());

    static final MethodDescriptor<CreateTaskRequest, CreateTaskResponse> CREATE_TASK = tasks("Create",
            CreateTaskRequest.getDefaultInstance(), CreateTaskResponse.getDefaultInstance());
    static final MethodDescriptor<StartRequest, StartResponse> START = tasks("Start",
            StartRequest.getDefaultInstance(), StartResponse.getDefaultInstance());
    static final MethodDescriptor<DeleteTaskRequest, DeleteResponse> DELETE_TASK = tasks("Delete",
            DeleteTaskRequest.getDefaultInstance(), DeleteResponse.getDefaultInstance());
    static final MethodDescriptor<DeleteProcessRequest, DeleteResponse> DELETE_PROCESS = tasks("DeleteProcess",
            DeleteProcessRequest.getDefaultInstance(), DeleteResponse.getDefaultInstance());
    static final MethodDescriptor<GetRequest, GetResponse> GET_TASK = tasks("Get",
            GetRequest.getDefaultInstance(), GetResponse.getDefaultInstance());
    static final MethodDescriptor<ListTasksRequest, ListTasksResponse> LIST_TASKS = tasks("List",
            ListTasksRequest.getDefaultInstance(), ListTasksResponse.getDefaultInstance());
    static final MethodDescriptor<KillRequest, Empty> KILL = tasks("Kill",
            KillRequest.getDefaultInstance(), Empty.getDefaultInstance());
    static final MethodDescriptor<ExecProcessRequest, Empty> EXEC = tasks("Exec",
            ExecProcessRequest.getDefaultInstance(), Empty.getDefaultInstance());
    static final MethodDescriptor<ResizePtyRequest, Empty> RESIZE_PTY = tasks("ResizePty",
            ResizePtyRequest.getDefaultInstance(), Empty.getDefaultInstance());
    static final MethodDescriptor<CloseIORequest, Empty> CLOSE_IO = tasks("CloseIO",
            CloseIORequest.getDefaultInstance(), Empty.getDefaultInstance());
    static final MethodDescriptor<UpdateTaskRequest, Empty> UPDATE = tasks("Update",
            UpdateTaskRequest.getDefaultInstance(), Empty.getDefaultInstance());
    static final MethodDescriptor<PauseTaskRequest, Empty> PAUSE = tasks("Pause",
            PauseTaskRequest.getDefaultInstance(), Empty.getDefaultInstance());
    static final MethodDescriptor<ResumeTaskRequest, Empty> RESUME = tasks("Resume",
            ResumeTaskRequest.getDefaultInstance(), Empty.getDefaultInstance());
    static final MethodDescriptor<ListPidsRequest, ListPidsResponse> LIST_PIDS = tasks("ListPids",
            ListPidsRequest.getDefaultInstance(), ListPidsResponse.getDefaultInstance());
    static final MethodDescriptor<MetricsRequest, MetricsResponse> METRICS = tasks("Metrics",
            MetricsRequest.getDefaultInstance(), MetricsResponse.getDefaultInstance());
    static final MethodDescriptor<WaitRequest, WaitResponse> WAIT = tasks("Wait",
            WaitRequest.getDefaultInstance(), WaitResponse.getDefaultInstance());

    static final MethodDescriptor<SubscribeRequest, Envelope> SUBSCRIBE = ContainerdClient.serverStreaming(
            EventsProto.getDescriptor().findServiceByName("Events"), "Subscribe", SubscribeRequest.getDefaultInstance(),
            Envelope.getDefaultInstance());

    private ContainerdApi() {
    }

    private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> containers(String name, Q request,
            R response) {
        return ContainerdClient.unary(ContainersProto.getDescriptor().findServiceByName("Containers"), name, request,
                response);
    }

    private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> tasks(String name, Q request,
            R response) {
        return ContainerdClient.unary(TasksProto.getDescriptor().findServiceByName("Tasks"), name, request, response);
    }

    /**
     * An Any with a bare type URL, the way containerd's typeurl package writes and looks them up
     * ({@code Any.pack} would prefix {@code type.googleapis.com/}, which containerd rejects).
     */
    static Any any(String typeUrl, ByteString value) {
        return Any.newBuilder().setTypeUrl(typeUrl).setValue(value).build();
    }

    static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
}
