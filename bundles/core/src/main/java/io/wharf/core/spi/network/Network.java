package io.wharf.core.spi.network;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One network as its driver sees it.
 *
 * @param id       the network's 64-hex id
 * @param name     its name ("bridge" for the daemon's default bridge network)
 * @param ipv4     its IPv4 subnets with their gateways, as the core's IPAM assigned them
 * @param internal {@code --internal}: no route out of the network (no gateway, no masquerading)
 * @param options  the driver options, as {@code docker network inspect} shows them under "Options"
 *                 (for the bridge driver {@code com.docker.network.bridge.name}, {@code .enable_icc},
 *                 {@code .enable_ip_masquerade}, {@code .host_binding_ipv4},
 *                 {@code com.docker.network.driver.mtu}, {@code com.docker.network.bridge.default_bridge})
 */
public record Network(String id, String name, List<Subnet> ipv4, boolean internal, Map<String, String> options) {

    /** Option naming the bridge device. */
    public static final String BRIDGE_NAME = "com.docker.network.bridge.name";
    /** Option "true" on the daemon's default bridge network. */
    public static final String DEFAULT_BRIDGE = "com.docker.network.bridge.default_bridge";
    /** Option "false" forbids traffic between the network's containers ({@code --icc=false}). */
    public static final String ENABLE_ICC = "com.docker.network.bridge.enable_icc";
    /** Option "false" turns off masquerading of traffic leaving the network. */
    public static final String ENABLE_IP_MASQUERADE = "com.docker.network.bridge.enable_ip_masquerade";
    /** Option: the host address ports are published on when a mapping names none. */
    public static final String HOST_BINDING_IPV4 = "com.docker.network.bridge.host_binding_ipv4";
    /** Option: the MTU of the network's interfaces. */
    public static final String MTU = "com.docker.network.driver.mtu";

    public Network {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        ipv4 = List.copyOf(ipv4);
        options = Map.copyOf(options);
    }

    /** The option's value, or {@code fallback} when the network does not set it. */
    public String option(String key, String fallback) {
        return options.getOrDefault(key, fallback);
    }

    /**
     * One subnet of a network.
     *
     * @param subnet  the subnet in CIDR form, such as "172.18.0.0/16"
     * @param gateway the gateway's address in it, such as "172.18.0.1" ("" on an internal network
     *                that has none)
     */
    public record Subnet(String subnet, String gateway) {

        public Subnet {
            Objects.requireNonNull(subnet, "subnet");
            gateway = gateway == null ? "" : gateway;
        }

        /** The prefix length of the subnet: 16 for "172.18.0.0/16". */
        public int prefixLength() {
            return Integer.parseInt(subnet.substring(subnet.indexOf('/') + 1));
        }
    }
}
