package io.wharf.core.internal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.wharf.core.spi.router.Route;
import io.wharf.core.spi.router.Router;

/** A streamed answer whose client goes away while nothing is written ends, over a real TCP connection. */
class DisconnectWatchTest {

    private final ApiDispatcher dispatcher = new ApiDispatcher();
    private final CountDownLatch interrupted = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private Server server;
    private ServerConnector connector;

    /** /quiet waits, as a follower of a quiet log does, until interrupted; /short streams and ends. */
    private final Router streams = () -> List.of(
            Route.get("/quiet", (req, resp) -> {
                OutputStream out = resp.stream();
                out.write("start\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    interrupted.countDown();
                    throw e;
                }
            }),
            Route.get("/short", (req, resp) -> {
                OutputStream out = resp.stream();
                out.write("short\n".getBytes(StandardCharsets.UTF_8));
            }));

    @BeforeEach
    void start() throws Exception {
        server = new Server();
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new JettyApiHandler(dispatcher));
        server.start();
        dispatcher.addRouter(streams, Map.of(org.osgi.framework.Constants.SERVICE_ID, 1L));
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        server.stop();
    }

    private Socket connect() throws IOException {
        return new Socket(InetAddress.getLoopbackAddress(), connector.getLocalPort());
    }

    private static void get(Socket s, String path) throws IOException {
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: docker\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    /** Reads until {@code text} has arrived; what was read. */
    private static String readUntil(InputStream in, String text) throws IOException {
        StringBuilder got = new StringBuilder();
        while (!got.toString().contains(text)) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            got.append((char) b);
        }
        return got.toString();
    }

    @Test
    void aClientGoneAwayEndsAQuietStream() throws Exception {
        try (Socket s = connect()) {
            get(s, "/quiet");
            assertTrue(readUntil(s.getInputStream(), "start\n").startsWith("HTTP/1.1 200"));
        }
        assertTrue(interrupted.await(5, TimeUnit.SECONDS), "the handler was not interrupted after the client left");
    }

    @Test
    void aStreamThatEndsLeavesTheConnectionToItsNextRequest() throws Exception {
        try (Socket s = connect()) {
            InputStream in = s.getInputStream();
            get(s, "/short");
            assertTrue(readUntil(in, "0\r\n\r\n").contains("short\n"));
            // Longer than the watch's period: a watch left behind would take the next request's bytes.
            Thread.sleep(1500);
            get(s, "/short");
            String second = readUntil(in, "0\r\n\r\n");
            assertTrue(second.startsWith("HTTP/1.1 200"), second);
            assertTrue(second.contains("short\n"), second);
        }
        assertEquals(1, interrupted.getCount());
        assertFalse(Thread.currentThread().isInterrupted());
    }
}
