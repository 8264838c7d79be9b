package io.wharf.core.spi.linux;

import java.io.IOException;

/**
 * Runs a call on a platform thread of its own that ends with it, for calls that change the calling
 * thread's state (its working directory, its namespaces) where no other thread of the JVM may see it.
 */
final class OwnThread {

    /** A call that may fail with an IOException, or with anything a foreign call throws. */
    interface Call<T> {
        T call() throws Throwable;
    }

    private OwnThread() {
    }

    static <T> T call(String name, Call<T> call) throws IOException {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread thread = Thread.ofPlatform().name(name).unstarted(() -> {
            try {
                result[0] = call.call();
            } catch (Throwable t) {
                failure[0] = t;
            }
        });
        thread.start();
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the call is short; wait for it rather than leave it half known
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure[0] instanceof IOException e) {
            throw e;
        }
        if (failure[0] instanceof RuntimeException e) {
            throw e;
        }
        if (failure[0] != null) {
            throw new IOException(name + " failed", failure[0]);
        }
        @SuppressWarnings("unchecked")
        T value = (T) result[0];
        return value;
    }
}
