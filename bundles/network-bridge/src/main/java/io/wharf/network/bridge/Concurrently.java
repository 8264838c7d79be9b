package io.wharf.network.bridge;

import java.io.IOException;

/** A step run on a virtual thread beside the caller's own work, its failure collected with the caller's. */
final class Concurrently {

    /** A step that may fail. */
    interface Step {
        void run() throws IOException;
    }

    private static final Concurrently NOTHING = new Concurrently();

    private Thread thread;
    private volatile Exception failure;

    private Concurrently() {
    }

    /** Starts {@code step}; null starts nothing. */
    static Concurrently start(Step step) {
        if (step == null) {
            return NOTHING;
        }
        Concurrently c = new Concurrently();
        c.thread = Thread.ofVirtual().name("bridge-driver-step").start(() -> {
            try {
                step.run();
            } catch (IOException | RuntimeException e) {
                c.failure = e;
            }
        });
        return c;
    }

    /**
     * Waits for the step to end (what it changed must be known before anything is undone) and
     * returns the first failure: {@code earlier}, the caller's own, before the step's.
     */
    Exception await(Exception earlier) {
        if (thread != null) {
            boolean interrupted = false;
            while (true) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the step is short; wait for it rather than leave it half known
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (earlier == null) {
            return failure;
        }
        if (failure != null) {
            earlier.addSuppressed(failure);
        }
        return earlier;
    }

    /** The failure as what it is: an unchecked one is thrown here, an IOException returned for the caller to throw. */
    static IOException rethrow(Exception e) {
        if (e instanceof RuntimeException r) {
            throw r;
        }
        return (IOException) e;
    }
}
