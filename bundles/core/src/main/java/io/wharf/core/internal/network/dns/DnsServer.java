package io.wharf.core.internal.network.dns;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.network.dns.DnsMessage.Malformed;
import io.wharf.core.internal.network.dns.DnsMessage.Query;
import io.wharf.core.spi.linux.NetworkNamespaces;

/**
 * The embedded DNS server of one container (libnetwork's resolver): UDP and TCP on 127.0.0.11:53
 * inside the container's network namespace. It answers A queries for the names {@link Names} knows,
 * AAAA and MX queries for them with no records (the name exists, so nothing waits for an upstream),
 * and PTR queries under in-addr.arpa for their addresses; every other query goes as it is to the
 * upstream servers, one after the other, from the host's network namespace, and their reply comes back
 * as it is. With no upstream, or none answering, the reply is SERVFAIL.
 *
 * <p>Idle, a server is two sockets and two virtual threads: one receiving on UDP, one accepting on TCP.
 * A query that goes upstream, and a TCP connection, gets a virtual thread of its own while it lasts.
 */
public final class DnsServer implements AutoCloseable {

    /** The address containers find in their resolv.conf. */
    public static final InetAddress ADDRESS = InetAddress.ofLiteral("127.0.0.11");
    public static final int PORT = 53;

    private static final Logger LOG = LoggerFactory.getLogger(DnsServer.class);
    /** dockerd tries three upstream servers at most (maxExtDNS), ... */
    private static final int MAX_UPSTREAMS = 3;
    /** ... waiting 4 s for each (extIOTimeout). */
    private static final Duration UPSTREAM_TIMEOUT = Duration.ofSeconds(4);
    /** dockerd lets 1024 queries wait on upstream servers at once (maxConcurrent); more are failed. */
    private static final int MAX_FORWARDING = 1024;
    private static final int MAX_TCP_CONNECTIONS = 128;
    /** A TCP connection that sends no query for this long is closed (miekg/dns's idle timeout). */
    private static final int TCP_IDLE_MILLIS = 8_000;
    private static final int UDP_BUFFER = 4096;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    private final DatagramChannel udp;
    private final ServerSocket tcp;
    private final Names names;
    private final List<InetSocketAddress> upstreams;
    private final Duration upstreamTimeout;
    /** The threads forwarding a query and the TCP connections, all ended by close(). */
    private final Set<Thread> forwarding = ConcurrentHashMap.newKeySet();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final Thread udpThread;
    private final Thread tcpThread;
    private volatile boolean closed;

    private DnsServer(DatagramChannel udp, ServerSocket tcp, Names names, List<InetSocketAddress> upstreams,
            Duration upstreamTimeout, String tag) {
        this.udp = udp;
        this.tcp = tcp;
        this.names = names;
        this.upstreams = List.copyOf(upstreams.subList(0, Math.min(upstreams.size(), MAX_UPSTREAMS)));
        this.upstreamTimeout = upstreamTimeout;
        this.udpThread = Thread.ofVirtual().name("dns-udp " + tag).unstarted(this::serveUdp);
        this.tcpThread = Thread.ofVirtual().name("dns-tcp " + tag).unstarted(this::serveTcp);
    }

    /**
     * Starts a server inside the network namespace bound at {@code netns}, whose loopback is up.
     *
     * @param names     what the server answers itself
     * @param upstreams where other queries go, from the host's namespace (the first three are used;
     *                  see {@link #upstreams(Path)}); empty makes them SERVFAIL
     * @throws IOException when 127.0.0.11:53 cannot be bound there
     */
    public static DnsServer start(Path netns, Names names, List<InetSocketAddress> upstreams) throws IOException {
        return start(netns, names, upstreams, UPSTREAM_TIMEOUT);
    }

    static DnsServer start(Path netns, Names names, List<InetSocketAddress> upstreams, Duration upstreamTimeout)
            throws IOException {
        // Only the sockets are made inside: a thread started there would stay in the namespace, and
        // so would a carrier thread the virtual-thread scheduler happened to start from it.
        Object[] sockets = NetworkNamespaces.call(netns, () -> {
            DatagramChannel udp = DatagramChannel.open(StandardProtocolFamily.INET);
            ServerSocket tcp = null;
            try {
                udp.bind(new InetSocketAddress(ADDRESS, PORT));
                tcp = new ServerSocket();
                tcp.setReuseAddress(true);
                tcp.bind(new InetSocketAddress(ADDRESS, PORT), 64);
                return new Object[] {udp, tcp};
            } catch (IOException | RuntimeException e) {
                udp.close();
                if (tcp != null) {
                    tcp.close();
                }
                throw new IOException("cannot listen on " + ADDRESS.getHostAddress() + ":" + PORT + " in " + netns
                        + ": " + e.getMessage(), e);
            }
        });
        DnsServer server = new DnsServer((DatagramChannel) sockets[0], (ServerSocket) sockets[1], names, upstreams,
                upstreamTimeout, netns.getFileName().toString());
        server.udpThread.start();
        server.tcpThread.start();
        return server;
    }

    /**
     * The name servers of a resolv.conf, such as the host's /etc/resolv.conf, as upstream servers on
     * port 53: IPv4 and IPv6, loopback ones too (queries go upstream from the host's namespace, so a
     * local resolver such as systemd-resolved's 127.0.0.53 serves, as dockerd uses it from the host's
     * namespace too). Lines that do not hold an address are skipped; a missing file has none.
     */
    public static List<InetSocketAddress> upstreams(Path resolvConf) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(resolvConf);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String line : lines) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length < 2 || !fields[0].equals("nameserver")) {
                continue;
            }
            String address = fields[1];
            int zone = address.indexOf('%'); // fe80::1%eth0: the zone names a host interface
            try {
                servers.add(new InetSocketAddress(InetAddress.ofLiteral(zone < 0 ? address : address.substring(0, zone)),
                        PORT));
            } catch (IllegalArgumentException e) {
                LOG.debug("{}: not an address in nameserver line: {}", resolvConf, address);
            }
        }
        return List.copyOf(servers);
    }

    /** Stops the server: both sockets, every TCP connection and every query still upstream. */
    @Override
    public void close() {
        closed = true;
        try {
            udp.close();
        } catch (IOException e) {
            LOG.debug("closing DNS UDP socket", e);
        }
        closeQuietly(tcp);
        connections.forEach(DnsServer::closeQuietly);
        List<Thread> forwarders = List.copyOf(forwarding);
        forwarders.forEach(Thread::interrupt);
        // A thread still inside a receive or send on the UDP socket finishes its closing when it leaves
        // it: port 53 is free only once every thread that uses the socket has ended.
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        join(udpThread, deadline);
        join(tcpThread, deadline);
        for (Thread forwarder : forwarders) {
            join(forwarder, deadline);
        }
    }

    /** For tests: whether every thread of the server has ended and every socket is closed. */
    boolean stopped() {
        return !udpThread.isAlive() && !tcpThread.isAlive() && forwarding.isEmpty() && connections.isEmpty()
                && !udp.isOpen() && tcp.isClosed();
    }

    private static void join(Thread thread, long deadline) {
        try {
            thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // closing is all that is left to do with it
        }
    }

    // ---- UDP

    private void serveUdp() {
        ByteBuffer buffer = ByteBuffer.allocate(UDP_BUFFER);
        while (!closed) {
            SocketAddress client;
            buffer.clear();
            try {
                client = udp.receive(buffer);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.debug("DNS UDP receive failed", e);
                }
                continue;
            }
            byte[] message = new byte[buffer.position()];
            buffer.flip().get(message);
            try {
                Query query = DnsMessage.parse(message, message.length);
                if (query == null) {
                    continue;
                }
                byte[] reply = answer(message, query, query.udpSize(), false);
                if (reply != null) {
                    sendUdp(reply, client);
                } else if (forwarding.size() >= MAX_FORWARDING) {
                    LOG.debug("more than {} DNS queries upstream at once: {} fails", MAX_FORWARDING, DnsMessage.describe(query));
                    sendUdp(DnsMessage.reply(message, query, DnsMessage.SERVFAIL), client);
                } else {
                    Thread forwarder = Thread.ofVirtual().name("dns-forward").unstarted(() -> forwardUdp(message, query, client));
                    forwarding.add(forwarder);
                    forwarder.start();
                }
            } catch (Malformed e) {
                LOG.debug("malformed DNS query from {}: {}", client, e.getMessage());
                sendUdp(DnsMessage.reply(e), client);
            } catch (RuntimeException e) {
                LOG.warn("DNS query from {} failed", client, e);
            }
        }
    }

    private void forwardUdp(byte[] message, Query query, SocketAddress client) {
        try {
            if (!closed) {
                sendUdp(forward(message, query, false), client);
            }
        } finally {
            forwarding.remove(Thread.currentThread());
        }
    }

    private void sendUdp(byte[] reply, SocketAddress client) {
        try {
            udp.send(ByteBuffer.wrap(reply), client);
        } catch (IOException e) {
            if (!closed) {
                LOG.debug("DNS reply to {} not sent", client, e);
            }
        }
    }

    // ---- TCP

    private void serveTcp() {
        while (!closed) {
            Socket socket;
            try {
                socket = tcp.accept();
            } catch (IOException e) {
                if (closed || tcp.isClosed()) {
                    return;
                }
                LOG.debug("DNS TCP accept failed", e);
                continue;
            }
            if (connections.size() >= MAX_TCP_CONNECTIONS) {
                closeQuietly(socket);
                continue;
            }
            connections.add(socket);
            if (closed) { // close() may have passed the set before the add
                closeQuietly(socket);
                return;
            }
            Thread.ofVirtual().name("dns-tcp-conn").start(() -> serveTcp(socket));
        }
    }

    private void serveTcp(Socket socket) {
        try (socket) {
            socket.setSoTimeout(TCP_IDLE_MILLIS);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (!closed) {
                int length;
                try {
                    length = in.readUnsignedShort();
                } catch (EOFException | SocketTimeoutException e) {
                    return;
                }
                byte[] message = in.readNBytes(length);
                if (message.length < length) {
                    return;
                }
                byte[] reply;
                try {
                    Query query = DnsMessage.parse(message, length);
                    if (query == null) {
                        continue;
                    }
                    reply = answer(message, query, DnsMessage.TCP_SIZE, true);
                    if (reply == null) {
                        reply = forward(message, query, true);
                    }
                } catch (Malformed e) {
                    LOG.debug("malformed DNS query over TCP: {}", e.getMessage());
                    reply = DnsMessage.reply(e);
                }
                writeTcp(out, reply);
            }
        } catch (IOException e) {
            if (!closed) {
                LOG.debug("DNS TCP connection ended", e);
            }
        } finally {
            connections.remove(socket);
        }
    }

    private static void writeTcp(OutputStream out, byte[] message) throws IOException {
        byte[] framed = new byte[2 + message.length];
        framed[0] = (byte) (message.length >> 8);
        framed[1] = (byte) message.length;
        System.arraycopy(message, 0, framed, 2, message.length);
        out.write(framed);
        out.flush();
    }

    // ---- answers

    /** The reply the server gives itself, or null when the query goes upstream. */
    private byte[] answer(byte[] message, Query query, int maxSize, boolean tcp) {
        if (query.name() == null || query.qclass() != DnsMessage.CLASS_IN) {
            return null;
        }
        switch (query.type()) {
            case DnsMessage.TYPE_A -> {
                List<Inet4Address> addresses = names.lookup(query.name());
                if (addresses.isEmpty()) {
                    return null;
                }
                List<byte[]> rdata = new ArrayList<>(addresses.size());
                for (Inet4Address address : addresses) {
                    rdata.add(DnsMessage.a(address));
                }
                if (rdata.size() > 1) {
                    Collections.shuffle(rdata); // as dockerd does, to spread clients over the addresses
                }
                return DnsMessage.reply(message, query, DnsMessage.NOERROR, DnsMessage.TYPE_A, rdata, maxSize, tcp);
            }
            case DnsMessage.TYPE_AAAA, DnsMessage.TYPE_MX -> {
                return names.lookup(query.name()).isEmpty() ? null : DnsMessage.reply(message, query, DnsMessage.NOERROR);
            }
            case DnsMessage.TYPE_PTR -> {
                Inet4Address address = DnsMessage.reverseAddress(query.name());
                String name = address == null ? null : names.reverse(address);
                if (name == null) {
                    return null;
                }
                return DnsMessage.reply(message, query, DnsMessage.NOERROR, DnsMessage.TYPE_PTR,
                        List.of(DnsMessage.encodeName(name)), maxSize, tcp);
            }
            default -> {
                return null;
            }
        }
    }

    /**
     * The reply of the first upstream server that gives a useful one (dockerd's rules: SERVFAIL,
     * REFUSED, a non-authoritative NXDOMAIN and other errors try the next); else the last reply
     * received, or SERVFAIL when none came.
     */
    private byte[] forward(byte[] message, Query query, boolean tcp) {
        byte[] last = null;
        for (InetSocketAddress upstream : upstreams) {
            if (closed) {
                break;
            }
            byte[] reply;
            try {
                reply = tcp ? exchangeTcp(upstream, message) : exchangeUdp(upstream, message, query);
            } catch (IOException e) {
                LOG.debug("DNS upstream {} for {}: {}", upstream, DnsMessage.describe(query), e.toString());
                continue;
            }
            last = reply;
            int rcode = DnsMessage.rcode(reply);
            if (rcode == DnsMessage.NOERROR || rcode == DnsMessage.NXDOMAIN && DnsMessage.authoritative(reply)) {
                return reply;
            }
            LOG.debug("DNS upstream {} answered rcode {} for {}", upstream, rcode, DnsMessage.describe(query));
        }
        return last != null ? last : DnsMessage.reply(message, query, DnsMessage.SERVFAIL);
    }

    private byte[] exchangeUdp(InetSocketAddress upstream, byte[] message, Query query) throws IOException {
        // A socket of its own for each query: a random source port, and only the upstream's replies.
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(upstream);
            socket.setSoTimeout((int) upstreamTimeout.toMillis());
            socket.send(new DatagramPacket(message, message.length));
            byte[] buffer = new byte[Math.max(query.udpSize(), DnsMessage.UDP_SIZE)];
            long deadline = System.nanoTime() + upstreamTimeout.toNanos();
            while (true) {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                if (packet.getLength() >= 12 && DnsMessage.id(buffer) == query.id()) {
                    byte[] reply = new byte[packet.getLength()];
                    System.arraycopy(buffer, 0, reply, 0, reply.length);
                    return reply;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException("no reply with id " + query.id());
                }
                socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
            }
        }
    }

    private byte[] exchangeTcp(InetSocketAddress upstream, byte[] message) throws IOException {
        try (Socket socket = new Socket()) {
            int timeout = (int) upstreamTimeout.toMillis();
            socket.connect(upstream, timeout);
            socket.setSoTimeout(timeout);
            writeTcp(socket.getOutputStream(), message);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int length = in.readUnsignedShort();
            byte[] reply = in.readNBytes(length);
            if (reply.length < length || length < 12) {
                throw new EOFException("short reply");
            }
            return reply;
        }
    }}
