package io.wharf.network.bridge;

import static io.wharf.network.bridge.Ruleset.FILTER;
import static io.wharf.network.bridge.Ruleset.NAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.network.Endpoint;
import io.wharf.core.spi.network.Network;

/** The rules planned on a copy of the firewall, without touching the kernel's. */
class FirewallPlanTest {

    private static BridgeOptions options(String id, String bridge, String subnet, String gateway, boolean internal,
            Map<String, String> extra) {
        Map<String, String> opts = new java.util.HashMap<>(extra);
        opts.put(Network.BRIDGE_NAME, bridge);
        return BridgeOptions.of(new Network(id, bridge, List.of(new Network.Subnet(subnet, gateway)), internal, opts), 0);
    }

    private static final BridgeOptions BR1 = options("1111", "br1", "10.199.1.0/24", "10.199.1.1", false, Map.of());
    private static final BridgeOptions BR2 = options("2222", "br2", "10.199.2.0/24", "10.199.2.1", false, Map.of());

    /** What the kernel would hold after the planned changes: a new copy with no changes recorded. */
    private static Ruleset applied(Ruleset r) {
        return Ruleset.parse(r.saved());
    }

    @Test
    void onAnEmptyFirewallANetworkGetsDockerdsChainsAndRulesInDockerdsOrder() {
        Ruleset r = Ruleset.parse("");
        Firewall.addNetwork(r, BR1);
        assertTrue(r.script().contains("-N DOCKER-USER\n"));
        assertEquals(List.of("-j DOCKER-USER", "-j DOCKER-ISOLATION-STAGE-1",
                "-o br1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "-o br1 -j DOCKER",
                "-i br1 ! -o br1 -j ACCEPT",
                "-i br1 -o br1 -j ACCEPT"), r.rules(FILTER, "FORWARD"));
        assertEquals(List.of("-i br1 ! -o br1 -j DOCKER-ISOLATION-STAGE-2", "-j RETURN"),
                r.rules(FILTER, Firewall.STAGE1));
        assertEquals(List.of("-o br1 -j DROP", "-j RETURN"), r.rules(FILTER, Firewall.STAGE2));
        assertEquals(List.of("-j RETURN"), r.rules(FILTER, Firewall.USER));
        assertEquals(List.of(), r.rules(FILTER, Firewall.DOCKER));
        assertEquals(List.of("-m addrtype --dst-type LOCAL -j DOCKER"), r.rules(NAT, "PREROUTING"));
        assertEquals(List.of("! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER"), r.rules(NAT, "OUTPUT"));
        assertEquals(List.of("-s 10.199.1.0/24 ! -o br1 -j MASQUERADE"), r.rules(NAT, "POSTROUTING"));
        assertEquals(List.of("-i br1 -j RETURN"), r.rules(NAT, Firewall.DOCKER));

        Ruleset again = applied(r);
        Firewall.addNetwork(again, BR1);
        assertTrue(again.unchanged(), again.script());
    }

    @Test
    void iccOffAppendsADropAndMasqueradeOffLeavesNatAlone() {
        BridgeOptions n = options("3333", "br3", "10.199.3.0/24", "10.199.3.1", false,
                Map.of(Network.ENABLE_ICC, "false", Network.ENABLE_IP_MASQUERADE, "false"));
        Ruleset r = Ruleset.parse("");
        Firewall.addNetwork(r, n);
        assertEquals("-i br3 -o br3 -j DROP", r.rules(FILTER, "FORWARD").getLast());
        assertFalse(r.rules(FILTER, "FORWARD").contains("-i br3 -o br3 -j ACCEPT"));
        assertEquals(List.of(), r.rules(NAT, "POSTROUTING"));
        assertEquals(List.of(), r.rules(NAT, Firewall.DOCKER));
    }

    @Test
    void anInternalNetworkDropsWhatCrossesItsSubnetAndHasNoNat() {
        BridgeOptions n = options("4444", "br4", "10.199.4.0/24", "", true, Map.of());
        Ruleset r = Ruleset.parse("");
        Firewall.addNetwork(r, n);
        assertEquals(List.of("! -s 10.199.4.0/24 -o br4 -j DROP", "! -d 10.199.4.0/24 -i br4 -j DROP", "-j RETURN"),
                r.rules(FILTER, Firewall.STAGE1));
        assertEquals(List.of("-j DOCKER-USER", "-j DOCKER-ISOLATION-STAGE-1", "-i br4 -o br4 -j ACCEPT"),
                r.rules(FILTER, "FORWARD"));
        assertEquals(List.of(), r.rules(NAT, "POSTROUTING"));
        assertEquals(List.of(), r.rules(NAT, "PREROUTING"));
    }

    @Test
    void jumpsThatSomeoneMovedAreBroughtBackToTheTopOfForward() {
        Ruleset r = Ruleset.parse("*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -s 192.0.2.1/32 -j ACCEPT\n"
                + "-A FORWARD -j DOCKER-USER\nCOMMIT\n");
        Firewall.addNetwork(r, BR1);
        List<String> forward = r.rules(FILTER, "FORWARD");
        assertEquals(List.of("-j DOCKER-USER", "-j DOCKER-ISOLATION-STAGE-1"), forward.subList(0, 2));
        assertEquals(1, forward.stream().filter("-j DOCKER-USER"::equals).count());
        assertTrue(forward.contains("-s 192.0.2.1/32 -j ACCEPT"));
    }

    @Test
    void deletingTheLastNetworkRemovesEveryChainAndJumpItMade() {
        Ruleset r = Ruleset.parse("");
        Firewall.addNetwork(r, BR1);
        Firewall.addNetwork(r, BR2);
        Ruleset two = applied(r);
        Firewall.removeNetwork(two, BR1);
        Firewall.removeBaseIfUnused(two); // BR2 still uses them
        assertTrue(two.hasChain(FILTER, Firewall.STAGE1));
        assertFalse(two.saved().contains("br1"), two.saved());

        Ruleset one = applied(two);
        Firewall.removeNetwork(one, BR2);
        Firewall.removeBaseIfUnused(one);
        for (String table : List.of(FILTER, NAT)) {
            for (Map.Entry<String, List<String>> chain : one.chains(table).entrySet()) {
                assertTrue(List.of("FORWARD", "PREROUTING", "OUTPUT", "POSTROUTING").contains(chain.getKey()), chain.getKey());
                assertEquals(List.of(), chain.getValue(), chain.getKey());
            }
        }
        assertTrue(one.script().contains("-X DOCKER-USER\n"));
    }

    @Test
    void aRuleOfTheUsersInDockerUserKeepsThatChainAndItsJump() {
        Ruleset r = Ruleset.parse("");
        Firewall.addNetwork(r, BR1);
        Ruleset withUser = Ruleset.parse(r.saved().replace("-A DOCKER-USER -j RETURN",
                "-A DOCKER-USER -s 192.0.2.7/32 -j DROP\n-A DOCKER-USER -j RETURN"));
        Firewall.removeNetwork(withUser, BR1);
        Firewall.removeBaseIfUnused(withUser);
        assertEquals(List.of("-s 192.0.2.7/32 -j DROP", "-j RETURN"), withUser.rules(FILTER, Firewall.USER));
        assertEquals(List.of("-j DOCKER-USER"), withUser.rules(FILTER, "FORWARD"));
        assertFalse(withUser.hasChain(FILTER, Firewall.STAGE1));
        assertFalse(withUser.hasChain(NAT, Firewall.DOCKER));
    }

    @Test
    void chainsAnotherProgramUsesAreLeftWholeWithTheirJumps() {
        Ruleset r = Ruleset.parse("");
        Firewall.addNetwork(r, BR1);
        Ruleset shared = Ruleset.parse(r.saved().replace("-A DOCKER-ISOLATION-STAGE-1 -j RETURN",
                "-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2\n"
                        + "-A DOCKER-ISOLATION-STAGE-1 -j RETURN"));
        Firewall.removeNetwork(shared, BR1);
        Firewall.removeBaseIfUnused(shared);
        for (String chain : List.of(Firewall.DOCKER, Firewall.STAGE1, Firewall.STAGE2, Firewall.USER)) {
            assertTrue(shared.hasChain(FILTER, chain), chain);
        }
        assertTrue(shared.hasChain(NAT, Firewall.DOCKER));
        assertEquals(List.of("-j DOCKER-USER", "-j DOCKER-ISOLATION-STAGE-1"), shared.rules(FILTER, "FORWARD"));
        assertFalse(shared.saved().contains("br1"));
    }

    @Test
    void publishedPortsAreDockerdsDnatAcceptAndHairpinMasqueradeForTcpUdpAndSctp() {
        Endpoint e = new Endpoint("e1", "c1", "eth0", "02:42:0a:c7:01:02", "10.199.1.2/24", "10.199.1.1", true,
                List.of(new Endpoint.PortMapping("tcp", "0.0.0.0", 8080, 80),
                        new Endpoint.PortMapping("udp", "127.0.0.1", 5353, 53),
                        new Endpoint.PortMapping("sctp", "", 9999, 99),
                        new Endpoint.PortMapping("tcp", "::", 8080, 80)));
        List<String> rules = Firewall.portRules(BR1, e).stream()
                .map(x -> x.table() + " -A " + x.chain() + " " + x.spec()).toList();
        assertEquals(List.of(
                "nat -A DOCKER ! -i br1 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.199.1.2:80",
                "filter -A DOCKER -d 10.199.1.2/32 ! -i br1 -o br1 -p tcp -m tcp --dport 80 -j ACCEPT",
                "nat -A POSTROUTING -s 10.199.1.2/32 -d 10.199.1.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE",
                "nat -A DOCKER -d 127.0.0.1/32 ! -i br1 -p udp -m udp --dport 5353 -j DNAT --to-destination 10.199.1.2:53",
                "filter -A DOCKER -d 10.199.1.2/32 ! -i br1 -o br1 -p udp -m udp --dport 53 -j ACCEPT",
                "nat -A POSTROUTING -s 10.199.1.2/32 -d 10.199.1.2/32 -p udp -m udp --dport 53 -j MASQUERADE",
                "nat -A DOCKER ! -i br1 -p sctp -m sctp --dport 9999 -j DNAT --to-destination 10.199.1.2:99",
                "filter -A DOCKER -d 10.199.1.2/32 ! -i br1 -o br1 -p sctp -m sctp --dport 99 -j ACCEPT",
                "nat -A POSTROUTING -s 10.199.1.2/32 -d 10.199.1.2/32 -p sctp -m sctp --dport 99 -j MASQUERADE"), rules);
        assertThrows(InvalidParameterException.class, () -> Firewall.portRules(BR1, new Endpoint("e1", "c1", "eth0", "",
                "10.199.1.2/24", "", true, List.of(new Endpoint.PortMapping("icmp", "", 1, 1)))));
    }

    @Test
    void deletingANetworkAlsoRemovesPortRulesOfEndpointsThatNeverLeft() {
        Ruleset r = Ruleset.parse("");
        Firewall.addNetwork(r, BR1);
        Firewall.addNetwork(r, BR2);
        Endpoint e1 = new Endpoint("e1", "c1", "eth0", "", "10.199.1.2/24", "10.199.1.1", true,
                List.of(new Endpoint.PortMapping("tcp", "10.0.0.1", 8080, 80)));
        Endpoint e2 = new Endpoint("e2", "c2", "eth0", "", "10.199.2.2/24", "10.199.2.1", true,
                List.of(new Endpoint.PortMapping("tcp", "", 8081, 80)));
        for (Firewall.Rule x : Firewall.portRules(BR1, e1)) {
            r.append(x.table(), x.chain(), x.spec());
        }
        for (Firewall.Rule x : Firewall.portRules(BR2, e2)) {
            r.append(x.table(), x.chain(), x.spec());
        }
        Ruleset after = applied(r);
        Firewall.removeNetwork(after, BR1);
        assertFalse(after.saved().contains("10.199.1."), after.saved());
        assertEquals(3, after.saved().lines().filter(l -> l.contains("10.199.2.2")).count());
    }
}
