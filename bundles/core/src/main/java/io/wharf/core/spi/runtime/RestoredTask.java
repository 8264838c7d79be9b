package io.wharf.core.spi.runtime;

/**
 * A task found again after a daemon restart.
 *
 * @param status  its state now
 * @param process its pid and re-opened streams
 */
public record RestoredTask(Status status, TaskProcess process) {

    /** containerd's process states, less the transient ones (pausing counts as paused). */
    public enum Status {
        CREATED, RUNNING, PAUSED, STOPPED
    }
}
