package io.wharf.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on 127.0.0.1 in front of a local server whose answers reach the client at no more
 * than a given rate on each connection: a pull through it takes seconds, long enough to interrupt.
 */
final class SlowProxy implements AutoCloseable {

    private static final int CHUNK = 16 * 1024;

    private final ServerSocket server;
    private final int targetPort;
    private final long bytesPerSecond;
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    private SlowProxy(int targetPort, long bytesPerSecond) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.targetPort = targetPort;
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Proxies 127.0.0.1:{@code targetPort}, answering at most {@code bytesPerSecond} on each connection. */
    static SlowProxy start(int targetPort, long bytesPerSecond) throws IOException {
        SlowProxy proxy = new SlowProxy(targetPort, bytesPerSecond);
        Thread.ofVirtual().start(proxy::accept);
        return proxy;
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                open.add(client);
                open.add(target);
                Thread.ofVirtual().start(() -> pump(client, target, Long.MAX_VALUE));
                Thread.ofVirtual().start(() -> pump(target, client, bytesPerSecond));
            } catch (IOException e) {
                // closed, or the target refused: the client sees its connection end
            }
        }
    }

    /** Copies {@code from} to {@code to} at most {@code rate} bytes a second; closes both at the end. */
    private void pump(Socket from, Socket to, long rate) {
        long start = System.nanoTime();
        long sent = 0;
        byte[] buf = new byte[CHUNK];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buf)) > 0;) {
                out.write(buf, 0, n);
                out.flush();
                sent += n;
                long due = start + sent * 1_000_000_000L / rate;
                long wait = due - System.nanoTime();
                if (rate != Long.MAX_VALUE && wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
        } catch (IOException | InterruptedException e) {
            // the other side went away
        } finally {
            close(from);
            close(to);
        }
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        open.forEach(SlowProxy::close);
    }
}
