package io.wharf.core.internal.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Notices that the client of a streamed answer went away while the handler had nothing to write,
 * as with `docker logs -f` of a quiet container or an events stream. Jetty reads a connection only
 * between requests, so without this such a stream and its follower would be held forever, where
 * dockerd's server sees the close at once. The watch reads the connection once a second: the end
 * of input, an error, or any byte at all (a client sends nothing while it receives a stream)
 * interrupts the thread serving the request, which ends the stream. Only requests without a body
 * are watched, so no byte of a body is ever taken.
 */
final class DisconnectWatch {

    private static final long PERIOD_MILLIS = 1000;

    private final EndPoint endPoint;
    private final Scheduler scheduler;
    private final ByteBuffer probe = BufferUtil.allocate(1);
    /** The thread to interrupt; null once the handler has returned. Guarded by this. */
    private Thread serving;
    private Scheduler.Task next;

    private DisconnectWatch(EndPoint endPoint, Scheduler scheduler, Thread serving) {
        this.endPoint = endPoint;
        this.scheduler = scheduler;
        this.serving = serving;
    }

    /** Watches {@code request}'s connection for the calling thread; null when the request has a body. */
    static DisconnectWatch start(Request request) {
        if (request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING) || request.getLength() > 0) {
            return null;
        }
        DisconnectWatch watch = new DisconnectWatch(request.getConnectionMetaData().getConnection().getEndPoint(),
                request.getComponents().getScheduler(), Thread.currentThread());
        watch.schedule();
        return watch;
    }

    /**
     * Called by the serving thread once it is done with the request: no interrupt reaches it after
     * this, and one that came just before is cleared, so the thread goes back to its pool clean.
     */
    void stop() {
        synchronized (this) {
            serving = null;
            if (next != null) {
                next.cancel();
            }
        }
        Thread.interrupted();
    }

    private synchronized void schedule() {
        if (serving != null) {
            next = scheduler.schedule(this::check, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void check() {
        int read;
        try {
            BufferUtil.clear(probe);
            read = endPoint.fill(probe);
        } catch (IOException e) {
            read = -1;
        }
        if (read == 0) {
            schedule();
            return;
        }
        synchronized (this) {
            if (serving != null) {
                serving.interrupt();
                serving = null;
            }
        }
    }
}
