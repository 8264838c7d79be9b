package io.wharf.network.bridge;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.wharf.core.spi.errors.ForbiddenException;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.network.Network;

/**
 * A network's configuration as the bridge driver reads it from {@link Network}, checked as dockerd's
 * bridge driver checks its labels (libnetwork drivers/bridge {@code fromLabels}, {@code Validate},
 * {@code processIPAM}), with the same messages; an option under {@code com.docker.network.bridge.}
 * that the driver does not know is refused too, where dockerd silently ignores it.
 *
 * @param networkId  the network's id
 * @param bridge     the bridge device's name
 * @param mtu        the MTU of the bridge and of the endpoints' veth pairs
 * @param icc        whether containers of the network may talk to each other
 * @param masquerade whether traffic leaving the network is masqueraded
 * @param internal   whether the network is cut off from everything outside its subnet
 * @param subnet     the subnet, masked, in CIDR form: "10.199.1.0/24"
 * @param gateway    the gateway's address with the subnet's prefix length ("10.199.1.1/24"), or ""
 */
record BridgeOptions(String networkId, String bridge, int mtu, boolean icc, boolean masquerade, boolean internal,
        String subnet, String gateway) {

    private static final String BRIDGE_PREFIX = "com.docker.network.bridge.";
    private static final Set<String> BRIDGE_OPTIONS = Set.of(Network.BRIDGE_NAME, Network.DEFAULT_BRIDGE,
            Network.ENABLE_ICC, Network.ENABLE_IP_MASQUERADE, Network.HOST_BINDING_IPV4);
    /** Linux's IFNAMSIZ less the terminating NUL. */
    private static final int MAX_NAME = 15;
    private static final int MAX_MTU = 65535;
    private static final int MIN_MTU = 68;

    /**
     * Reads and checks {@code network}'s configuration; {@code defaultMtu} (the daemon's {@code --mtu},
     * 0 for none) applies when the network sets none.
     *
     * @throws InvalidParameterException for an unknown bridge option or a value that does not parse
     * @throws ForbiddenException        for more than one IPv4 subnet, as dockerd
     */
    static BridgeOptions of(Network network, int defaultMtu) {
        Map<String, String> options = network.options();
        for (String key : options.keySet()) {
            if (key.startsWith(BRIDGE_PREFIX) && !BRIDGE_OPTIONS.contains(key)) {
                throw new InvalidParameterException("unknown bridge driver option: " + key);
            }
        }
        String bridge = options.getOrDefault(Network.BRIDGE_NAME, "");
        if (bridge.isEmpty()) {
            bridge = "br-" + network.id().substring(0, Math.min(12, network.id().length()));
        }
        checkInterfaceName(bridge);
        int mtu = defaultMtu;
        String mtuText = options.get(Network.MTU);
        if (mtuText != null) {
            try {
                mtu = Integer.parseInt(mtuText);
            } catch (NumberFormatException e) {
                throw parseError(Network.MTU, mtuText, "strconv.Atoi: parsing \"" + mtuText + "\": invalid syntax");
            }
        }
        if (mtu == 0) {
            mtu = 1500;
        }
        if (mtu < MIN_MTU || mtu > MAX_MTU) {
            throw new InvalidParameterException("invalid MTU number: " + mtu);
        }
        boolean icc = bool(options, Network.ENABLE_ICC, true);
        boolean masquerade = bool(options, Network.ENABLE_IP_MASQUERADE, true);
        bool(options, Network.DEFAULT_BRIDGE, false);
        String binding = options.get(Network.HOST_BINDING_IPV4);
        if (binding != null && ipv4(binding) == null) {
            throw parseError(Network.HOST_BINDING_IPV4, binding, "nil ip");
        }
        List<Network.Subnet> subnets = network.ipv4();
        if (subnets.isEmpty()) {
            throw new InvalidParameterException("bridge network " + network.id() + " requires ipv4 configuration");
        }
        if (subnets.size() > 1) {
            throw new ForbiddenException("bridge driver doesn't support multiple subnets");
        }
        Network.Subnet s = subnets.getFirst();
        String subnet = maskedSubnet(s.subnet());
        String gateway = "";
        if (!s.gateway().isEmpty()) {
            Inet4Address gw = ipv4(s.gateway());
            if (gw == null || !maskedSubnet(gw.getHostAddress() + "/" + s.prefixLength()).equals(subnet)) {
                throw new InvalidParameterException("invalid gateway address " + s.gateway() + " for subnet " + s.subnet());
            }
            gateway = gw.getHostAddress() + "/" + s.prefixLength();
        }
        return new BridgeOptions(network.id(), bridge, mtu, icc, masquerade, network.internal(), subnet, gateway);
    }

    /** Whether {@code ip} (dotted quad) lies in the network's subnet. */
    boolean contains(String ip) {
        Inet4Address a = ipv4(ip);
        return a != null && maskedSubnet(a.getHostAddress() + subnet.substring(subnet.indexOf('/'))).equals(subnet);
    }

    private static boolean bool(Map<String, String> options, String key, boolean fallback) {
        String v = options.get(key);
        if (v == null) {
            return fallback;
        }
        // Go's strconv.ParseBool, which dockerd uses
        return switch (v) {
            case "1", "t", "T", "true", "TRUE", "True" -> true;
            case "0", "f", "F", "false", "FALSE", "False" -> false;
            default -> throw parseError(key, v, "strconv.ParseBool: parsing \"" + v + "\": invalid syntax");
        };
    }

    private static InvalidParameterException parseError(String key, String value, String why) {
        return new InvalidParameterException("failed to parse " + key + " value: " + value + " (" + why + ")");
    }

    private static void checkInterfaceName(String name) {
        boolean valid = !name.isEmpty() && name.length() <= MAX_NAME && !name.equals(".") && !name.equals("..");
        for (int i = 0; valid && i < name.length(); i++) {
            char c = name.charAt(i);
            valid = c > ' ' && c < 127 && c != '/' && c != ':';
        }
        if (!valid) {
            throw new InvalidParameterException("invalid bridge name \"" + name
                    + "\": a network interface name has 1 to 15 characters, none of them '/', ':' or whitespace");
        }
    }

    /** The address when {@code text} is an IPv4 literal, else null. */
    static Inet4Address ipv4(String text) {
        if (text == null || !text.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
            return null;
        }
        try {
            return InetAddress.ofLiteral(text) instanceof Inet4Address a ? a : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** "10.199.1.7/24" → "10.199.1.0/24", as iptables prints a source or destination. */
    static String maskedSubnet(String cidr) {
        int slash = cidr.indexOf('/');
        Inet4Address a = slash < 0 ? null : ipv4(cidr.substring(0, slash));
        int prefix;
        try {
            prefix = slash < 0 ? -1 : Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            prefix = -1;
        }
        if (a == null || prefix < 0 || prefix > 32) {
            throw new InvalidParameterException("invalid subnet " + cidr);
        }
        byte[] b = a.getAddress();
        int bits = ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
        int masked = prefix == 0 ? 0 : bits & (-1 << (32 - prefix));
        return ((masked >>> 24) & 0xff) + "." + ((masked >>> 16) & 0xff) + "." + ((masked >>> 8) & 0xff) + "."
                + (masked & 0xff) + "/" + prefix;
    }
}
