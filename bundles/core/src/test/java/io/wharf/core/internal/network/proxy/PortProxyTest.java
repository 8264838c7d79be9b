package io.wharf.core.internal.network.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.wharf.core.spi.linux.Commands;

/**
 * The proxy between real sockets on the host's loopback: the "container" is a server on 127.0.0.1 on
 * another port.
 */
class PortProxyTest {

    private static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T keep(T closeable) {
        open.add(closeable);
        return closeable;
    }

    // ---- TCP

    @Test
    void tcpEchoThroughTheProxy() throws Exception {
        int backend = tcpServer(PortProxyTest::echo);
        PortProxy proxy = keep(PortProxy.start(keep(HostPort.allocate("tcp", LOOPBACK)), LOOPBACK, backend));
        assertEquals("tcp", proxy.protocol());
        assertEquals(new InetSocketAddress(LOOPBACK, backend), proxy.containerAddress());
        try (Socket client = connect(proxy)) {
            for (String line : List.of("hello", "again")) {
                client.getOutputStream().write(line.getBytes(StandardCharsets.UTF_8));
                assertEquals(line, new String(client.getInputStream().readNBytes(line.length()), StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void aLargeTransferArrivesWholeBothWays() throws Exception {
        int backend = tcpServer(PortProxyTest::echo);
        PortProxy proxy = keep(PortProxy.start("tcp", LOOPBACK, freePort(), LOOPBACK, backend));
        byte[] data = new byte[16 * 1024 * 1024 + 123];
        new Random(7).nextBytes(data);
        try (Socket client = connect(proxy)) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    client.getOutputStream().write(data);
                    client.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] back = client.getInputStream().readAllBytes(); // ends when the echo's end comes back
            writer.get(30, TimeUnit.SECONDS);
            assertEquals(data.length, back.length);
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), MessageDigest.getInstance("SHA-256").digest(back));
        }
    }

    @Test
    void halfCloseReachesTheContainerAndItsAnswerStillComesBack() throws Exception {
        // The "container" reads to the end, then answers with the count and closes.
        int backend = tcpServer(socket -> {
            long n = socket.getInputStream().transferTo(OutputStream.nullOutputStream());
            socket.getOutputStream().write(("read " + n).getBytes(StandardCharsets.UTF_8));
        });
        PortProxy proxy = keep(PortProxy.start("tcp", LOOPBACK, freePort(), LOOPBACK, backend));
        try (Socket client = connect(proxy)) {
            client.getOutputStream().write(new byte[100_000]);
            client.shutdownOutput();
            assertEquals("read 100000", new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aContainerThatDoesNotListenClosesTheClientsConnection() throws Exception {
        int nobody = freePort();
        PortProxy proxy = keep(PortProxy.start("tcp", LOOPBACK, freePort(), LOOPBACK, nobody));
        try (Socket client = connect(proxy)) {
            client.setSoTimeout(5000);
            assertEquals(-1, readOrEnd(client.getInputStream()));
        }
    }

    @Test
    void closeFreesTheTcpPortAndEndsItsConnections() throws Exception {
        int backend = tcpServer(PortProxyTest::echo);
        int port = freePort();
        PortProxy proxy = PortProxy.start("tcp", LOOPBACK, port, LOOPBACK, backend);
        Socket client = keep(connect(proxy));
        client.getOutputStream().write(1);
        assertEquals(1, client.getInputStream().read());
        proxy.close();
        client.setSoTimeout(5000);
        assertEquals(-1, readOrEnd(client.getInputStream()));
        assertThrows(ConnectException.class, () -> new Socket(LOOPBACK, port).close());
        PortProxy again = keep(PortProxy.start("tcp", LOOPBACK, port, LOOPBACK, backend));
        try (Socket c = connect(again)) {
            c.getOutputStream().write(2);
            assertEquals(2, c.getInputStream().read());
        }
    }

    // ---- UDP

    @Test
    void udpRequestsFromTwoClientsGetTheirOwnReplies() throws Exception {
        int backend = udpEchoServer();
        PortProxy proxy = keep(PortProxy.start("udp", LOOPBACK, freeUdpPort(), LOOPBACK, backend));
        try (DatagramSocket a = new DatagramSocket(); DatagramSocket b = new DatagramSocket()) {
            a.setSoTimeout(5000);
            b.setSoTimeout(5000);
            for (int round = 0; round < 3; round++) {
                send(a, proxy, "a" + round);
                send(b, proxy, "b" + round);
                assertEquals("echo a" + round, receive(a));
                assertEquals("echo b" + round, receive(b));
            }
            assertEquals(2, ((UdpProxy) proxy).mappings());
            // A large datagram arrives whole.
            byte[] big = new byte[60_000];
            new Random(3).nextBytes(big);
            a.send(new DatagramPacket(big, big.length, proxy.hostAddress()));
            DatagramPacket reply = new DatagramPacket(new byte[65536], 65536);
            a.receive(reply);
            assertEquals(5 + big.length, reply.getLength());
        }
    }

    @Test
    void anIdleUdpMappingIsDroppedAndANewOneMadeOnTheNextDatagram() throws Exception {
        int backend = udpEchoServer();
        HostPort port = HostPort.allocate("udp", LOOPBACK);
        UdpProxy proxy = (UdpProxy) keep(PortProxy.start(port, new InetSocketAddress(LOOPBACK, backend), Duration.ofMillis(300)));
        try (DatagramSocket a = new DatagramSocket()) {
            a.setSoTimeout(5000);
            send(a, proxy, "one");
            assertEquals("echo one", receive(a));
            assertEquals(1, proxy.mappings());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (proxy.mappings() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(0, proxy.mappings());
            send(a, proxy, "two");
            assertEquals("echo two", receive(a));
        }
    }

    @Test
    void closeFreesTheUdpPortAtOnce() throws Exception {
        int backend = udpEchoServer();
        // Many rounds: the reply to the last datagram may still be on its way out when close() comes.
        for (int round = 0; round < 50; round++) {
            int port = freeUdpPort();
            PortProxy proxy = PortProxy.start("udp", LOOPBACK, port, LOOPBACK, backend);
            try (DatagramSocket a = new DatagramSocket()) {
                a.setSoTimeout(5000);
                send(a, proxy, "x" + round);
                assertEquals("echo x" + round, receive(a));
            }
            proxy.close();
            assertEquals(0, ((UdpProxy) proxy).mappings());
            HostPort.bind("udp", LOOPBACK, port).close();
        }
    }

    // ---- ports

    @Test
    void aPortInUseFailsInDockerdsWords() throws Exception {
        HostPort held = keep(HostPort.allocate("tcp", InetAddress.ofLiteral("0.0.0.0")));
        PortAllocatedException e = assertThrows(PortAllocatedException.class,
                () -> PortProxy.start("tcp", InetAddress.ofLiteral("0.0.0.0"), held.port(), LOOPBACK, 80));
        assertEquals("Bind for 0.0.0.0:" + held.port() + " failed: port is already allocated", e.getMessage());
        HostPort heldUdp = keep(HostPort.allocate("udp", LOOPBACK));
        e = assertThrows(PortAllocatedException.class, () -> HostPort.bind("udp", LOOPBACK, heldUdp.port()));
        assertEquals("Bind for 127.0.0.1:" + heldUdp.port() + " failed: port is already allocated", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PortProxy.start("tcp", LOOPBACK, 0, LOOPBACK, 80));
        assertThrows(IllegalArgumentException.class, () -> HostPort.allocate("sctp", LOOPBACK));
    }

    @Test
    void ephemeralPortsComeFromTheHostsRangeOneAfterAnother() throws Exception {
        int[] range = HostPort.ephemeralRange();
        String[] fields = Commands.run("cat", "/proc/sys/net/ipv4/ip_local_port_range").trim().split("\\s+");
        assertArrayEquals(new int[] {Integer.parseInt(fields[0]), Integer.parseInt(fields[1])}, range);
        for (String protocol : List.of("tcp", "udp")) {
            HostPort first = keep(HostPort.allocate(protocol, LOOPBACK));
            HostPort second = keep(HostPort.allocate(protocol, LOOPBACK));
            for (HostPort p : List.of(first, second)) {
                assertTrue(p.port() >= range[0] && p.port() <= range[1], p + " outside " + range[0] + "-" + range[1]);
                assertEquals(protocol, p.protocol());
            }
            assertNotEquals(first.port(), second.port());
        }
        // A range whose first port is taken gives the next free one; a full range fails.
        HostPort a = keep(HostPort.allocate("tcp", LOOPBACK));
        HostPort b = keep(HostPort.allocate("tcp", LOOPBACK, a.port(), Math.min(65535, a.port() + 10)));
        assertTrue(b.port() > a.port() && b.port() <= a.port() + 10, a + " then " + b);
        PortAllocatedException e = assertThrows(PortAllocatedException.class,
                () -> HostPort.allocate("tcp", LOOPBACK, a.port(), a.port()));
        assertEquals("Bind for 127.0.0.1:" + a.port() + "-" + a.port() + " failed: port is already allocated", e.getMessage());
        // A port given back is free again.
        int port = a.port();
        a.close();
        keep(HostPort.bind("tcp", LOOPBACK, port));
    }

    // ---- helpers

    private interface Handler {
        void handle(Socket socket) throws IOException;
    }

    /** A TCP server on 127.0.0.1 serving each connection with {@code handler}, then closing it. */
    private int tcpServer(Handler handler) throws IOException {
        ServerSocket server = keep(new ServerSocket(0, 50, LOOPBACK));
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    Thread.ofVirtual().start(() -> {
                        try (socket) {
                            handler.handle(socket);
                        } catch (IOException e) {
                            // the test sees it
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return server.getLocalPort();
    }

    private static void echo(Socket socket) throws IOException {
        socket.getInputStream().transferTo(socket.getOutputStream());
        socket.shutdownOutput();
    }

    /** A UDP server on 127.0.0.1 answering each datagram with "echo " and the datagram. */
    private int udpEchoServer() throws IOException {
        DatagramSocket server = keep(new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)));
        Thread.ofVirtual().start(() -> {
            byte[] buffer = new byte[65536];
            while (!server.isClosed()) {
                try {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    server.receive(packet);
                    ByteArrayOutputStream reply = new ByteArrayOutputStream();
                    reply.write("echo ".getBytes(StandardCharsets.UTF_8));
                    reply.write(buffer, 0, packet.getLength());
                    server.send(new DatagramPacket(reply.toByteArray(), reply.size(), packet.getSocketAddress()));
                } catch (IOException e) {
                    // closed
                }
            }
        });
        return server.getLocalPort();
    }

    private static Socket connect(PortProxy proxy) throws IOException {
        Socket socket = new Socket(LOOPBACK, proxy.hostAddress().getPort());
        socket.setSoTimeout(30_000);
        return socket;
    }

    private static int readOrEnd(InputStream in) throws IOException {
        try {
            return in.read();
        } catch (SocketException e) { // a reset is an end too
            return -1;
        }
    }

    private static void send(DatagramSocket socket, PortProxy proxy, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        socket.send(new DatagramPacket(bytes, bytes.length, proxy.hostAddress()));
    }

    private static String receive(DatagramSocket socket) throws IOException {
        DatagramPacket packet = new DatagramPacket(new byte[1024], 1024);
        socket.receive(packet);
        return new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (HostPort p = HostPort.allocate("tcp", LOOPBACK)) {
            return p.port();
        }
    }

    private static int freeUdpPort() throws IOException {
        try (HostPort p = HostPort.allocate("udp", LOOPBACK)) {
            return p.port();
        }
    }}
