package io.wharf.core.internal.container;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * One exec instance (docker exec): created by POST /containers/{id}/exec, run by
 * POST /exec/{id}/start, inspected until its container goes away.
 */
public final class Exec {

    /** The body of POST /containers/{id}/exec. */
    @JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
    public record Request(List<String> cmd, List<String> env, String user, String workingDir, boolean tty, boolean privileged,
            boolean attachStdin, boolean attachStdout, boolean attachStderr, String detachKeys,
            List<Integer> consoleSize) {

        public Request {
            user = user == null ? "" : user;
            workingDir = workingDir == null ? "" : workingDir;
            detachKeys = detachKeys == null ? "" : detachKeys;
        }
    }

    final String id;
    final String containerId;
    final Request request;
    private boolean running; // guarded by this
    private boolean started; // guarded by this
    private Integer exitCode; // guarded by this
    private long endedNanos; // guarded by this; System.nanoTime() at the exit
    private int pid; // guarded by this
    private ProcessStreams streams; // guarded by this

    Exec(String id, String containerId, Request request) {
        this.id = id;
        this.containerId = containerId;
        this.request = request;
    }
    public String id() {
        return id;
    }

    /** Marks the exec as started; false when it already was (an exec runs once). */
    synchronized boolean claimStart() {
        if (started) {
            return false;
        }
        started = true;
        return true;
    }

    synchronized void running(int pid, ProcessStreams streams) {
        this.running = true;
        this.pid = pid;
        this.streams = streams;
    }

    synchronized void exited(int code) {
        this.running = false;
        this.exitCode = code;
        this.endedNanos = System.nanoTime();
        notifyAll();
    }

    /** Whether it ended before {@code nanoTime} (a System.nanoTime() value). */
    synchronized boolean endedBefore(long nanoTime) {
        return exitCode != null && endedNanos - nanoTime < 0;
    }

    /** Waits (up to {@code timeout}) until the exit code is known. */
    synchronized void awaitExit(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (exitCode == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    synchronized boolean running() {
        return running;
    }

    synchronized Integer exitCode() {
        return exitCode;
    }

    synchronized int pid() {
        return pid;
    }

    synchronized ProcessStreams streams() {
        return streams;
    }
}
