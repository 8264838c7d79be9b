package io.wharf.core.internal.container;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.wharf.core.internal.ids.StringIds;
import io.wharf.core.internal.image.ContainerLayers;
import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.NotFoundException;
import io.wharf.core.spi.http.HijackedSession;
import io.wharf.core.spi.runtime.ContainerRuntime;
import io.wharf.core.spi.runtime.Stdio;
import io.wharf.core.spi.runtime.TaskExit;
import io.wharf.core.spi.runtime.TaskProcess;

/**
 * The execs of the daemon's containers (docker exec, and health probes): each is created, started
 * once with its own streams, and kept for inspection while its container lives.
 */
public final class ContainerExecs {

    private static final int SIGKILL = 9;
    /** How long an exec that ended stays inspectable (dockerd's exec GC runs every 5 minutes). */
    static final Duration ENDED_EXEC_KEPT = Duration.ofMinutes(5);

    private final ContainerService service;
    private final ContainerRuntime runtime;
    private final ContainerLayers layers;
    private final ContainerSpecs specs;

    ContainerExecs(ContainerService service, ContainerRuntime runtime, ContainerLayers layers, ContainerSpecs specs) {
        this.service = service;
        this.runtime = runtime;
        this.layers = layers;
        this.specs = specs;
    }

    /** POST /containers/{id}/exec. */
    public Exec create(Container c, Exec.Request request) {
        ContainerState s = c.state();
        if (!s.running() || s.restarting()) {
            throw new ConflictException("Container " + c.id() + " is not running");
        }
        if (s.paused()) {
            throw new ConflictException("Container " + c.id() + " is paused, unpause the container before exec");
        }
        if (request.cmd() == null || request.cmd().isEmpty()) {
            throw new InvalidParameterException("No exec command specified");
        }
        forgetEnded(c);
        Exec e = new Exec(StringIds.generate(), c.id(), request);
        c.execs().put(e.id, e);
        service.publish(c, "exec_create: " + String.join(" ", request.cmd()), Map.of("execID", e.id));
        return e;
    }

    /** Runs one health probe as an exec and answers its exit code and (first 4 KiB of) output. */
    HealthMonitor.Result probe(Container c, List<String> command, Duration timeout)
            throws IOException, InterruptedException {
        Exec e = new Exec(StringIds.generate(), c.id(), new Exec.Request(command, null, "", "", false, false, false, true, true, "", null));
        c.execs().put(e.id, e);
        try {
            service.publish(c, "exec_create: " + String.join(" ", command), Map.of("execID", e.id));
            ProcessStreams streams = runExec(e);
            Attachment output = streams.adopt(new Attachment(true, true, true));
            streams.start();
            HealthMonitor.LimitedOutput text = new HealthMonitor.LimitedOutput();
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    output.pump(text);
                } catch (IOException ex) {
                    // the buffer does not fail
                }
            });
            e.awaitExit(timeout);
            if (e.exitCode() == null) {
                signalQuietly(c, e.id);
                return new HealthMonitor.Result(-1, "Health check exceeded timeout (" + timeout.toSeconds() + "s)");
            }
            reader.join(1000);
            return new HealthMonitor.Result(e.exitCode(), text.toString());
        } finally {
            c.execs().remove(e.id);
        }
    }

    /**
     * Drops the execs that ended over {@link #ENDED_EXEC_KEPT} ago, as dockerd's exec GC does, so
     * that a long-running container exec'd into again and again does not hold them all.
     */
    private static void forgetEnded(Container c) {
        long now = System.nanoTime();
        c.execs().values().removeIf(e -> e.endedBefore(now - ENDED_EXEC_KEPT.toNanos()));
    }

    /**
     * The container's execs that have not ended (inspect's ExecIDs, as dockerd drops an exec from
     * it at its exit); an exec that ended stays inspectable by its id.
     */
    public List<String> notEnded(Container c) {
        return c.execs().values().stream().filter(e -> e.exitCode() == null).map(Exec::id).toList();
    }

    /** The exec with this id, in whichever container. */
    public Exec get(String execId) {
        for (Container c : service.all()) {
            Exec e = c.execs().get(execId);
            if (e != null) {
                return e;
            }
        }
        throw new NotFoundException("No such exec instance: " + execId);
    }

    /**
     * POST /exec/{id}/start: runs the exec; answers the session that streams it to the client, or
     * null when the client detaches (its output is then read and dropped).
     */
    public HijackedSession start(String execId, boolean detach) throws IOException {
        Exec e = get(execId);
        ProcessStreams streams = runExec(e);
        Attachment output = streams.attach(!detach && e.request.attachStdout(), !detach && e.request.attachStderr());
        streams.start();
        if (detach) {
            return null;
        }
        Container c = service.get(e.containerId);
        return new AttachSession(output, e.request.attachStdin(),
                e.request.tty() ? AttachSession.parseDetachKeys(e.request.detachKeys()) : null,
                p -> service.closeStdin(c.id(), e.id, p), e::awaitExit);
    }

    /** GET /exec/{id}/json. */
    public Map<String, Object> inspect(String execId) {
        Exec e = get(execId);
        Map<String, Object> process = new LinkedHashMap<>();
        process.put("tty", e.request.tty());
        process.put("entrypoint", e.request.cmd().get(0));
        process.put("arguments", e.request.cmd().subList(1, e.request.cmd().size()));
        process.put("privileged", e.request.privileged());
        process.put("user", e.request.user());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("CanRemove", false);
        out.put("ContainerID", e.containerId);
        out.put("DetachKeys", e.request.detachKeys());
        out.put("ExitCode", e.exitCode());
        out.put("ID", e.id);
        out.put("OpenStderr", e.request.attachStderr());
        out.put("OpenStdin", e.request.attachStdin());
        out.put("OpenStdout", e.request.attachStdout());
        out.put("ProcessConfig", process);
        out.put("Running", e.running());
        out.put("Pid", e.pid());
        return out;
    }

    /** POST /exec/{id}/resize. */
    public void resize(String execId, int height, int width) {
        Exec e = get(execId);
        if (!e.running()) {
            throw new ConflictException("exec " + execId + " is not running");
        }
        runtime.resizeTerminal(e.containerId, e.id, width, height);
    }

    /** Starts an exec and answers its streams, not yet copying. */
    private ProcessStreams runExec(Exec e) throws IOException {
        Container c = service.get(e.containerId);
        if (!e.claimStart()) {
            throw new ConflictException("Error: Exec command " + e.id + " has already run");
        }
        ContainerState s = c.state();
        if (!s.running() || s.restarting()) {
            throw new ConflictException("Container " + c.id() + " is not running");
        }
        byte[] process = specs.execProcess(c, e, layers.mount(c.id()));
        try {
            TaskProcess p = runtime.exec(c.id(), e.id, process, new Stdio(e.request.attachStdin(), e.request.tty()));
            ProcessStreams streams = new ProcessStreams("exec-" + e.id.substring(0, 12), p, e.request.tty(), null);
            e.running(p.pid(), streams);
            service.publish(c, "exec_start: " + String.join(" ", e.request.cmd()), Map.of("execID", e.id));
            return streams;
        } catch (RuntimeException ex) {
            e.exited(126);
            throw ex;
        } finally {
            layers.unmount(c.id());
        }
    }

    /** An exec's process ended: its exit code is recorded once its output is delivered. */
    void exited(Container c, String execId, TaskExit exit) {
        Exec e = c.execs().get(execId);
        if (e == null) {
            return;
        }
        // Off the runtime's event thread: waiting for the output must not hold up other events.
        Thread.ofVirtual().name("exec-exit-" + c.shortId()).start(() -> {
            ContainerService.awaitOutput(e.streams());
            e.exited(exit.exitCode());
            service.publish(c, "exec_die", Map.of("execID", e.id, "exitCode", Integer.toString(exit.exitCode())));
        });
    }

    private void signalQuietly(Container c, String execId) {
        try {
            runtime.signal(c.id(), execId, SIGKILL);
        } catch (NotFoundException e) {
            // it exited meanwhile
        }
    }
}
