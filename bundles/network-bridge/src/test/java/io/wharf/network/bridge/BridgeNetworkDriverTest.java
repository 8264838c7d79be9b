package io.wharf.network.bridge;

import static io.wharf.network.bridge.KernelFixture.iptablesSave;
import static io.wharf.network.bridge.KernelFixture.linkExists;
import static io.wharf.network.bridge.KernelFixture.ping;
import static io.wharf.network.bridge.KernelFixture.rules;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.linux.NetworkNamespaces;
import io.wharf.core.spi.network.DriverSettings;
import io.wharf.core.spi.network.Endpoint;
import io.wharf.core.spi.network.Network;

/**
 * The driver on the real kernel, as root: bridges, veth pairs into network namespaces, iptables.
 * Traffic stays between the test's namespaces and the host's bridge addresses.
 */
class BridgeNetworkDriverTest {

    private static final DriverSettings IPTABLES = new DriverSettings(true, false, 0);
    private static final int ROUNDS = 20;

    @TempDir
    Path dir;

    private KernelFixture k;
    private BridgeNetworkDriver driver;

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "bridges, namespaces and iptables need root");
        k = new KernelFixture(dir);
        driver = k.driver;
        driver.configure(IPTABLES);
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (k != null) {
            k.close();
        }
    }

    private static String bridge(Network n) {
        return n.options().get(Network.BRIDGE_NAME);
    }

    private static String gateway(Network n) {
        return n.ipv4().getFirst().gateway();
    }

    private static String subnet(Network n) {
        return n.ipv4().getFirst().subnet();
    }

    private static int port() {
        return ThreadLocalRandom.current().nextInt(20000, 60000);
    }

    /** A new sandbox with an endpoint of {@code n}, joined. */
    private record Joined(Path sandbox, Endpoint endpoint) {
        String ip() {
            return endpoint.ip();
        }
    }

    private Joined join(Network n, Endpoint.PortMapping... ports) throws IOException {
        Path sandbox = k.sandbox();
        Endpoint e = k.endpoint(n, List.of(ports));
        driver.join(n, e, sandbox);
        return new Joined(sandbox, e);
    }

    /** The rules dockerd 20.10 makes for a bridge network with default options, as iptables-save prints them. */
    private static List<String> dockerdRules(Network n) {
        String br = bridge(n);
        return List.of(
                "-A FORWARD -j DOCKER-USER",
                "-A FORWARD -j DOCKER-ISOLATION-STAGE-1",
                "-A FORWARD -o " + br + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "-A FORWARD -o " + br + " -j DOCKER",
                "-A FORWARD -i " + br + " ! -o " + br + " -j ACCEPT",
                "-A FORWARD -i " + br + " -o " + br + " -j ACCEPT",
                "-A DOCKER-ISOLATION-STAGE-1 -i " + br + " ! -o " + br + " -j DOCKER-ISOLATION-STAGE-2",
                "-A DOCKER-ISOLATION-STAGE-1 -j RETURN",
                "-A DOCKER-ISOLATION-STAGE-2 -o " + br + " -j DROP",
                "-A DOCKER-ISOLATION-STAGE-2 -j RETURN",
                "-A DOCKER-USER -j RETURN",
                "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
                "-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER",
                "-A POSTROUTING -s " + subnet(n) + " ! -o " + br + " -j MASQUERADE",
                "-A DOCKER -i " + br + " -j RETURN");
    }

    private static void assertHasAll(List<String> expected, List<String> actual) {
        List<String> missing = new ArrayList<>(expected);
        missing.removeAll(actual);
        assertEquals(List.of(), missing, "missing from iptables-save:\n" + String.join("\n", actual));
    }

    @Test
    void createNetworkMakesAnUpBridgeWithTheGatewayAddressAndDockerdsRules() throws Exception {
        Network n = k.network();
        driver.createNetwork(n);

        String link = HostTools.run("ip", "-d", "-j", "addr", "show", "dev", bridge(n));
        assertTrue(link.contains("\"info_kind\":\"bridge\""), link);
        assertTrue(link.contains("\"local\":\"" + gateway(n) + "\",\"prefixlen\":24"), link);
        assertTrue(link.contains("\"mtu\":1500"), link);
        assertTrue(link.matches("(?s).*\"flags\":\\[[^]]*\"UP\".*"), link);
        assertTrue(link.contains("\"ifalias\":\"wharf\""), link);

        List<String> rules = rules();
        assertHasAll(dockerdRules(n), rules);
        List<String> forward = rules.stream().filter(r -> r.startsWith("-A FORWARD ")).toList();
        assertEquals(List.of("-A FORWARD -j DOCKER-USER", "-A FORWARD -j DOCKER-ISOLATION-STAGE-1"), forward.subList(0, 2));
    }

    @Test
    void createNetworkASecondTimeChangesNothing() throws Exception {
        Network n = k.network(false, Map.of(Network.MTU, "1400"));
        driver.createNetwork(n);
        String firewall = iptablesSave();
        String link = HostTools.run("ip", "addr", "show", "dev", bridge(n));

        driver.createNetwork(n);
        assertEquals(firewall, iptablesSave());
        assertEquals(link, HostTools.run("ip", "addr", "show", "dev", bridge(n)));
        assertTrue(link.contains("mtu 1400"), link);

        // and a new driver (a daemon restart) finds it all in place too
        BridgeNetworkDriver restarted = new BridgeNetworkDriver();
        restarted.configure(IPTABLES);
        restarted.createNetwork(n);
        assertEquals(firewall, iptablesSave());
        assertEquals(link, HostTools.run("ip", "addr", "show", "dev", bridge(n)));
    }

    @Test
    void twoSandboxesJoinedToANetworkPingEachOtherAndTheGateway() throws Exception {
        Network n = k.network();
        driver.createNetwork(n);
        Joined a = join(n);
        Joined b = join(n);

        assertTrue(ping(a.sandbox(), b.ip()), "a pings b");
        assertTrue(ping(b.sandbox(), a.ip()), "b pings a");
        assertTrue(ping(a.sandbox(), gateway(n)), "a pings the gateway");

        String eth0 = KernelFixture.insideOutput(a.sandbox(), "ip", "-o", "addr", "show", "dev", "eth0");
        assertTrue(eth0.contains("inet " + a.endpoint().address()), eth0);
        String linkA = KernelFixture.insideOutput(a.sandbox(), "ip", "-o", "link", "show", "dev", "eth0");
        assertTrue(linkA.contains("link/ether " + a.endpoint().macAddress()), linkA);
        assertTrue(linkA.contains("mtu 1500"), linkA);
        assertTrue(KernelFixture.insideOutput(a.sandbox(), "ip", "route").contains("default via " + gateway(n) + " dev eth0"));
        assertTrue(KernelFixture.insideOutput(a.sandbox(), "ip", "-o", "link", "show", "dev", "lo").contains("UP"));
        String host = HostTools.run("ip", "-o", "link", "show", "dev", BridgeNetworkDriver.hostVeth(a.endpoint()));
        assertTrue(host.contains("master " + bridge(n)) && host.contains("state UP"), host);
    }

    @Test
    void enableIccFalseStopsTrafficBetweenTheNetworksContainersButNotToTheGateway() throws Exception {
        Network n = k.network(false, Map.of(Network.ENABLE_ICC, "false"));
        driver.createNetwork(n);
        Joined a = join(n);
        Joined b = join(n);

        assertTrue(ping(a.sandbox(), gateway(n)), "a pings the gateway");
        assertFalse(ping(a.sandbox(), b.ip()), "a must not reach b");
        List<String> rules = rules();
        assertTrue(rules.contains("-A FORWARD -i " + bridge(n) + " -o " + bridge(n) + " -j DROP"));
        assertFalse(rules.contains("-A FORWARD -i " + bridge(n) + " -o " + bridge(n) + " -j ACCEPT"));
    }

    @Test
    void aPublishedTcpPortIsReachedFromTheHostThroughTheGatewayAddress() throws Exception {
        Network n = k.network();
        driver.createNetwork(n);
        Path a = k.sandbox();
        int anyAddress = port();
        int gatewayOnly = anyAddress + 1;
        Endpoint e = k.endpoint(n, List.of(new Endpoint.PortMapping("tcp", "0.0.0.0", anyAddress, 8080),
                new Endpoint.PortMapping("tcp", gateway(n), gatewayOnly, 8080)));
        driver.join(n, e, a);
        String br = bridge(n);
        assertHasAll(List.of(
                "-A DOCKER ! -i " + br + " -p tcp -m tcp --dport " + anyAddress + " -j DNAT --to-destination " + e.ip() + ":8080",
                "-A DOCKER -d " + gateway(n) + "/32 ! -i " + br + " -p tcp -m tcp --dport " + gatewayOnly
                        + " -j DNAT --to-destination " + e.ip() + ":8080",
                "-A DOCKER -d " + e.ip() + "/32 ! -i " + br + " -o " + br + " -p tcp -m tcp --dport 8080 -j ACCEPT",
                "-A POSTROUTING -s " + e.ip() + "/32 -d " + e.ip() + "/32 -p tcp -m tcp --dport 8080 -j MASQUERADE"),
                rules());

        try (ServerSocketChannel server = NetworkNamespaces.call(a,
                () -> ServerSocketChannel.open().bind(new InetSocketAddress(8080)))) {
            Thread answering = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 2; i++) {
                    try (SocketChannel c = server.accept()) {
                        c.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)));
                    } catch (IOException ignored) {
                        return;
                    }
                }
            });
            for (int hostPort : List.of(anyAddress, gatewayOnly)) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(gateway(n), hostPort), 3000);
                    s.setSoTimeout(3000);
                    assertEquals("hello", new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII));
                }
            }
            answering.join(3000);
        }

        driver.leave(n, e, a);
        assertFalse(iptablesSave().contains(e.ip()), "the port rules go with leave");
        assertFalse(linkExists(BridgeNetworkDriver.hostVeth(e)));
    }

    @Test
    void aPublishedUdpPortForwardsADatagramFromTheHostIntoTheSandbox() throws Exception {
        Network n = k.network();
        driver.createNetwork(n);
        Path a = k.sandbox();
        int hostPort = port();
        Endpoint e = k.endpoint(n, List.of(new Endpoint.PortMapping("udp", "0.0.0.0", hostPort, 5353)));
        driver.join(n, e, a);
        assertTrue(rules().contains("-A DOCKER ! -i " + bridge(n) + " -p udp -m udp --dport " + hostPort
                + " -j DNAT --to-destination " + e.ip() + ":5353"));

        try (DatagramChannel inside = NetworkNamespaces.call(a, () -> DatagramChannel.open().bind(new InetSocketAddress(5353)));
                DatagramChannel host = DatagramChannel.open()) {
            host.send(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)), new InetSocketAddress(gateway(n), hostPort));
            ByteBuffer got = ByteBuffer.allocate(16);
            Thread receiving = Thread.ofVirtual().start(() -> {
                try {
                    inside.receive(got);
                } catch (IOException ignored) {
                    // closed by the timeout below
                }
            });
            receiving.join(3000);
            assertEquals("ping", new String(got.array(), 0, got.position(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void containersOfTwoNetworksCannotReachEachOther() throws Exception {
        assumeTrue("1".equals(Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip()),
                "without forwarding nothing crosses networks anyway");
        Network n1 = k.network();
        Network n2 = k.network();
        driver.createNetwork(n1);
        driver.createNetwork(n2);
        Joined a = join(n1);
        Joined b = join(n2);

        assertTrue(ping(a.sandbox(), gateway(n1)));
        assertFalse(ping(a.sandbox(), b.ip()), "isolation stages drop a→b");
        List<String> rules = rules();
        for (Network n : List.of(n1, n2)) {
            assertTrue(rules.contains("-A DOCKER-ISOLATION-STAGE-1 -i " + bridge(n) + " ! -o " + bridge(n)
                    + " -j DOCKER-ISOLATION-STAGE-2"));
            assertTrue(rules.contains("-A DOCKER-ISOLATION-STAGE-2 -o " + bridge(n) + " -j DROP"));
        }
    }

    @Test
    void anInternalNetworkConnectsItsContainersAndDropsWhatCrossesItsSubnet() throws Exception {
        Network n = k.network(true, Map.of());
        driver.createNetwork(n);
        Joined a = join(n, new Endpoint.PortMapping("tcp", "0.0.0.0", port(), 80));
        Joined b = join(n);

        assertTrue(ping(a.sandbox(), b.ip()));
        List<String> rules = rules();
        String br = bridge(n);
        assertHasAll(List.of("-A DOCKER-ISOLATION-STAGE-1 ! -s " + subnet(n) + " -o " + br + " -j DROP",
                "-A DOCKER-ISOLATION-STAGE-1 ! -d " + subnet(n) + " -i " + br + " -j DROP",
                "-A FORWARD -i " + br + " -o " + br + " -j ACCEPT"), rules);
        assertEquals(List.of(), rules.stream().filter(r -> r.contains("MASQUERADE") || r.contains("DNAT")
                || r.contains("-o " + br + " -j DOCKER")).filter(r -> r.contains(br) || r.contains(a.ip())).toList(),
                "no NAT and no published port on an internal network");
    }

    @Test
    void aRuleTheUserPutInDockerUserStaysWithItsJumpAfterDeleteNetwork() throws Exception {
        Network n = k.network();
        driver.createNetwork(n);
        k.userRule("-s 192.0.2.7/32 -j DROP");

        driver.deleteNetwork(n);
        List<String> rules = rules();
        assertTrue(rules.contains("-A DOCKER-USER -s 192.0.2.7/32 -j DROP"), String.join("\n", rules));
        assertTrue(rules.contains("-A FORWARD -j DOCKER-USER"));
        assertFalse(linkExists(bridge(n)));
        assertFalse(iptablesSave().contains(bridge(n)));

        // once the user's rule is gone, the next deleteNetwork of the driver's last network takes the chain
        k.removeUserRules();
        driver.deleteNetwork(n);
        if (!k.baseWasThere()) { // else they are someone else's chains, not ours to remove
            assertFalse(iptablesSave().contains("DOCKER-USER"));
        }
    }

    @Test
    void withIptablesOffTheDriverMakesNoRuleAtAll() throws Exception {
        // The host's firewall is the administrator's then. A FORWARD policy of DROP left by a daemon
        // with iptables (dockerd's, or Wharf's) drops traffic inside a bridge too once br_netfilter's
        // bridge-nf-call-iptables is on: the test opens it while it runs and puts back what it found.
        String policy = HostTools.run("iptables", "-S", "FORWARD").lines().filter(l -> l.startsWith("-P FORWARD "))
                .findFirst().orElseThrow().substring("-P FORWARD ".length()).strip();
        HostTools.run("iptables", "-P", "FORWARD", "ACCEPT");
        try {
            driver.configure(new DriverSettings(false, false, 0));
            String before = iptablesSave();
            Network n = k.network(false, Map.of(Network.ENABLE_ICC, "false"));
            driver.createNetwork(n);
            Joined a = join(n, new Endpoint.PortMapping("tcp", "0.0.0.0", port(), 80));
            Joined b = join(n);
            assertEquals(before, iptablesSave());
            assertTrue(ping(a.sandbox(), b.ip()), "nothing filters the bridge either");

            driver.leave(n, a.endpoint(), a.sandbox());
            driver.leave(n, b.endpoint(), b.sandbox());
            driver.deleteNetwork(n);
            assertEquals(before, iptablesSave());
            assertFalse(linkExists(bridge(n)));
        } finally {
            HostTools.run("iptables", "-P", "FORWARD", policy);
        }
    }

    @Test
    void afterLeaveAndDeleteNetworkNoVethBridgeOrRuleOfTheDriversIsLeft() throws Exception {
        String before = iptablesSave();
        Network n1 = k.network();
        Network n2 = k.network(true, Map.of());
        Network n3 = k.network(false, Map.of(Network.ENABLE_ICC, "false", Network.ENABLE_IP_MASQUERADE, "false"));
        List<Endpoint> endpoints = new ArrayList<>();
        List<Path> sandboxes = new ArrayList<>();
        for (Network n : List.of(n1, n2, n3)) {
            driver.createNetwork(n);
            Path s = k.sandbox();
            int p = port();
            Endpoint e = k.endpoint(n, List.of(new Endpoint.PortMapping("tcp", "0.0.0.0", p, 80),
                    new Endpoint.PortMapping("udp", "127.0.0.1", p, 53)));
            driver.join(n, e, s);
            endpoints.add(e);
            sandboxes.add(s);
        }
        assertFalse(before.equals(iptablesSave()));

        List<Network> networks = List.of(n1, n2, n3);
        for (int i = 0; i < 3; i++) {
            driver.leave(networks.get(i), endpoints.get(i), sandboxes.get(i));
            assertFalse(linkExists(BridgeNetworkDriver.hostVeth(endpoints.get(i))));
            assertEquals("", KernelFixture.insideOutput(sandboxes.get(i), "ip", "-o", "link", "show", "type", "veth"));
        }
        for (Network n : networks) {
            driver.deleteNetwork(n);
            assertFalse(linkExists(bridge(n)));
        }
        assertEquals(before, iptablesSave());
    }

    @Test
    void optionsTheDriverRefusesMakeNothing() throws Exception {
        String before = iptablesSave();
        Network unknown = k.network(false, Map.of("com.docker.network.bridge.colour", "blue"));
        assertThrows(InvalidParameterException.class, () -> driver.createNetwork(unknown));
        Network mtu = k.network(false, Map.of(Network.MTU, "big"));
        assertEquals("failed to parse com.docker.network.driver.mtu value: big (strconv.Atoi: parsing \"big\": invalid syntax)",
                assertThrows(InvalidParameterException.class, () -> driver.createNetwork(mtu)).getMessage());
        assertFalse(linkExists(bridge(unknown)));
        assertFalse(linkExists(bridge(mtu)));
        assertEquals(before, iptablesSave());
    }

    @Test
    void aBridgeNameUsedByADeviceThatIsNotABridgeIsAConflict() throws Exception {
        String before = iptablesSave();
        Network n = k.network();
        String peer = k.bridgeName(); // a name the fixture removes
        HostTools.run("ip", "link", "add", bridge(n), "type", "veth", "peer", "name", peer);
        ConflictException e = assertThrows(ConflictException.class, () -> driver.createNetwork(n));
        assertTrue(e.getMessage().contains(bridge(n) + " exists and is not a bridge (veth)"), e.getMessage());
        assertTrue(HostTools.run("ip", "-d", "link", "show", "dev", bridge(n)).contains("veth"));
        assertEquals(before, iptablesSave());

        Network other = k.network(false, Map.of(Network.BRIDGE_NAME, bridge(k.network())));
        Network first = new Network(KernelFixture.id(), "first", other.ipv4(), false, other.options());
        driver.createNetwork(first);
        try {
            assertThrows(ConflictException.class, () -> driver.createNetwork(other));
        } finally {
            driver.deleteNetwork(first);
        }
    }

    @Test
    void aBridgeTheUserMadeIsUsedButNotDeletedNorStrippedOfItsAddresses() throws Exception {
        Network n = k.network();
        HostTools.run("ip", "link", "add", bridge(n), "type", "bridge");
        HostTools.run("ip", "addr", "add", "192.0.2.1/32", "dev", bridge(n));
        driver.createNetwork(n);
        String addresses = HostTools.run("ip", "-o", "addr", "show", "dev", bridge(n));
        assertTrue(addresses.contains("inet " + gateway(n) + "/24"), addresses);
        assertTrue(addresses.contains("inet 192.0.2.1/32"), addresses);
        driver.deleteNetwork(n);
        assertTrue(linkExists(bridge(n)), "the user's bridge stays");
        assertFalse(iptablesSave().contains(bridge(n)), "the rules go");
    }

    @Test
    void aNetworkMadeAgainWithAnotherSubnetLeavesOnlyTheNewGatewayOnItsBridge() throws Exception {
        Network before = k.network();
        driver.createNetwork(before);
        String subnet = k.subnet();
        Network after = new Network(before.id(), before.name(),
                List.of(new Network.Subnet(subnet, subnet.replace(".0/24", ".1"))), false, before.options());
        BridgeNetworkDriver restarted = new BridgeNetworkDriver(); // a daemon restart with another --bip
        restarted.configure(IPTABLES);
        restarted.createNetwork(after);
        String addresses = HostTools.run("ip", "-o", "-4", "addr", "show", "dev", bridge(after));
        assertEquals(1, addresses.lines().count(), addresses);
        assertTrue(addresses.contains("inet " + gateway(after) + "/24"), addresses);
        restarted.deleteNetwork(before); // its rules too: the test's clean-up removes the rest
        restarted.deleteNetwork(after);
        assertFalse(linkExists(bridge(after)));
    }

    @Test
    void aJoinThatFailsHalfWayLeavesNoVeth() throws Exception {
        Network n = k.network();
        driver.createNetwork(n);
        Path a = k.sandbox();
        Endpoint good = k.endpoint(n, List.of(new Endpoint.PortMapping("tcp", "0.0.0.0", port(), 80)));
        // a gateway outside the subnet: the default route cannot be made, after the veth was
        Endpoint bad = new Endpoint(good.id(), good.containerId(), "eth0", good.macAddress(), good.address(),
                "192.0.2.1", true, good.ports());
        assertThrows(IOException.class, () -> driver.join(n, bad, a));
        assertFalse(linkExists(BridgeNetworkDriver.hostVeth(bad)));
        assertEquals("", KernelFixture.insideOutput(a, "ip", "-o", "link", "show", "type", "veth"));
        assertFalse(iptablesSave().contains(good.ip()));

        driver.join(n, good, a); // and the sandbox is as good as new
        assertTrue(ping(a, gateway(n)));
    }

    @Test
    void leaveIsNoErrorWhenTheSandboxAndItsVethAreGone() throws Exception {
        Network n = k.network();
        driver.createNetwork(n);
        Path a = k.sandbox();
        Endpoint e = k.endpoint(n, List.of(new Endpoint.PortMapping("tcp", "0.0.0.0", port(), 80)));
        driver.join(n, e, a);
        driver.leave(n, e, a);
        driver.leave(n, e, a);
        NetworkNamespaces.delete(a);
        driver.leave(n, e, a);
        assertFalse(iptablesSave().contains(e.ip()));
    }

    @Test
    void joinAndLeaveTakeAFewTensOfMilliseconds() throws Exception {
        Network n = k.network();
        driver.createNetwork(n);
        Path a = k.sandbox();
        double[] withoutPorts = joinAndLeave(n, a, false);
        double[] withPort = joinAndLeave(n, a, true);
        System.out.printf("bridge driver, mean of %d: no port: join %.1f ms, leave %.1f ms; one tcp port: join %.1f ms, "
                + "leave %.1f ms, join+leave %.1f ms%n", ROUNDS, withoutPorts[0], withoutPorts[1], withPort[0], withPort[1],
                withPort[0] + withPort[1]);
        assertTrue(withPort[0] + withPort[1] < 200, "join+leave with a port took " + (withPort[0] + withPort[1]) + " ms");
    }

    /** Mean milliseconds of a join and of a leave, after one warm-up round. */
    private double[] joinAndLeave(Network n, Path sandbox, boolean port) throws IOException {
        double[] ms = new double[2];
        for (int i = -1; i < ROUNDS; i++) {
            Endpoint e = k.endpoint(n, port ? List.of(new Endpoint.PortMapping("tcp", "0.0.0.0", port(), 80)) : List.of());
            long t0 = System.nanoTime();
            driver.join(n, e, sandbox);
            long t1 = System.nanoTime();
            driver.leave(n, e, sandbox);
            long t2 = System.nanoTime();
            if (i >= 0) {
                ms[0] += (t1 - t0) / 1e6 / ROUNDS;
                ms[1] += (t2 - t1) / 1e6 / ROUNDS;
            }
        }
        return ms;
    }
}
