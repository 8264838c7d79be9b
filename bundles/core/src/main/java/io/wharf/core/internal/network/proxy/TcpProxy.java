package io.wharf.core.internal.network.proxy;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The TCP half of {@link PortProxy}. */
final class TcpProxy extends ProxyEnds {

    private static final Logger LOG = LoggerFactory.getLogger(TcpProxy.class);
    private static final int BUFFER = 16 * 1024;
    /** How long to wait for the container to take a connection before giving up on the client. */
    private static final int CONNECT_TIMEOUT_MILLIS = 30_000;

    private final ServerSocketChannel listener;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    TcpProxy(ServerSocketChannel listener, InetSocketAddress container) {
        super("tcp", listener, container);
        this.listener = listener;
        this.acceptor = Thread.ofVirtual().name("proxy-tcp " + hostAddress().getPort()).start(this::accept);
    }

    private void accept() {
        while (!closed) {
            SocketChannel client;
            try {
                client = listener.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                LOG.debug("proxy {}: accept failed", hostAddress(), e);
                continue;
            }
            Connection connection = new Connection(client);
            connections.add(connection);
            if (closed) { // close() may have passed the set before the add
                connection.close();
                return;
            }
            Thread.ofVirtual().name("proxy-tcp-conn").start(connection::run);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            LOG.debug("proxy {}: closing listener", hostAddress(), e);
        }
        connections.forEach(Connection::close);
        try {
            acceptor.join(Duration.ofSeconds(2)); // only it uses the listener, whose closing it finishes
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One client's connection and the proxy's connection to the container. */
    private final class Connection {

        private final SocketChannel client;
        private volatile SocketChannel backend;
        private final AtomicInteger directionsLeft = new AtomicInteger(2);

        Connection(SocketChannel client) {
            this.client = client;
        }

        void run() {
            SocketChannel b = null;
            try {
                b = SocketChannel.open(containerAddress().getAddress() instanceof Inet4Address ? StandardProtocolFamily.INET
                        : StandardProtocolFamily.INET6);
                backend = b;
                if (closed) {
                    close();
                    return;
                }
                b.socket().connect(containerAddress(), CONNECT_TIMEOUT_MILLIS);
            } catch (IOException e) {
                if (!closed) {
                    LOG.debug("proxy {}: cannot forward to {}: {}", hostAddress(), containerAddress(), e.toString());
                }
                close();
                return;
            }
            SocketChannel connected = b;
            Thread.ofVirtual().name("proxy-tcp-back").start(() -> copy(connected, client));
            copy(client, connected);
        }

        /** Copies until the end of {@code from}'s stream, then ends {@code to}'s; a failure ends both ways. */
        private void copy(SocketChannel from, SocketChannel to) {
            ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
            try {
                while (from.read(buffer) >= 0) {
                    buffer.flip();
                    while (buffer.hasRemaining()) {
                        to.write(buffer);
                    }
                    buffer.clear();
                }
                to.shutdownOutput();
            } catch (IOException e) {
                close(); // a reset, or close(): the other direction ends with it
                return;
            }
            if (directionsLeft.decrementAndGet() == 0) {
                close();
            }
        }

        void close() {
            connections.remove(this);
            closeQuietly(client);
            SocketChannel b = backend;
            if (b != null) {
                closeQuietly(b);
            }
        }

        private static void closeQuietly(SocketChannel channel) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing left to do with it
            }
        }
    }
}
