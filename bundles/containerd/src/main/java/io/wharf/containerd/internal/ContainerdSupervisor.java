package io.wharf.containerd.internal;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.spi.runtime.ContainerdVersion;

/**
 * The daemon's own containerd, supervised as dockerd's libcontainerd/supervisor does it: started
 * with the config file in its state directory, waited for until it answers, restarted whenever it
 * exits, and stopped with SIGTERM (SIGKILL after 15 s) when the daemon stops.
 *
 * <p>One platform thread starts containerd and waits for its exit ({@link Process#onExit()}): the
 * daemon reaps its own child and never signals a pid it has not waited for. containerd runs in a
 * session of its own (no signal from the daemon's terminal reaches it) and is killed by the kernel
 * if that thread, and so the daemon, dies (dockerd's Setsid and Pdeathsig, through util-linux's
 * setsid and setpriv, which exec it in place). Its output goes to the daemon's log at debug level.
 */
final class ContainerdSupervisor {

    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(15);
    static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(15);

    private static final Logger LOG = LoggerFactory.getLogger(ContainerdSupervisor.class);
    /** containerd's own log lines, as they come. */
    private static final Logger OUTPUT = LoggerFactory.getLogger("io.wharf.containerd.output");
    private static final long RESTART_DELAY_MILLIS = 100;
    private static final long MAX_RESTART_DELAY_MILLIS = 5_000;

    private final ContainerdConfig config;
    private final boolean debug;
    private final Future<ContainerdClient> client;
    private final Consumer<ContainerdVersion> onReady;
    private final CompletableFuture<ContainerdVersion> firstStart = new CompletableFuture<>();
    private final Object lock = new Object();
    private Thread thread;
    private Process process; // guarded by lock
    private boolean stopping; // guarded by lock
    private volatile Thread outputPump;
    private volatile String lastOutput = "";

    /**
     * @param client  the client to ask whether containerd answers; it may still be in the making
     *                when containerd is started (loading the gRPC client's classes takes about as
     *                long as containerd's own start, so the two overlap)
     * @param onReady told containerd's version each time a (re)started containerd answers
     */
    ContainerdSupervisor(ContainerdConfig config, boolean debug, Future<ContainerdClient> client,
            Consumer<ContainerdVersion> onReady) {
        this.config = config;
        this.debug = debug;
        this.client = client;
        this.onReady = onReady;
    }

    /** Starts containerd and returns; the supervision goes on until {@link #stop()}. */
    void launch() {
        thread = Thread.ofPlatform().name("containerd-supervisor").start(this::supervise);
    }

    /** After {@link #launch()}: returns once the first containerd answers. */
    ContainerdVersion awaitFirstStart() throws ContainerdException, InterruptedException {
        try {
            return firstStart.get();
        } catch (ExecutionException e) {
            throw (ContainerdException) e.getCause();
        }
    }

    private void supervise() {
        Process p = null;
        try {
            int failures = 0;
            while (true) {
                try {
                    p = spawn();
                } catch (IOException | ContainerdException e) {
                    String message = e instanceof ContainerdException ? e.getMessage()
                            : "failed to start containerd: " + e.getMessage();
                    if (firstStart.completeExceptionally(new ContainerdException(message))) {
                        return;
                    }
                    LOG.error("{}; trying again", message);
                    if (!pause(++failures)) {
                        return;
                    }
                    continue;
                }
                if (p == null) {
                    return;
                }
                Process running = p;
                ContainerdClient c;
                try {
                    c = client.get();
                } catch (ExecutionException e) {
                    terminate(p);
                    firstStart.completeExceptionally(new ContainerdException("failed to make the containerd client: " + e.getCause()));
                    return;
                }
                Optional<ContainerdVersion> ready = c.awaitReady(STARTUP_TIMEOUT, () -> running.isAlive() && !isStopping());
                if (isStopping()) {
                    return;
                }
                if (ready.isEmpty()) {
                    String reason = "timeout waiting for containerd to start";
                    if (!p.isAlive()) {
                        outputPump.join(1_000);
                        reason = "containerd exited with status " + p.exitValue() + " before it answered: " + lastOutput;
                    }
                    terminate(p);
                    if (firstStart.completeExceptionally(new ContainerdException(reason))) {
                        return;
                    }
                    LOG.error("{}; trying again", reason);
                    if (!pause(++failures)) {
                        return;
                    }
                    continue;
                }
                failures = 0;
                onReady.accept(ready.get());
                if (!firstStart.complete(ready.get())) {
                    LOG.info("containerd restarted (pid {}) and answers", p.pid());
                }
                int status = p.onExit().join().exitValue();
                if (isStopping()) {
                    return;
                }
                LOG.warn("containerd (pid {}) exited with status {}; restarting it", p.pid(), status);
                if (!pause(1)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            firstStart.completeExceptionally(new ContainerdException("interrupted while starting containerd"));
        } finally {
            // Ends a start that stop() interrupted (no effect once the start is over).
            firstStart.completeExceptionally(new ContainerdException("the daemon is stopping"));
            // The kernel kills containerd when this thread ends (Pdeathsig): end only after it has.
            if (p != null) {
                p.onExit().join();
            }
        }
    }

    /** Starts containerd unless the supervisor is stopping (then null). */
    private Process spawn() throws IOException, ContainerdException {
        Path binary = onPath("containerd").orElseThrow(() -> new ContainerdException(
                "failed to start containerd: exec: \"containerd\": executable file not found in $PATH"));
        List<String> command = new ArrayList<>(List.of("setsid", "setpriv", "--pdeathsig", "KILL", "--",
                binary.toString(), "--config", config.configFile().toString()));
        if (debug) {
            command.addAll(List.of("--log-level", "debug"));
        }
        for (Path stale : List.of(config.address(), config.debugAddress(), Path.of(config.address() + ".ttrpc"))) {
            Files.deleteIfExists(stale);
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().remove("NOTIFY_SOCKET");
        Process p;
        synchronized (lock) {
            if (stopping) {
                return null;
            }
            p = pb.start();
            process = p;
        }
        outputPump = Thread.ofPlatform().daemon().name("containerd-output-" + p.pid()).start(() -> pumpOutput(p));
        try {
            ContainerdConfig.writeAtomically(config.pidFile(), p.pid() + "\n");
        } catch (IOException e) {
            LOG.warn("could not write {}: {}", config.pidFile(), e.getMessage());
        }
        LOG.info("started new containerd process (pid {}, address {})", p.pid(), config.address());
        return p;
    }

    private void pumpOutput(Process p) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                lastOutput = line;
                OUTPUT.debug("{}", line);
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    /** Waits before a restart, longer after each failure in a row; false if the supervisor is stopping. */
    private boolean pause(int failures) throws InterruptedException {
        long millis = Math.min(RESTART_DELAY_MILLIS * failures, MAX_RESTART_DELAY_MILLIS);
        synchronized (lock) {
            if (!stopping) {
                lock.wait(millis);
            }
            return !stopping;
        }
    }

    private boolean isStopping() {
        synchronized (lock) {
            return stopping;
        }
    }

    /** Stops containerd: SIGTERM, then SIGKILL if it is still there after 15 s. */
    void stop() throws InterruptedException {
        Process p;
        synchronized (lock) {
            stopping = true;
            p = process;
            lock.notifyAll();
        }
        if (p != null && p.isAlive()) {
            LOG.info("stopping containerd (pid {})", p.pid());
            terminate(p);
        }
        if (thread != null) {
            thread.join();
        }
        try {
            Files.deleteIfExists(config.pidFile());
        } catch (IOException e) {
            LOG.warn("could not remove {}: {}", config.pidFile(), e.getMessage());
        }
    }

    private static void terminate(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.warn("containerd (pid {}) did not stop within {} s of SIGTERM; killing it", p.pid(),
                    SHUTDOWN_TIMEOUT.toSeconds());
            p.destroyForcibly();
            p.waitFor();
        }
    }
}
