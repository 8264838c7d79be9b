package io.wharf.core.internal.network.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.spi.linux.Commands;
import io.wharf.core.spi.linux.NetworkNamespaces;

/**
 * The embedded DNS server in a real network namespace, asked by busybox's nslookup and by sockets made
 * inside the namespace; the upstream server is a fake this test runs on the host's 127.0.0.1.
 */
class EmbeddedDnsTest {

    private static final Inet4Address WEB = (Inet4Address) InetAddress.ofLiteral("172.18.0.2");
    private static final Inet4Address WEB2 = (Inet4Address) InetAddress.ofLiteral("172.18.0.4");
    private static final Inet4Address DB = (Inet4Address) InetAddress.ofLiteral("172.19.0.3");
    /** What the fake upstream answers for example.test: only data in a reply, never a destination. */
    private static final Inet4Address EXTERNAL = (Inet4Address) InetAddress.ofLiteral("198.51.100.7");
    private static final InetSocketAddress SERVER = new InetSocketAddress(DnsServer.ADDRESS, DnsServer.PORT);

    @TempDir
    Path dir;
    private Path netns;
    private Names names;
    private FakeUpstream upstream;

    @BeforeEach
    void sandbox() throws Exception {
        netns = dir.resolve("netns/sandbox");
        NetworkNamespaces.create(netns);
        Commands.run("nsenter", "--net=" + netns, "ip", "link", "set", "lo", "up");
        NetworkNames backend = new NetworkNames("backend");
        backend.add(WEB, "web", List.of("www", "0123456789ab"));
        NetworkNames frontend = new NetworkNames("frontend");
        frontend.add(DB, "db", List.of("shared"));
        frontend.add(WEB2, "web2", List.of("shared"));
        List<NetworkNames> networks = List.of(backend, frontend);
        names = Names.over(() -> networks);
        upstream = new FakeUpstream();
    }

    @AfterEach
    void cleanUp() throws Exception {
        upstream.close();
        if (Files.exists(netns)) {
            NetworkNamespaces.delete(netns);
        }
    }

    @Test
    void answersAQueriesForNamesAliasesShortIdsAndNameDotNetwork() throws Exception {
        try (DnsServer server = DnsServer.start(netns, names, List.of(upstream.address()))) {
            for (String name : List.of("web", "WEB.", "www", "0123456789AB", "web.backend", "Web.Backend.")) {
                Reply reply = udp(query(name, DnsMessage.TYPE_A));
                assertEquals(DnsMessage.NOERROR, reply.rcode, name);
                assertEquals(List.of("172.18.0.2"), reply.addresses(), name);
                assertEquals(DnsMessage.TTL, reply.ttls.getFirst(), name);
            }
            // "web" is not on frontend: no such name there, so it goes upstream (which says NXDOMAIN).
            assertEquals(DnsMessage.NXDOMAIN, udp(query("web.frontend", DnsMessage.TYPE_A)).rcode);
            Reply shared = udp(query("shared", DnsMessage.TYPE_A));
            assertEquals(2, shared.addresses().size());
            assertTrue(shared.addresses().containsAll(List.of("172.19.0.3", "172.18.0.4")), shared.addresses().toString());
            assertEquals(1, upstream.queries.get(), "only web.frontend went upstream");
        }
    }

    @Test
    void aaaaAndMxForAKnownNameAreEmptyAnswersThatNeverGoUpstream() throws Exception {
        try (DnsServer server = DnsServer.start(netns, names, List.of(upstream.address()))) {
            for (int type : new int[] {DnsMessage.TYPE_AAAA, DnsMessage.TYPE_MX}) {
                Reply reply = udp(query("web", type));
                assertEquals(DnsMessage.NOERROR, reply.rcode);
                assertEquals(0, reply.answers);
            }
            assertEquals(0, upstream.queries.get());
        }
    }

    @Test
    void busyboxNslookupResolvesContainersReverseAndForwardedNames() throws Exception {
        try (DnsServer server = DnsServer.start(netns, names, List.of(upstream.address()))) {
            String web = nslookup("web");
            assertTrue(web.contains("172.18.0.2"), web);
            String external = nslookup("example.test");
            assertTrue(external.contains("198.51.100.7"), external);
            String reverse = nslookup("172.18.0.2");
            assertTrue(reverse.contains("web.backend"), reverse);
        }
    }

    @Test
    void anUnknownNameIsForwardedAndTheUpstreamReplyRelayed() throws Exception {
        try (DnsServer server = DnsServer.start(netns, names, List.of(upstream.address()))) {
            byte[] query = query("Example.Test", DnsMessage.TYPE_A);
            Reply reply = udp(query);
            assertEquals(DnsMessage.NOERROR, reply.rcode);
            assertEquals(List.of("198.51.100.7"), reply.addresses());
            assertEquals(DnsMessage.id(query), reply.id);
            assertEquals(1, upstream.queries.get());
            // Other types go upstream too, even for a known name.
            assertEquals(DnsMessage.NXDOMAIN, udp(query("web", 16 /* TXT */)).rcode);
            assertEquals(2, upstream.queries.get());
        }
    }

    @Test
    void withoutUpstreamOrWithADeadOneAnUnknownNameIsServfail() throws Exception {
        try (DnsServer server = DnsServer.start(netns, names, List.of())) {
            assertEquals(DnsMessage.SERVFAIL, udp(query("example.test", DnsMessage.TYPE_A)).rcode);
        }
        int deadPort;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            deadPort = s.getLocalPort();
        }
        List<InetSocketAddress> dead = List.of(new InetSocketAddress("127.0.0.1", deadPort));
        try (DnsServer server = DnsServer.start(netns, names, dead, Duration.ofMillis(300))) {
            assertEquals(DnsMessage.SERVFAIL, udp(query("example.test", DnsMessage.TYPE_A)).rcode);
            assertEquals(DnsMessage.SERVFAIL, tcp(query("example.test", DnsMessage.TYPE_A)).rcode);
        }
        // A dead server first, then a live one: the live one answers.
        try (DnsServer server = DnsServer.start(netns, names, List.of(dead.getFirst(), upstream.address()),
                Duration.ofMillis(300))) {
            assertEquals(List.of("198.51.100.7"), udp(query("example.test", DnsMessage.TYPE_A)).addresses());
        }
    }

    @Test
    void ptrQueriesAnswerContainerDotNetwork() throws Exception {
        try (DnsServer server = DnsServer.start(netns, names, List.of(upstream.address()))) {
            Reply reply = udp(query("2.0.18.172.in-addr.arpa", DnsMessage.TYPE_PTR));
            assertEquals(DnsMessage.NOERROR, reply.rcode);
            assertEquals(List.of("web.backend."), reply.names);
            assertEquals(0, upstream.queries.get());
            // An address nobody here has goes upstream.
            assertEquals(DnsMessage.NXDOMAIN, udp(query("9.0.18.172.in-addr.arpa", DnsMessage.TYPE_PTR)).rcode);
            assertEquals(1, upstream.queries.get());
        }
    }

    @Test
    void tcpQueriesAreAnsweredAndForwardedOverTcp() throws Exception {
        try (DnsServer server = DnsServer.start(netns, names, List.of(upstream.address()))) {
            assertEquals(List.of("172.18.0.2"), tcp(query("web", DnsMessage.TYPE_A)).addresses());
            assertEquals(List.of("198.51.100.7"), tcp(query("example.test", DnsMessage.TYPE_A)).addresses());
            assertEquals(1, upstream.tcpQueries.get());
            // Two queries on one connection.
            try (Socket socket = NetworkNamespaces.call(netns, () -> new Socket(SERVER.getAddress(), SERVER.getPort()))) {
                socket.setSoTimeout(5000);
                for (String name : List.of("www", "db")) {
                    byte[] q = query(name, DnsMessage.TYPE_A);
                    socket.getOutputStream().write(frame(q));
                    DataInputStream in = new DataInputStream(socket.getInputStream());
                    byte[] r = in.readNBytes(in.readUnsignedShort());
                    assertEquals(1, Reply.parse(r).answers, name);
                }
            }
        }
    }

    @Test
    void malformedPacketsAreIgnoredOrFormerrAndTheServerGoesOn() throws Exception {
        try (DnsServer server = DnsServer.start(netns, names, List.of(upstream.address()));
                DatagramSocket socket = socketInside()) {
            socket.setSoTimeout(300);
            // Shorter than a header, a reply rather than a query: no answer at all.
            socket.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, SERVER));
            byte[] response = query("web", DnsMessage.TYPE_A);
            response[2] |= (byte) 0x80;
            socket.send(new DatagramPacket(response, response.length, SERVER));
            assertThrows(SocketTimeoutException.class, () -> socket.receive(new DatagramPacket(new byte[512], 512)));
            // A label running past the end: FORMERR.
            byte[] bad = query("web", DnsMessage.TYPE_A);
            bad[12] = 60;
            socket.send(new DatagramPacket(bad, bad.length, SERVER));
            DatagramPacket packet = new DatagramPacket(new byte[512], 512);
            socket.setSoTimeout(5000);
            socket.receive(packet);
            Reply formerr = Reply.parse(Arrays.copyOf(packet.getData(), packet.getLength()));
            assertEquals(DnsMessage.FORMERR, formerr.rcode);
            assertEquals(DnsMessage.id(bad), formerr.id);
            // Random bytes, then a good query still gets its answer.
            byte[] noise = new byte[100];
            for (int i = 0; i < 50; i++) {
                ThreadLocalRandom.current().nextBytes(noise);
                noise[2] &= 0x07; // a query with opcode 0, so the server reads the rest
                socket.send(new DatagramPacket(noise, noise.length, SERVER));
            }
            assertEquals(List.of("172.18.0.2"), udp(query("web", DnsMessage.TYPE_A)).addresses());
            // Garbage over TCP closes that connection only.
            try (Socket tcp = NetworkNamespaces.call(netns, () -> new Socket(SERVER.getAddress(), SERVER.getPort()))) {
                tcp.getOutputStream().write(new byte[] {0, 3, 9, 9, 9});
            }
            assertEquals(List.of("172.18.0.2"), tcp(query("web", DnsMessage.TYPE_A)).addresses());
        }
    }

    @Test
    void closeFreesPort53AndEndsItsThreads() throws Exception {
        // An upstream that never answers keeps a query waiting for it when the server closes.
        DatagramSocket silent = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        DnsServer server = DnsServer.start(netns, names, List.of((InetSocketAddress) silent.getLocalSocketAddress()),
                Duration.ofSeconds(60));
        Socket idle = NetworkNamespaces.call(netns, () -> new Socket(SERVER.getAddress(), SERVER.getPort()));
        try (DatagramSocket client = socketInside()) {
            byte[] q = query("example.test", DnsMessage.TYPE_A);
            client.send(new DatagramPacket(q, q.length, SERVER));
            silent.setSoTimeout(5000);
            silent.receive(new DatagramPacket(new byte[512], 512)); // the query is upstream now
        }
        server.close();
        silent.close();
        // The idle TCP connection was closed by the server.
        idle.setSoTimeout(2000);
        assertEquals(-1, idle.getInputStream().read());
        idle.close();
        assertThrows(ConnectException.class, () -> tcp(query("web", DnsMessage.TYPE_A)));
        try (DnsServer again = DnsServer.start(netns, names, List.of(upstream.address()))) {
            assertEquals(List.of("172.18.0.2"), udp(query("web", DnsMessage.TYPE_A)).addresses());
            assertEquals(List.of("172.18.0.2"), tcp(query("web", DnsMessage.TYPE_A)).addresses());
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!server.stopped() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(server.stopped());
    }

    @Test
    void port53IsFreeAtOnceAfterCloseEvenWithRepliesOnTheirWay() throws Exception {
        for (int round = 0; round < 30; round++) {
            try (DnsServer server = DnsServer.start(netns, names, List.of(upstream.address()))) {
                // The forwarding thread may still be in its send when close() comes.
                assertEquals(List.of("198.51.100.7"), udp(query("example.test", DnsMessage.TYPE_A)).addresses());
            }
        }
    }

    @Test
    void startingOneIsCheapAndTakesNoPlatformThread() throws Exception {
        for (int i = 0; i < 5; i++) { // warm up
            DnsServer.start(netns, names, List.of()).close();
        }
        int platformBefore = Thread.getAllStackTraces().size();
        int rounds = 20;
        long total = 0;
        List<DnsServer> servers = new ArrayList<>();
        List<Path> sandboxes = new ArrayList<>();
        try {
            for (int i = 0; i < rounds; i++) {
                Path ns = dir.resolve("netns/s" + i);
                NetworkNamespaces.create(ns);
                sandboxes.add(ns);
                Commands.run("nsenter", "--net=" + ns, "ip", "link", "set", "lo", "up");
                long start = System.nanoTime();
                servers.add(DnsServer.start(ns, names, List.of(upstream.address())));
                total += System.nanoTime() - start;
            }
            int platformAfter = Thread.getAllStackTraces().size();
            double ms = total / 1e6 / rounds;
            System.out.printf("DnsServer.start: %.2f ms on average over %d; platform threads %d before, %d with %d servers%n",
                    ms, rounds, platformBefore, platformAfter, rounds);
            assertTrue(ms < 50, ms + " ms");
            assertTrue(platformAfter - platformBefore <= 2, platformBefore + " -> " + platformAfter);
        } finally {
            servers.forEach(DnsServer::close);
            for (Path ns : sandboxes) {
                NetworkNamespaces.delete(ns);
            }
        }
    }

    @Test
    void resolvConfGivesItsNameServers() throws Exception {
        Path conf = dir.resolve("resolv.conf");
        Files.writeString(conf, """
                # comment
                search example.internal
                nameserver 127.0.0.53
                nameserver   192.0.2.1
                nameserver fe80::1%eth0
                nameserver not-an-address
                options ndots:2
                """);
        assertEquals(List.of(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.53"), 53),
                new InetSocketAddress(InetAddress.ofLiteral("192.0.2.1"), 53),
                new InetSocketAddress(InetAddress.ofLiteral("fe80::1"), 53)), DnsServer.upstreams(conf));
        assertEquals(List.of(), DnsServer.upstreams(dir.resolve("missing")));
    }

    // ---- helpers

    private DatagramSocket socketInside() throws IOException {
        return NetworkNamespaces.call(netns, DatagramSocket::new);
    }

    private Reply udp(byte[] query) throws IOException {
        try (DatagramSocket socket = socketInside()) {
            socket.setSoTimeout(10_000);
            socket.send(new DatagramPacket(query, query.length, SERVER));
            DatagramPacket packet = new DatagramPacket(new byte[4096], 4096);
            socket.receive(packet);
            return Reply.parse(Arrays.copyOf(packet.getData(), packet.getLength()));
        }
    }

    private Reply tcp(byte[] query) throws IOException {
        try (Socket socket = NetworkNamespaces.call(netns, () -> new Socket(SERVER.getAddress(), SERVER.getPort()))) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(frame(query));
            DataInputStream in = new DataInputStream(socket.getInputStream());
            return Reply.parse(in.readNBytes(in.readUnsignedShort()));
        }
    }

    private String nslookup(String name) throws IOException {
        return Commands.run("timeout", "20", "nsenter", "--net=" + netns, "/bin/busybox", "nslookup", name, "127.0.0.11");
    }

    private static byte[] frame(byte[] message) {
        return ByteBuffer.allocate(2 + message.length).putShort((short) message.length).put(message).array();
    }

    static byte[] query(String name, int type) {
        ByteBuffer b = ByteBuffer.allocate(512);
        b.putShort((short) ThreadLocalRandom.current().nextInt(65536)).putShort((short) 0x0100).putShort((short) 1)
                .putShort((short) 0).putShort((short) 0).putShort((short) 0);
        for (String label : name.split("\\.")) {
            if (!label.isEmpty()) {
                b.put((byte) label.length()).put(label.getBytes(StandardCharsets.US_ASCII));
            }
        }
        b.put((byte) 0).putShort((short) type).putShort((short) DnsMessage.CLASS_IN);
        return Arrays.copyOf(b.array(), b.position());
    }

    /** The parts of a reply the tests look at. */
    record Reply(int id, int rcode, int answers, List<byte[]> rdata, List<Integer> ttls, List<String> names) {

        static Reply parse(byte[] b) {
            ByteBuffer in = ByteBuffer.wrap(b);
            int id = in.getShort() & 0xffff;
            int flags = in.getShort() & 0xffff;
            int qd = in.getShort() & 0xffff;
            int an = in.getShort() & 0xffff;
            in.getShort();
            in.getShort();
            for (int i = 0; i < qd; i++) {
                readName(b, in);
                in.getInt();
            }
            List<byte[]> rdata = new ArrayList<>();
            List<Integer> ttls = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (int i = 0; i < an; i++) {
                readName(b, in);
                int type = in.getShort();
                in.getShort();
                ttls.add(in.getInt());
                byte[] data = new byte[in.getShort() & 0xffff];
                int at = in.position();
                in.get(data);
                rdata.add(data);
                if (type == DnsMessage.TYPE_PTR) {
                    names.add(readName(b, ByteBuffer.wrap(b).position(at)));
                }
            }
            return new Reply(id, flags & 0x0f, an, rdata, ttls, names);
        }

        List<String> addresses() throws IOException {
            List<String> out = new ArrayList<>();
            for (byte[] r : rdata) {
                out.add(InetAddress.getByAddress(r).getHostAddress());
            }
            return out;
        }

        private static String readName(byte[] b, ByteBuffer in) {
            StringBuilder name = new StringBuilder();
            int end = -1;
            while (true) {
                int label = in.get() & 0xff;
                if (label == 0) {
                    break;
                }
                if ((label & 0xc0) == 0xc0) {
                    int pointer = (label & 0x3f) << 8 | in.get() & 0xff;
                    if (end < 0) {
                        end = in.position();
                    }
                    in.position(pointer);
                    continue;
                }
                byte[] bytes = new byte[label];
                in.get(bytes);
                name.append(new String(bytes, StandardCharsets.US_ASCII)).append('.');
            }
            if (end >= 0) {
                in.position(end);
            }
            return name.toString();
        }
    }

    /**
     * An upstream DNS server on the host's 127.0.0.1, UDP and TCP on one port: example.test has
     * 198.51.100.7 (and no other record), every other name is an authoritative NXDOMAIN.
     */
    static final class FakeUpstream implements AutoCloseable {

        final AtomicInteger queries = new AtomicInteger();
        final AtomicInteger tcpQueries = new AtomicInteger();
        private final DatagramSocket udp;
        private final ServerSocket tcp;

        FakeUpstream() throws IOException {
            udp = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
            tcp = new ServerSocket();
            tcp.bind(new InetSocketAddress("127.0.0.1", udp.getLocalPort()));
            Thread.ofVirtual().start(this::serveUdp);
            Thread.ofVirtual().start(this::serveTcp);
        }

        InetSocketAddress address() {
            return new InetSocketAddress("127.0.0.1", udp.getLocalPort());
        }

        private void serveUdp() {
            byte[] buffer = new byte[4096];
            while (!udp.isClosed()) {
                try {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    udp.receive(packet);
                    queries.incrementAndGet();
                    byte[] reply = answer(Arrays.copyOf(buffer, packet.getLength()));
                    udp.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
                } catch (Exception e) {
                    // closed
                }
            }
        }

        private void serveTcp() {
            while (!tcp.isClosed()) {
                try (Socket socket = tcp.accept()) {
                    DataInputStream in = new DataInputStream(socket.getInputStream());
                    byte[] query = in.readNBytes(in.readUnsignedShort());
                    queries.incrementAndGet();
                    tcpQueries.incrementAndGet();
                    socket.getOutputStream().write(frame(answer(query)));
                } catch (Exception e) {
                    // closed
                }
            }
        }

        private static byte[] answer(byte[] message) throws DnsMessage.Malformed {
            DnsMessage.Query q = DnsMessage.parse(message, message.length);
            if ("example.test".equals(q.name())) {
                List<byte[]> answers = q.type() == DnsMessage.TYPE_A ? List.of(EXTERNAL.getAddress()) : List.of();
                return DnsMessage.reply(message, q, DnsMessage.NOERROR, DnsMessage.TYPE_A, answers, 512, false);
            }
            byte[] reply = DnsMessage.reply(message, q, DnsMessage.NXDOMAIN);
            reply[2] |= 0x04; // authoritative
            return reply;
        }

        @Override
        public void close() throws IOException {
            udp.close();
            tcp.close();
        }
    }
}
