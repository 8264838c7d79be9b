package io.wharf.core.internal.network.proxy;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A host port bound for a published port and not forwarding yet: the bound socket itself is the
 * reservation (dockerd's port allocator and the proxy's listener in one), so nothing can take the port
 * between choosing it and serving it. {@link PortProxy#start(HostPort, InetAddress, int)} takes it over;
 * {@link #close()} gives it back unused.
 */
public final class HostPort implements AutoCloseable {

    /** Where the ephemeral range is read from; dockerd falls back to 49153-65535 without it. */
    static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final int FALLBACK_FIRST = 49153;
    private static final int FALLBACK_LAST = 65535;
    private static final int BACKLOG = 128;
    /** Where the next ephemeral search starts, per protocol: after the last port given, as dockerd's allocator. */
    private static final AtomicInteger NEXT_TCP = new AtomicInteger();
    private static final AtomicInteger NEXT_UDP = new AtomicInteger();

    private final String protocol;
    private final NetworkChannel channel;
    private final InetSocketAddress address;
    private boolean taken;

    private HostPort(String protocol, NetworkChannel channel, InetSocketAddress address) {
        this.protocol = protocol;
        this.channel = channel;
        this.address = address;
    }

    /**
     * Binds {@code ip:port} for {@code protocol} ("tcp" listens at once; "udp" is a bound socket).
     *
     * @throws PortAllocatedException when another socket holds it
     * @throws BindException          when it cannot be bound otherwise (such as an address this host lacks)
     */
    public static HostPort bind(String protocol, InetAddress ip, int port) throws IOException {
        String p = protocol(protocol);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1 to 65535, not " + port);
        }
        return bindOrThrow(p, ip, port);
    }

    /**
     * Binds a free port of the host's ephemeral range (/proc/sys/net/ipv4/ip_local_port_range), for
     * {@code -P} and {@code -p 80}: the search starts after the last port given for the protocol.
     *
     * @throws PortAllocatedException "all ports are allocated" when the range has no free port
     */
    public static HostPort allocate(String protocol, InetAddress ip) throws IOException {
        int[] range = ephemeralRange();
        String p = protocol(protocol);
        AtomicInteger next = p.equals("tcp") ? NEXT_TCP : NEXT_UDP;
        HostPort port = search(p, ip, range[0], range[1], next.get());
        if (port == null) {
            throw new PortAllocatedException("all ports are allocated");
        }
        next.set(port.port() + 1);
        return port;
    }

    /**
     * Binds the first free port of {@code first..last}, for {@code -p 8000-8010:80}.
     *
     * @throws PortAllocatedException when none of them is free
     */
    public static HostPort allocate(String protocol, InetAddress ip, int first, int last) throws IOException {
        String p = protocol(protocol);
        if (first < 1 || last > 65535 || first > last) {
            throw new IllegalArgumentException("invalid port range " + first + "-" + last);
        }
        HostPort port = search(p, ip, first, last, first);
        if (port == null) {
            throw new PortAllocatedException("Bind for " + ip.getHostAddress() + ":" + first + "-" + last
                    + " failed: port is already allocated");
        }
        return port;
    }

    private static HostPort search(String protocol, InetAddress ip, int first, int last, int start) throws IOException {
        int size = last - first + 1;
        int offset = start < first || start > last ? 0 : start - first;
        for (int i = 0; i < size; i++) {
            HostPort port = tryBind(protocol, ip, first + (offset + i) % size);
            if (port != null) {
                return port;
            }
        }
        return null;
    }

    /** The host's ephemeral port range, or dockerd's fallback when it cannot be read. */
    static int[] ephemeralRange() {
        // A line read, not Files.readString: on some kernels a sysctl file of size 0 read that way gives one byte.
        try (BufferedReader reader = Files.newBufferedReader(EPHEMERAL_RANGE)) {
            String[] fields = reader.readLine().trim().split("\\s+");
            int first = Integer.parseInt(fields[0]);
            int last = Integer.parseInt(fields[1]);
            if (first >= 1 && first <= last && last <= 65535) {
                return new int[] {first, last};
            }
        } catch (IOException | RuntimeException e) {
            // dockerd's fallback below
        }
        return new int[] {FALLBACK_FIRST, FALLBACK_LAST};
    }

    private static HostPort bindOrThrow(String protocol, InetAddress ip, int port) throws IOException {
        HostPort bound = tryBind(protocol, ip, port);
        if (bound == null) {
            throw new PortAllocatedException("Bind for " + ip.getHostAddress() + ":" + port
                    + " failed: port is already allocated");
        }
        return bound;
    }

    /** The bound port, or null when the port is in use; other failures are thrown. */
    private static HostPort tryBind(String protocol, InetAddress ip, int port) throws IOException {
        InetSocketAddress address = new InetSocketAddress(ip, port);
        ProtocolFamily family = ip instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
        NetworkChannel channel = protocol.equals("tcp") ? ServerSocketChannel.open(family) : DatagramChannel.open(family);
        try {
            if (channel instanceof ServerSocketChannel server) {
                // Connections of an earlier proxy in TIME_WAIT must not keep the port from a new one.
                server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                server.bind(address, BACKLOG);
            } else {
                channel.bind(address);
            }
            return new HostPort(protocol, channel, address);
        } catch (BindException e) {
            channel.close();
            if (e.getMessage() != null && e.getMessage().contains("in use")) {
                return null;
            }
            BindException failure = new BindException("Error starting userland proxy: listen " + protocol
                    + (family == StandardProtocolFamily.INET ? "4 " : "6 ") + ip.getHostAddress() + ":" + port + ": bind: "
                    + (e.getMessage() == null ? "failed" : e.getMessage().toLowerCase(Locale.ROOT)));
            failure.initCause(e);
            throw failure;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static String protocol(String protocol) {
        String p = protocol.toLowerCase(Locale.ROOT);
        if (!p.equals("tcp") && !p.equals("udp")) {
            throw new IllegalArgumentException("unsupported protocol " + protocol + ": tcp or udp");
        }
        return p;
    }

    public String protocol() {
        return protocol;
    }

    /** The address bound. */
    public InetSocketAddress address() {
        return address;
    }

    public int port() {
        return address.getPort();
    }

    /** Hands the bound socket over to a proxy, once. */
    synchronized NetworkChannel take() {
        if (taken) {
            throw new IllegalStateException(this + " is already forwarded");
        }
        if (!channel.isOpen()) {
            throw new IllegalStateException(this + " is closed");
        }
        taken = true;
        return channel;
    }

    /** Frees the port; after {@link PortProxy#start(HostPort, InetAddress, int)}, close the proxy instead. */
    @Override
    public synchronized void close() throws IOException {
        if (!taken) {
            channel.close();
        }
    }

    @Override
    public String toString() {
        return address.getAddress().getHostAddress() + ":" + address.getPort() + "/" + protocol;
    }
}
