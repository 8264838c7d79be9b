package io.wharf.containerd.internal;

import java.io.Closeable;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The daemon's end of a stdio FIFO, opened on a thread of its own: open(2) of a FIFO blocks until
 * its other end is opened too, which the shim does in the middle of Tasks.Create (or Start, for an
 * exec). Opened on the thread making that call, it would wait for the call and the call for it.
 *
 * <p>An open nobody answers is ended by opening the FIFO for reading and writing at once (Linux
 * never blocks that open): the stand-in counts as the missing end while the waiting open returns,
 * then goes away.
 */
final class FifoEnd<T extends Closeable> {

    /** Opens one end of a FIFO (blocking until the other end is there). */
    @FunctionalInterface
    interface Opener<T> {
        T open(Path fifo) throws IOException;
    }

    static final Opener<InputStream> READER = fifo -> new FileInputStream(fifo.toFile());
    static final Opener<OutputStream> WRITER = fifo -> new FileOutputStream(fifo.toFile());

    private static final long STAND_IN_WAIT_SECONDS = 5;

    private final Path fifo;
    private final CompletableFuture<T> opened = new CompletableFuture<>();

    private FifoEnd(Path fifo, Opener<T> opener) {
        this.fifo = fifo;
        Thread.ofPlatform().daemon().name("fifo-open " + fifo.getFileName()).start(() -> {
            try {
                opened.complete(opener.open(fifo));
            } catch (IOException | RuntimeException e) {
                opened.completeExceptionally(e);
            }
        });
    }

    /** Starts opening {@code fifo}'s end with {@code opener}. */
    static <T extends Closeable> FifoEnd<T> open(Path fifo, Opener<T> opener) {
        return new FifoEnd<>(fifo, opener);
    }

    /**
     * Opens an end at once, whether or not anyone holds the other (a task restored after the
     * daemon restarted may have exited and closed its ends): the stream then ends after what the
     * FIFO still holds.
     */
    static <T extends Closeable> T openNow(Path fifo, Opener<T> opener) throws IOException {
        try (FileChannel standIn = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return opener.open(fifo);
        }
    }

    /** The open end, once the other side opened its own; cancelled and failed after {@code timeout}. */
    T await(Duration timeout) throws IOException {
        try {
            return opened.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException("cannot open " + fifo, e.getCause());
        } catch (TimeoutException e) {
            cancel();
            throw new IOException("timed out after " + timeout.toSeconds() + " s waiting for the other end of " + fifo);
        } catch (InterruptedException e) {
            cancel();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening " + fifo);
        }
    }

    /** Ends a pending open and closes whatever it opened. */
    void cancel() {
        if (!opened.isDone()) {
            try (FileChannel standIn = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                opened.get(STAND_IN_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (IOException | ExecutionException | TimeoutException e) {
                // the open failed, or the FIFO is gone: nothing to close
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        opened.thenAccept(end -> {
            try {
                end.close();
            } catch (IOException e) {
                // closing is all that is left to do
            }
        });
    }
}
