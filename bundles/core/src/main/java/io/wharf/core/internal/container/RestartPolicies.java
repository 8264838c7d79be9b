package io.wharf.core.internal.container;

import java.time.Duration;

/**
 * dockerd's restart manager decisions: whether a container that exited starts again, and after how
 * long (100 ms, doubling after each quick exit, back to 100 ms once a run lasted 10 s).
 */
final class RestartPolicies {

    static final Duration FIRST_DELAY = Duration.ofMillis(100);
    static final Duration MAX_DELAY = Duration.ofMinutes(1);
    private static final Duration STABLE_RUN = Duration.ofSeconds(10);

    private RestartPolicies() {
    }

    /**
     * @param restartCount how often the policy restarted it already
     */
    static boolean shouldRestart(HostConfig.RestartPolicy policy, int exitCode, boolean manuallyStopped,
            int restartCount) {
        if (manuallyStopped) {
            return false;
        }
        return switch (policy.name()) {
            case "always", "unless-stopped" -> true;
            case "on-failure" -> exitCode != 0
                    && (policy.maximumRetryCount() <= 0 || restartCount < policy.maximumRetryCount());
            default -> false;
        };
    }

    /** The delay before the next start, given the last one and how long the run lasted. */
    static Duration nextDelay(Duration previous, Duration runTime) {
        if (previous == null || runTime.compareTo(STABLE_RUN) >= 0) {
            return FIRST_DELAY;
        }
        Duration doubled = previous.multipliedBy(2);
        return doubled.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : doubled;
    }
}
