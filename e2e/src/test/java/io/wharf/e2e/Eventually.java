package io.wharf.e2e;

import java.time.Duration;

/** Waiting in tests for what the daemon does in the background: a check polled until it holds. */
final class Eventually {

    /** A condition; one that throws has not held yet. */
    @FunctionalInterface
    interface Check {
        boolean test() throws Exception;
    }

    private Eventually() {
    }

    /** Polls {@code check} until it holds; after {@code timeout} fails naming {@code what} (and the last error). */
    static void await(Duration timeout, Check check, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (check.test()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(50);
        }
        AssertionError failure = new AssertionError("not within " + timeout + ": " + what);
        if (last != null) {
            failure.initCause(last);
        }
        throw failure;
    }
}
