package io.wharf.core.internal.container;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * A container's State as inspect shows it and config.v2.json keeps it. Times are RFC 3339; Go's
 * zero time ({@code 0001-01-01T00:00:00Z}) means "never", as dockerd writes it.
 */
@JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
public record ContainerState(String status, boolean running, boolean paused, boolean restarting,
        @JsonProperty("OOMKilled") boolean oomKilled, boolean dead, int pid,
        int exitCode, String error, String startedAt, String finishedAt, Health health) {

    public static final String NEVER = "0001-01-01T00:00:00Z";

    /** A container just created. */
    public static ContainerState created() {
        return new ContainerState("created", false, false, false, false, false, 0, 0, "", NEVER, NEVER, null);
    }

    public ContainerState runningAs(int pid, Instant startedAt) {
        return new ContainerState("running", true, false, false, false, false, pid, 0, "", startedAt.toString(),
                NEVER, health == null ? null : health.starting());
    }

    public ContainerState exited(int exitCode, Instant finishedAt, boolean oom) {
        return new ContainerState("exited", false, false, false, oom, false, 0, exitCode, "", startedAt,
                finishedAt.toString(), health == null ? null : health.unhealthyOnStop());
    }

    /** Exited and about to be started again by its restart policy. */
    public ContainerState restartingAfter(int exitCode, Instant finishedAt, boolean oom) {
        return new ContainerState("restarting", true, false, true, oom, false, 0, exitCode, "", startedAt,
                finishedAt.toString(), health);
    }

    public ContainerState paused(boolean value) {
        return new ContainerState(value ? "paused" : "running", running, value, restarting, oomKilled, dead, pid,
                exitCode, error, startedAt, finishedAt, health);
    }

    /** A start that failed: the container stays stopped with the runtime's message and dockerd's exit code for it. */
    public ContainerState failedToStart(String message, int code) {
        return new ContainerState(status.equals("created") ? "created" : "exited", false, false, false, false, false,
                0, code, message, startedAt, finishedAt, health);
    }

    public ContainerState removing() {
        return new ContainerState("removing", running, paused, restarting, oomKilled, dead, pid, exitCode, error,
                startedAt, finishedAt, health);
    }

    /**
     * Removed: the error goes, as dockerd clears it once a removal succeeds, so that whoever waited
     * for the removal ({@code docker run --rm} whose start failed) reads none.
     */
    public ContainerState removed() {
        return new ContainerState(status, running, paused, restarting, oomKilled, dead, pid, exitCode, "", startedAt,
                finishedAt, health);
    }

    /** A container whose removal failed half-way: it can only be removed (force) again. */
    public ContainerState asDead() {
        return new ContainerState("dead", false, false, false, oomKilled, true, 0, exitCode, error, startedAt,
                finishedAt, health);
    }

    public ContainerState withHealth(Health value) {
        return new ContainerState(status, running, paused, restarting, oomKilled, dead, pid, exitCode, error,
                startedAt, finishedAt, value);
    }

    /** State.Health: starting, healthy or unhealthy, with the failing streak and the last results. */
    @JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
    public record Health(String status, int failingStreak, List<HealthLog> log) {

        Health starting() {
            return new Health("starting", 0, log);
        }

        Health unhealthyOnStop() {
            return new Health("unhealthy", failingStreak, log);
        }
    }

    /** One health check run. */
    @JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
    public record HealthLog(String start, String end, int exitCode, String output) {
    }
}
