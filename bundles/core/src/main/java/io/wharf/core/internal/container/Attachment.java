package io.wharf.core.internal.container;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;

import io.wharf.core.internal.container.logs.StdStream;

/**
 * One client's view of a process's output: chunks queue here until the client's connection takes
 * them, so that output produced before the connection was handed over is not lost. A client that
 * stops reading holds the process's output back once {@link #LIMIT} bytes wait, as a slow
 * attached client does with dockerd.
 */
final class Attachment {

    private static final int LIMIT = 1 << 20;

    private record Chunk(int stream, byte[] bytes) {
    }

    private final boolean stdout;
    private final boolean stderr;
    private final boolean raw;
    private final ArrayDeque<Chunk> queue = new ArrayDeque<>(); // guarded by this
    private int queued; // guarded by this
    private boolean ended; // guarded by this
    private boolean detached; // guarded by this
    private ProcessStreams streams; // guarded by this: the process's, once known

    Attachment(boolean stdout, boolean stderr, boolean raw) {
        this.stdout = stdout;
        this.stderr = stderr;
        this.raw = raw;
    }

    /** Queues a chunk the client asked for; false once the client has gone, to be dropped. */
    synchronized boolean offer(int stream, byte[] buf, int len) {
        if (detached) {
            return false;
        }
        if (stream == ProcessStreams.STDOUT ? !stdout : !stderr) {
            return true;
        }
        while (queued >= LIMIT && !detached) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        queue.add(new Chunk(stream, Arrays.copyOf(buf, len)));
        queued += len;
        notifyAll();
        return !detached;
    }

    /** Ties this attachment to the process it sees (an attach made before start gets it at start). */
    synchronized void bind(ProcessStreams value) {
        streams = value;
        notifyAll();
    }

    /** The process's streams once bound; null when the attachment ended or detached first. */
    synchronized ProcessStreams awaitStreams() throws InterruptedException {
        while (streams == null && !ended && !detached) {
            wait();
        }
        return streams;
    }

    /** The process's output ended: the client gets what is queued, then the end. */
    synchronized void end() {
        ended = true;
        notifyAll();
    }

    /** Whether the output stopped because the client went away or detached, not because it ended. */
    synchronized boolean detachedByClient() {
        return detached && !ended;
    }

    /** The client went away (or detached): nothing more is queued for it. */
    synchronized void detach() {
        detached = true;
        queue.clear();
        notifyAll();
    }

    /**
     * Writes the output to the client until it ends or the client detaches; multiplexed with
     * stdout/stderr frames unless the process has a terminal.
     */
    void pump(OutputStream out) throws IOException {
        try {
            while (true) {
                Chunk c;
                synchronized (this) {
                    while (queue.isEmpty() && !ended && !detached) {
                        wait();
                    }
                    if (queue.isEmpty()) {
                        return;
                    }
                    c = queue.poll();
                    queued -= c.bytes.length;
                    notifyAll();
                }
                if (raw) {
                    out.write(c.bytes);
                } else {
                    (c.stream == ProcessStreams.STDOUT ? StdStream.STDOUT : StdStream.STDERR)
                            .writeFrame(out, c.bytes, 0, c.bytes.length);
                }
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            detach();
        }
    }
}
