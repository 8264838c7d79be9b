package io.wharf.core.internal.network.proxy;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The UDP half of {@link PortProxy}. */
final class UdpProxy extends ProxyEnds {

    private static final Logger LOG = LoggerFactory.getLogger(UdpProxy.class);
    /** The largest UDP payload over IPv4 (docker-proxy's UDPBufSize). */
    private static final int BUFFER = 65507;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    private final DatagramChannel listener;
    private final long idleNanos;
    private final Map<SocketAddress, Mapping> mappings = new ConcurrentHashMap<>();
    private final Thread receiver;
    private volatile boolean closed;

    UdpProxy(DatagramChannel listener, InetSocketAddress container, Duration idleTimeout) {
        super("udp", listener, container);
        this.listener = listener;
        this.idleNanos = idleTimeout.toNanos();
        this.receiver = Thread.ofVirtual().name("proxy-udp " + hostAddress().getPort()).start(this::receive);
    }

    /** The number of client mappings alive, for tests. */
    int mappings() {
        return mappings.size();
    }

    private void receive() {
        ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
        while (!closed) {
            SocketAddress client;
            buffer.clear();
            try {
                client = listener.receive(buffer);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                LOG.debug("proxy {}/udp: receive failed", hostAddress(), e);
                continue;
            }
            buffer.flip();
            // Twice at most: a mapping that expired between the lookup and the send is replaced.
            for (int attempt = 0; attempt < 2 && !closed; attempt++) {
                Mapping mapping = mappings.get(client);
                try {
                    if (mapping == null) {
                        mapping = new Mapping(client);
                    }
                    mapping.send(buffer);
                    break;
                } catch (PortUnreachableException e) {
                    break; // the container's port is closed (an earlier ICMP): the datagram is lost, as UDP may be
                } catch (IOException e) {
                    if (mapping != null && mapping.socket.isClosed()) {
                        mappings.remove(client, mapping);
                        continue;
                    }
                    LOG.debug("proxy {}/udp: cannot forward from {} to {}: {}", hostAddress(), client, containerAddress(), e.toString());
                    break;
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            LOG.debug("proxy {}/udp: closing listener", hostAddress(), e);
        }
        List<Mapping> left = List.copyOf(mappings.values());
        left.forEach(Mapping::close);
        // A thread still inside a send or receive on the listener finishes its closing when it leaves
        // it: the port is free only once every thread that uses the listener has ended.
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        join(receiver, deadline);
        for (Mapping mapping : left) {
            join(mapping.thread, deadline);
        }
    }

    private static void join(Thread thread, long deadline) {
        if (thread == null) {
            return;
        }
        try {
            thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One client's socket connected to the container, and the thread relaying the container's replies. */
    private final class Mapping {

        private final SocketAddress client;
        private final DatagramSocket socket;
        private volatile long lastUsed = System.nanoTime();
        private volatile Thread thread;

        Mapping(SocketAddress client) throws IOException {
            this.client = client;
            this.socket = new DatagramSocket(null);
            try {
                socket.bind(null);
                socket.connect(containerAddress());
            } catch (IOException e) {
                socket.close();
                throw e;
            }
            mappings.put(client, this);
            if (closed) {
                close();
                throw new SocketException("proxy closed");
            }
            thread = Thread.ofVirtual().name("proxy-udp-reply").start(this::relayReplies);
        }

        void send(ByteBuffer datagram) throws IOException {
            lastUsed = System.nanoTime();
            socket.send(new DatagramPacket(datagram.array(), datagram.position(), datagram.remaining()));
        }

        private void relayReplies() {
            byte[] buffer = new byte[BUFFER];
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                while (!closed) {
                    long left = lastUsed + idleNanos - System.nanoTime();
                    if (left <= 0) {
                        return;
                    }
                    socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
                    packet.setLength(buffer.length);
                    try {
                        socket.receive(packet);
                    } catch (SocketTimeoutException | PortUnreachableException e) {
                        continue; // idle so far, or an ICMP for an earlier datagram: look at the time again
                    }
                    lastUsed = System.nanoTime();
                    listener.send(ByteBuffer.wrap(buffer, 0, packet.getLength()), client);
                }
            } catch (IOException e) {
                if (!closed && !socket.isClosed()) {
                    LOG.debug("proxy {}/udp: relaying to {} failed: {}", hostAddress(), client, e.toString());
                }
            } finally {
                close();
            }
        }

        void close() {
            mappings.remove(client, this);
            socket.close();
        }
    }
}
