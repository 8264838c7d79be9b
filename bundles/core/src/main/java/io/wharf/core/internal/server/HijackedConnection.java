package io.wharf.core.internal.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.FutureCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.spi.http.HijackedSession;

/**
 * The connection an endpoint switches to after a hijacking route answered {@code 101}: it runs the
 * route's session on a thread of its own with blocking streams over the endpoint, and closes the
 * endpoint when the session ends. Bytes the HTTP parser had already read past the request come in
 * through {@link #onUpgradeTo} and are read first.
 */
final class HijackedConnection extends AbstractConnection implements Connection.UpgradeTo {

    private static final Logger LOG = LoggerFactory.getLogger(HijackedConnection.class);
    private static final int BUFFER_SIZE = 16 * 1024;

    private final HijackedSession session;
    private final ByteBuffer input = BufferUtil.allocate(BUFFER_SIZE);

    HijackedConnection(EndPoint endPoint, Executor executor, HijackedSession session) {
        super(endPoint, executor);
        this.session = session;
    }

    @Override
    public void onUpgradeTo(ByteBuffer buffered) {
        if (BufferUtil.hasContent(buffered)) {
            BufferUtil.append(input, buffered);
        }
    }

    @Override
    public void onOpen() {
        super.onOpen();
        // A session (attach, exec) lives as long as the container's process; no idle timeout applies.
        getEndPoint().setIdleTimeout(0);
        Thread.ofPlatform().daemon().name("hijacked-" + getEndPoint().getRemoteSocketAddress()).start(this::run);
    }

    private void run() {
        try {
            session.run(new EndPointInput(), new EndPointOutput());
        } catch (IOException e) {
            LOG.debug("hijacked connection ended: {}", e.toString());
        } catch (RuntimeException e) {
            LOG.warn("hijacked session failed", e);
        } finally {
            getEndPoint().close();
        }
    }

    @Override
    public void onFillable() {
        // Reads are driven by the session's thread through EndPointInput, never by the selector.
    }

    /** Blocking reads: fill what is there, else wait for the endpoint to become readable. */
    private final class EndPointInput extends InputStream {

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (!input.hasRemaining()) {
                BufferUtil.clear(input);
                int filled = getEndPoint().fill(input);
                if (filled < 0) {
                    return -1;
                }
                if (filled == 0) {
                    FutureCallback readable = new FutureCallback();
                    getEndPoint().fillInterested(readable);
                    await(readable);
                }
            }
            int n = Math.min(len, input.remaining());
            input.get(b, off, n);
            return n;
        }
    }

    /** Blocking writes: each write is on the wire (or failed) when it returns. */
    private final class EndPointOutput extends OutputStream {

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            FutureCallback written = new FutureCallback();
            getEndPoint().write(written, ByteBuffer.wrap(b, off, len));
            await(written);
        }

        @Override
        public void close() {
            getEndPoint().shutdownOutput();
        }
    }

    private static void await(FutureCallback callback) throws IOException {
        try {
            callback.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }
}
