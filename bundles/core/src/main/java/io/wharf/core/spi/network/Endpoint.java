package io.wharf.core.spi.network;

import java.util.List;
import java.util.Objects;

/**
 * A container's attachment to one network.
 *
 * @param id            the endpoint's 64-hex id
 * @param containerId   the container's id
 * @param interfaceName the interface's name inside the sandbox: "eth0", "eth1", ...
 * @param macAddress    its MAC address, such as "02:42:ac:11:00:02"
 * @param address       its IPv4 address with the subnet's prefix length, such as "172.17.0.2/16"
 * @param gateway       the gateway to route through, or "" when there is none
 * @param defaultRoute  whether the sandbox's default route goes through this endpoint's gateway
 *                      (one endpoint of a container has it)
 * @param ports         the published ports that forward to this endpoint
 */
public record Endpoint(String id, String containerId, String interfaceName, String macAddress, String address,
        String gateway, boolean defaultRoute, List<PortMapping> ports) {

    public Endpoint {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        gateway = gateway == null ? "" : gateway;
        ports = List.copyOf(ports);
    }

    /** The address without its prefix length: "172.17.0.2". */
    public String ip() {
        int slash = address.indexOf('/');
        return slash < 0 ? address : address.substring(0, slash);
    }

    /**
     * A published port: host address and port forwarded to the endpoint's port. The core has
     * allocated {@code hostPort} (also for ephemeral ports) and listens on it with its own proxy for
     * traffic the firewall does not translate (from the host's loopback).
     *
     * @param protocol      "tcp", "udp" or "sctp"
     * @param hostIp        the host address, "0.0.0.0" for all
     * @param hostPort      the host port
     * @param containerPort the port inside the container
     */
    public record PortMapping(String protocol, String hostIp, int hostPort, int containerPort) {

        public PortMapping {
            Objects.requireNonNull(protocol, "protocol");
            hostIp = hostIp == null || hostIp.isEmpty() ? "0.0.0.0" : hostIp;
        }
    }
}
