package io.wharf.core.internal.network.proxy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;

/**
 * The userland proxy of one published port (dockerd's docker-proxy): it listens on the host's address
 * and port and forwards to the container's, so the port answers on the host's loopback and from other
 * containers, where the firewall's DNAT does not reach. TCP: each connection is copied both ways, an
 * end of stream on one side closing the other side's writing. UDP: each client address gets a socket
 * of its own connected to the container, whose replies go back to that client; a mapping that has
 * carried nothing for 90 s (dockerd's UDPConnTrackTimeout) is dropped.
 *
 * <p>Threads are virtual: one waiting for clients, two per TCP connection (16 KiB buffer each), one per
 * UDP client mapping (a 64 KiB buffer, as a UDP datagram may be that large).
 */
public sealed interface PortProxy extends AutoCloseable permits ProxyEnds {

    /** dockerd's UDPConnTrackTimeout. */
    Duration UDP_IDLE_TIMEOUT = Duration.ofSeconds(90);

    /**
     * Binds {@code hostIp:hostPort} and forwards it to {@code containerIp:containerPort}.
     *
     * @param protocol "tcp" or "udp"
     * @param hostIp   the host address, 0.0.0.0 for all IPv4 addresses
     * @param hostPort 1 to 65535: an ephemeral port is first allocated with {@link HostPort#allocate}
     * @throws PortAllocatedException when another socket holds the port
     * @throws IOException            when the port cannot be bound otherwise
     */
    static PortProxy start(String protocol, InetAddress hostIp, int hostPort, InetAddress containerIp, int containerPort)
            throws IOException {
        if (hostPort < 1 || hostPort > 65535) {
            throw new IllegalArgumentException("host port must be 1 to 65535, not " + hostPort);
        }
        return start(HostPort.bind(protocol, hostIp, hostPort), containerIp, containerPort);
    }

    /**
     * Forwards a port already bound ({@link HostPort#bind}, {@link HostPort#allocate}) to {@code
     * containerIp:containerPort}. The proxy takes the port over: closing the proxy closes it.
     */
    static PortProxy start(HostPort port, InetAddress containerIp, int containerPort) {
        return start(port, new InetSocketAddress(containerIp, containerPort), UDP_IDLE_TIMEOUT);
    }

    /** As {@link #start(HostPort, InetAddress, int)}, with UDP mappings dropped after {@code udpIdleTimeout}. */
    static PortProxy start(HostPort port, InetSocketAddress container, Duration udpIdleTimeout) {
        if (container.getPort() < 1 || container.getPort() > 65535) {
            throw new IllegalArgumentException("container port must be 1 to 65535, not " + container.getPort());
        }
        NetworkChannel channel = port.take();
        return channel instanceof ServerSocketChannel server ? new TcpProxy(server, container)
                : new UdpProxy((DatagramChannel) channel, container, udpIdleTimeout);
    }

    /** "tcp" or "udp". */
    String protocol();

    /** The host address and port listened on. */
    InetSocketAddress hostAddress();

    /** The container's address and port forwarded to. */
    InetSocketAddress containerAddress();

    /** Stops listening and ends every connection and UDP mapping; the host port is free again. */
    @Override
    void close();
}
