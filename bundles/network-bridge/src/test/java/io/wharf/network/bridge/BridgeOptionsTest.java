package io.wharf.network.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.wharf.core.spi.errors.ForbiddenException;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.network.Network;

class BridgeOptionsTest {

    private static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static Network network(Map<String, String> options, List<Network.Subnet> subnets, boolean internal) {
        return new Network(ID, "n", subnets, internal, options);
    }

    private static Network network(Map<String, String> options) {
        return network(options, List.of(new Network.Subnet("10.199.7.0/24", "10.199.7.1")), false);
    }

    private static String refused(Map<String, String> options) {
        return assertThrows(InvalidParameterException.class, () -> BridgeOptions.of(network(options), 0)).getMessage();
    }

    @Test
    void defaultsAreDockerdsIccAndMasqueradeOnMtu1500AndBrPlusTwelveCharactersOfTheId() {
        BridgeOptions o = BridgeOptions.of(network(Map.of()), 0);
        assertEquals("br-0123456789ab", o.bridge());
        assertEquals(1500, o.mtu());
        assertTrue(o.icc());
        assertTrue(o.masquerade());
        assertFalse(o.internal());
        assertEquals("10.199.7.0/24", o.subnet());
        assertEquals("10.199.7.1/24", o.gateway());
    }

    @Test
    void theNetworksOptionsWinOverTheDaemonsMtu() {
        Map<String, String> opts = new HashMap<>();
        opts.put(Network.BRIDGE_NAME, "wharf0");
        opts.put(Network.MTU, "1400");
        opts.put(Network.ENABLE_ICC, "false");
        opts.put(Network.ENABLE_IP_MASQUERADE, "0");
        opts.put(Network.DEFAULT_BRIDGE, "true");
        opts.put(Network.HOST_BINDING_IPV4, "0.0.0.0");
        opts.put("com.docker.network.enable_ipv6", "false"); // not a bridge option: passed over
        BridgeOptions o = BridgeOptions.of(network(opts), 9000);
        assertEquals("wharf0", o.bridge());
        assertEquals(1400, o.mtu());
        assertFalse(o.icc());
        assertFalse(o.masquerade());
        assertEquals(9000, BridgeOptions.of(network(Map.of()), 9000).mtu());
    }

    @Test
    void unknownBridgeOptionsAndValuesThatDoNotParseAreInvalidParametersWithDockerdsMessages() {
        assertEquals("unknown bridge driver option: com.docker.network.bridge.colour",
                refused(Map.of("com.docker.network.bridge.colour", "blue")));
        assertEquals("failed to parse com.docker.network.driver.mtu value: big "
                + "(strconv.Atoi: parsing \"big\": invalid syntax)", refused(Map.of(Network.MTU, "big")));
        assertEquals("invalid MTU number: -1", refused(Map.of(Network.MTU, "-1")));
        assertEquals("invalid MTU number: 70000", refused(Map.of(Network.MTU, "70000")));
        assertEquals("failed to parse com.docker.network.bridge.enable_icc value: maybe "
                + "(strconv.ParseBool: parsing \"maybe\": invalid syntax)", refused(Map.of(Network.ENABLE_ICC, "maybe")));
        assertEquals("failed to parse com.docker.network.bridge.host_binding_ipv4 value: nowhere (nil ip)",
                refused(Map.of(Network.HOST_BINDING_IPV4, "nowhere")));
        assertTrue(refused(Map.of(Network.BRIDGE_NAME, "a-name-longer-than-15")).startsWith("invalid bridge name"));
        assertTrue(refused(Map.of(Network.BRIDGE_NAME, "a/b")).startsWith("invalid bridge name"));
    }

    @Test
    void subnetsAreCheckedAsDockerdDoes() {
        assertEquals("bridge driver doesn't support multiple subnets", assertThrows(ForbiddenException.class,
                () -> BridgeOptions.of(network(Map.of(), List.of(new Network.Subnet("10.199.1.0/24", "10.199.1.1"),
                        new Network.Subnet("10.199.2.0/24", "10.199.2.1")), false), 0)).getMessage());
        assertEquals("bridge network " + ID + " requires ipv4 configuration", assertThrows(InvalidParameterException.class,
                () -> BridgeOptions.of(network(Map.of(), List.of(), false), 0)).getMessage());
        assertThrows(InvalidParameterException.class, () -> BridgeOptions.of(
                network(Map.of(), List.of(new Network.Subnet("10.199.1.0/24", "10.199.9.1")), false), 0));
    }

    @Test
    void theSubnetIsMaskedAsIptablesPrintsIt() {
        BridgeOptions o = BridgeOptions.of(network(Map.of(), List.of(new Network.Subnet("10.199.7.9/20", "10.199.0.1")), false), 0);
        assertEquals("10.199.0.0/20", o.subnet());
        assertTrue(o.contains("10.199.15.255"));
        assertFalse(o.contains("10.199.16.0"));
        assertEquals("", BridgeOptions.of(network(Map.of(), List.of(new Network.Subnet("10.199.7.0/24", "")), true), 0)
                .gateway());
    }
}
