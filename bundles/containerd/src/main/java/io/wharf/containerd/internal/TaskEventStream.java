package io.wharf.containerd.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;

import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.wharf.containerd.internal.api.events.TaskEvents;
import io.wharf.containerd.internal.api.events.v1.Envelope;
import io.wharf.containerd.internal.api.events.v1.SubscribeRequest;
import io.wharf.containerd.internal.api.tasks.v1.ListTasksRequest;
import io.wharf.containerd.internal.api.types.task.TaskTypes;
import io.wharf.core.spi.errors.ApiException;
import io.wharf.core.spi.runtime.TaskExit;
import io.wharf.core.spi.runtime.TaskListener;

/**
 * containerd's task events for Wharf's namespace, delivered to the daemon's listener on one thread
 * of their own, in order: exits (an exec released first, as its exit is the end of it) and OOM
 * kills; dockerd acts on nothing else.
 *
 * <p>The stream ends when containerd stops. Once containerd serves again the stream is
 * subscribed anew and every stopped task is reported as exited, since its exit may have happened
 * while nobody listened; an exit is delivered once however often it is seen.
 */
final class TaskEventStream {

    private static final Logger LOG = LoggerFactory.getLogger(TaskEventStream.class);
    /** dockerd's filter: one string, so both conditions hold. */
    private static final SubscribeRequest SUBSCRIPTION = SubscribeRequest.newBuilder()
            .addFilters("namespace==" + ContainerdClient.NAMESPACE + ",topic~=|^/tasks/|")
            .build();
    private static final String EXIT_TYPE = TaskEvents.TaskExit.getDescriptor().getFullName();
    private static final String OOM_TYPE = TaskEvents.TaskOOM.getDescriptor().getFullName();
    private static final Duration SERVE_WAIT = Duration.ofMinutes(1);
    /** A pause before subscribing again, so that a stream refused at once is not retried in a busy loop. */
    private static final long RESUBSCRIBE_DELAY_MILLIS = 100;
    /** Exits remembered to deliver each once: far more than can be delivered twice. */
    private static final int REMEMBERED_EXITS = 4096;

    private final ContainerdClient client;
    private final ContainerdRuntime runtime;
    private final TaskListener listener;
    /** Exits delivered, as container, process and time; used by the stream's thread only. */
    private final Set<String> delivered = Collections.newSetFromMap(new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED_EXITS;
        }
    });
    private final Object lock = new Object();
    private Context.CancellableContext subscription; // guarded by lock
    private boolean closed; // guarded by lock
    private volatile Thread thread;

    TaskEventStream(ContainerdClient client, ContainerdRuntime runtime, TaskListener listener) {
        this.client = client;
        this.runtime = runtime;
        this.listener = listener;
    }

    /** Sends the subscription on the calling thread, then delivers on a thread of its own. */
    void start() {
        Iterator<Envelope> first = subscribe();
        thread = Thread.ofPlatform().daemon().name("containerd-events").start(() -> deliver(first));
    }

    private Iterator<Envelope> subscribe() {
        Context.CancellableContext context = Context.current().withCancellation();
        synchronized (lock) {
            subscription = context;
            if (closed) {
                context.cancel(null);
            }
        }
        Context previous = context.attach();
        try {
            return ClientCalls.blockingServerStreamingCall(client.channel(), ContainerdApi.SUBSCRIBE, CallOptions.DEFAULT,
                    SUBSCRIPTION);
        } finally {
            context.detach(previous);
        }
    }

    private void deliver(Iterator<Envelope> stream) {
        while (true) {
            try {
                while (stream.hasNext()) {
                    dispatch(stream.next());
                }
                LOG.warn("containerd ended the event stream; subscribing again");
            } catch (StatusRuntimeException e) {
                if (isClosed()) {
                    return;
                }
                LOG.warn("containerd's event stream failed ({}); waiting for containerd to serve again", e.getStatus());
            }
            if (!awaitServing()) {
                return;
            }
            stream = subscribe();
            LOG.info("subscribed to containerd's events again");
            reportStoppedTasks();
        }
    }

    /** Waits until containerd serves again; false when the stream is closed first. */
    private boolean awaitServing() {
        try {
            synchronized (lock) {
                if (!closed) {
                    lock.wait(RESUBSCRIBE_DELAY_MILLIS);
                }
            }
            while (!isClosed()) {
                if (client.awaitReady(SERVE_WAIT, () -> !isClosed()).isPresent()) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private void reportStoppedTasks() {
        try {
            for (TaskTypes.Process task : client.call(ContainerdApi.LIST_TASKS, ListTasksRequest.getDefaultInstance())
                    .getTasksList()) {
                // A task's process is named by the task's id, the container's; its container_id is empty.
                if (task.getStatus() == TaskTypes.Status.STOPPED
                        && exited(task.getId(), task.getId(), task.getExitStatus(), task.getExitedAt())) {
                    LOG.info("task {} exited while its events were not received", task.getId());
                }
            }
        } catch (ApiException e) {
            LOG.warn("failed to list the tasks after subscribing again: {}", e.getMessage());
        }
    }

    private void dispatch(Envelope envelope) {
        Any event = envelope.getEvent();
        try {
            if (event.getTypeUrl().equals(EXIT_TYPE)) {
                TaskEvents.TaskExit exit = TaskEvents.TaskExit.parseFrom(event.getValue());
                exited(exit.getContainerId(), exit.getId(), exit.getExitStatus(), exit.getExitedAt());
            } else if (event.getTypeUrl().equals(OOM_TYPE)) {
                listener.outOfMemory(TaskEvents.TaskOOM.parseFrom(event.getValue()).getContainerId());
            } else {
                LOG.debug("ignoring event {} ({})", envelope.getTopic(), event.getTypeUrl());
            }
        } catch (InvalidProtocolBufferException e) {
            LOG.warn("failed to decode event {}: {}", envelope.getTopic(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("failed to process event {}", envelope.getTopic(), e);
        }
    }

    /** Tells the listener of an exit unless it was told already; true if it was told now. */
    private boolean exited(String containerId, String processId, int status, Timestamp exitedAt) {
        Instant at = ContainerdApi.instant(exitedAt);
        if (!delivered.add(containerId + "/" + processId + "@" + at)) {
            LOG.debug("exit of {} in {} at {} told already", processId, containerId, at);
            return false;
        }
        if (!processId.equals(containerId)) {
            runtime.releaseExec(containerId, processId);
        }
        listener.exited(containerId, processId, new TaskExit(status, at));
        return true;
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    /** Ends the subscription and waits for the event being delivered, if any. */
    void close() {
        Context.CancellableContext context;
        synchronized (lock) {
            closed = true;
            context = subscription;
            lock.notifyAll();
        }
        if (context != null) {
            context.cancel(null);
        }
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
