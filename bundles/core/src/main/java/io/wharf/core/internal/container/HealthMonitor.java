package io.wharf.core.internal.container;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a container's health check while it runs (moby's daemon/health.go): the probe is an exec
 * every Interval (30 s unless set), given Timeout (30 s) to finish; Retries (3) failures in a row
 * make the container unhealthy, a success makes it healthy again; failures within StartPeriod do
 * not count. The last five results are kept in State.Health.Log, and every change of status is a
 * "health_status" event.
 */
final class HealthMonitor {

    private static final Logger LOG = LoggerFactory.getLogger(HealthMonitor.class);
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    static final int DEFAULT_RETRIES = 3;
    private static final int MAX_LOG_ENTRIES = 5;
    private static final int MAX_OUTPUT = 4096;
    /** An exit code that says the probe could not even run or did not finish in time. */
    private static final int PROBE_FAILED = -1;

    /** How the daemon runs one probe: the exec's exit code and output, or PROBE_FAILED on timeout. */
    interface Prober {
        Result probe(Container c, List<String> command, Duration timeout) throws IOException, InterruptedException;
    }

    record Result(int exitCode, String output) {
    }

    private final Container container;
    private final ContainerConfig.Healthcheck check;
    private final Prober prober;
    private final ContainerService service;
    private final Thread thread;

    private HealthMonitor(Container container, ContainerConfig.Healthcheck check, Prober prober, ContainerService service) {
        this.container = container;
        this.check = check;
        this.prober = prober;
        this.service = service;
        this.thread = Thread.ofVirtual().name("health-" + container.shortId()).unstarted(this::run);
    }

    /** Starts monitoring a container that just started, or answers null when it has no health check. */
    static HealthMonitor start(Container c, Prober prober, ContainerService service) {
        if (command(c.config()) == null) {
            return null;
        }
        HealthMonitor m = new HealthMonitor(c, c.config().healthcheck(), prober, service);
        m.thread.start();
        return m;
    }

    void stop() {
        thread.interrupt();
    }

    /**
     * The command the container's health check runs (CMD's arguments as they are, CMD-SHELL's
     * through /bin/sh -c), or null when it has none (no Healthcheck, or NONE).
     */
    static List<String> command(ContainerConfig config) {
        ContainerConfig.Healthcheck check = config.healthcheck();
        if (check == null || check.test() == null || check.test().isEmpty()) {
            return null;
        }
        List<String> test = check.test();
        return switch (test.get(0)) {
            case "NONE" -> null;
            case "CMD" -> test.subList(1, test.size());
            case "CMD-SHELL" -> List.of("/bin/sh", "-c", String.join(" ", test.subList(1, test.size())));
            default -> test;
        };
    }

    private void run() {
        Duration interval = orDefault(check.interval(), DEFAULT_INTERVAL);
        Duration timeout = orDefault(check.timeout(), DEFAULT_TIMEOUT);
        Duration startPeriod = Duration.ofNanos(check.startPeriod());
        int retries = check.retries() > 0 ? check.retries() : DEFAULT_RETRIES;
        Instant started = Instant.now();
        List<String> command = command(container.config());
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(interval);
                ContainerState s = container.state();
                if (!s.running() || s.restarting() || container.removed()) {
                    return;
                }
                if (s.paused()) {
                    continue;
                }
                Instant begin = Instant.now();
                Result r;
                try {
                    r = prober.probe(container, command, timeout);
                } catch (IOException | RuntimeException e) {
                    r = new Result(PROBE_FAILED, e.getMessage() == null ? e.toString() : e.getMessage());
                }
                record(begin, r, retries, Duration.between(started, begin).compareTo(startPeriod) < 0);
            }
        } catch (InterruptedException e) {
            // the container stopped
        }
    }

    private void record(Instant begin, Result r, int retries, boolean inStartPeriod) {
        String newStatus = null;
        synchronized (container) {
            ContainerState s = container.state();
            if (!s.running() || s.health() == null) {
                return;
            }
            ContainerState.Health h = s.health();
            List<ContainerState.HealthLog> log = new ArrayList<>(h.log() == null ? List.of() : h.log());
            log.add(new ContainerState.HealthLog(begin.toString(), Instant.now().toString(), r.exitCode(), r.output()));
            while (log.size() > MAX_LOG_ENTRIES) {
                log.remove(0);
            }
            String status = h.status();
            int streak = h.failingStreak();
            if (r.exitCode() == 0) {
                status = "healthy";
                streak = 0;
            } else if (!(inStartPeriod && status.equals("starting"))) {
                streak++;
                if (streak >= retries) {
                    status = "unhealthy";
                }
            }
            if (!status.equals(h.status())) {
                newStatus = status;
            }
            container.state(s.withHealth(new ContainerState.Health(status, streak, log)));
            service.save(container);
        }
        if (newStatus != null) {
            LOG.debug("container {} is {}", container.shortId(), newStatus);
            service.publish(container, "health_status: " + newStatus, Map.of());
        }
    }

    private static Duration orDefault(long nanos, Duration fallback) {
        return nanos > 0 ? Duration.ofNanos(nanos) : fallback;
    }

    /** Keeps the first {@link #MAX_OUTPUT} bytes of a probe's output, as dockerd does. */
    static final class LimitedOutput extends ByteArrayOutputStream {
        @Override
        public synchronized void write(byte[] b, int off, int len) {
            super.write(b, off, Math.max(0, Math.min(len, MAX_OUTPUT - count)));
        }

        @Override
        public synchronized String toString() {
            return new String(toByteArray(), StandardCharsets.UTF_8);
        }
    }
}
