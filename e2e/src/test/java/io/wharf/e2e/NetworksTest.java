package io.wharf.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Networking as `docker run` and `docker network` users know it: the default bridge, user-defined
 * networks with name resolution, published ports, the network modes, --icc=false, DOCKER-USER, and
 * nothing left behind. Every address involved is on this machine: the host's loopback, its bridges,
 * and the namespaces of the containers the tests make.
 */
class NetworksTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** A web page served by busybox httpd inside a container. */
    private static final String WEB = "echo hello-from-$(hostname) > /tmp/index.html; exec httpd -f -p 80 -h /tmp";

    @TempDir
    Path dir;

    private WharfDaemon daemon(String... flags) throws Exception {
        WharfDaemon d = new WharfDaemon(dir).start(flags);
        d.docker("import", "--change", "CMD [\"sh\"]", TestImages.networkToolsRootfs(dir).toString(), "busybox:latest").ok();
        return d;
    }

    private static JsonNode networkInspect(WharfDaemon d, String network) throws Exception {
        return JSON.readTree(d.docker("network", "inspect", network).ok().out()).get(0);
    }

    /** curl on the host against {@code url}; its output, or "" when it fails. */
    private static String curl(String url) throws Exception {
        Cli.Result r = Cli.run(Map.of(), List.of("curl", "-sS", "--max-time", "5", url));
        return r.exitCode() == 0 ? r.out() : "";
    }

    private static String iptablesSave() throws Exception {
        StringBuilder out = new StringBuilder();
        for (String table : List.of("filter", "nat")) {
            out.append(Cli.run(Map.of(), List.of("iptables", "-t", table, "-S")).ok().out());
        }
        return out.toString();
    }

    private static List<String> dnat(String rules) {
        return rules.lines().filter(l -> l.contains("DNAT")).toList();
    }

    private static List<String> links() throws Exception {
        return Arrays.stream(Cli.run(Map.of(), List.of("ip", "-o", "link", "show")).ok().out().split("\n"))
                .map(l -> l.split(": ")[1].replaceFirst("@.*", "")).toList();
    }

    @Test
    void containersOnAUserNetworkReachEachOtherByNameAliasAndShortIdWithNslookupAndGetent() throws Exception {
        try (WharfDaemon d = daemon()) {
            String netId = d.docker("network", "create", "appnet").ok().out().trim();
            assertEquals(64, netId.length());
            String id = d.docker("run", "-d", "--name", "web", "--network", "appnet", "--network-alias", "www",
                    "busybox", "sh", "-c", WEB).ok().out().trim();
            String ip = d.inspect("{{.NetworkSettings.Networks.appnet.IPAddress}}", "web");
            assertTrue(ip.matches("\\d+\\.\\d+\\.\\d+\\.\\d+"), ip);
            String aliases = d.inspect("{{json .NetworkSettings.Networks.appnet.Aliases}}", "web");
            assertTrue(aliases.contains("www") && aliases.contains(id.substring(0, 12)), aliases);

            for (String name : List.of("web", "www", id.substring(0, 12), "web.appnet")) {
                Cli.Result page = d.docker("run", "--rm", "--network", "appnet", "busybox", "wget", "-qO-", "http://" + name + "/");
                assertEquals("hello-from-" + id.substring(0, 12) + "\n", page.ok().out(), name);
            }
            String nslookup = d.docker("run", "--rm", "--network", "appnet", "busybox", "nslookup", "web").ok().out();
            assertTrue(nslookup.contains(ip), nslookup);
            String getent = d.docker("run", "--rm", "--network", "appnet", "busybox", "getent", "hosts", "www").ok().out();
            assertTrue(getent.startsWith(ip + " "), getent);
            String resolv = d.docker("run", "--rm", "--network", "appnet", "busybox", "cat", "/etc/resolv.conf").ok().out();
            assertTrue(resolv.contains("nameserver 127.0.0.11") && resolv.contains("ndots:0"), resolv);

            // a name on no shared network does not resolve
            d.docker("network", "create", "othernet").ok();
            Cli.Result elsewhere = d.docker("run", "--rm", "--network", "othernet", "busybox", "getent", "hosts", "web");
            assertNotEquals(0, elsewhere.exitCode(), elsewhere.toString());

            JsonNode n = networkInspect(d, "appnet");
            assertEquals("bridge", n.path("Driver").asText());
            assertEquals(ip + "/" + n.path("IPAM").path("Config").get(0).path("Subnet").asText().split("/")[1],
                    n.path("Containers").path(id).path("IPv4Address").asText(), n.toString());
            d.docker("rm", "-f", "web").ok();
            d.docker("network", "rm", "appnet", "othernet").ok();
        }
    }

    @Test
    void publishedPortsAnswerOnLoopbackAndFromOtherContainersAndPickFreePorts() throws Exception {
        try (WharfDaemon d = daemon()) {
            int port = FreePort.find();
            d.docker("run", "-d", "--name", "web", "-p", "127.0.0.1:" + port + ":80", "busybox", "sh", "-c", WEB).ok();
            String id = d.inspect("{{.Id}}", "web");
            Eventually.await(Duration.ofSeconds(10), () -> {
                try {
                    return curl("http://127.0.0.1:" + port + "/").equals("hello-from-" + id.substring(0, 12) + "\n");
                } catch (Exception e) {
                    return false;
                }
            }, "the published port answers on 127.0.0.1");
            assertEquals("127.0.0.1:" + port, d.docker("port", "web", "80").ok().out().trim());
            assertTrue(d.docker("ps", "--format", "{{.Ports}}").ok().out().contains("127.0.0.1:" + port + "->80/tcp"));

            // -P publishes the exposed port on a port the host has free, on every address
            d.docker("run", "-d", "--name", "any", "--expose", "80", "-P", "busybox", "sh", "-c", WEB).ok();
            String mapping = d.docker("port", "any", "80/tcp").ok().out().trim();
            assertTrue(mapping.startsWith("0.0.0.0:"), mapping);
            int ephemeral = Integer.parseInt(mapping.substring("0.0.0.0:".length()));
            assertTrue(ephemeral >= 32768 && ephemeral <= 60999, mapping);
            String anyId = d.inspect("{{.Id}}", "any");
            Eventually.await(Duration.ofSeconds(10), () -> {
                try {
                    return curl("http://127.0.0.1:" + ephemeral + "/").startsWith("hello-from-" + anyId.substring(0, 12));
                } catch (Exception e) {
                    return false;
                }
            }, "the ephemeral port answers");
            // from another container, through the host's address on the default bridge
            String gateway = d.inspect("{{.NetworkSettings.Gateway}}", "any");
            String page = d.docker("run", "--rm", "busybox", "wget", "-qO-", "http://" + gateway + ":" + ephemeral + "/").ok().out();
            assertEquals("hello-from-" + anyId.substring(0, 12) + "\n", page);

            // the port is taken while the container runs
            Cli.Result taken = d.docker("run", "-d", "-p", "127.0.0.1:" + port + ":80", "busybox", "sleep", "30");
            assertNotEquals(0, taken.exitCode());
            assertTrue(taken.err().contains("port is already allocated"), taken.err());
            d.docker("rm", "-f", "web", "any").ok();
            d.docker("container", "prune", "-f").ok();
            assertEquals("", curl("http://127.0.0.1:" + port + "/"), "the port is closed with its container");
        }
    }

    @Test
    void networkModesNoneHostAndContainer() throws Exception {
        try (WharfDaemon d = daemon()) {
            String none = d.docker("run", "--rm", "--network", "none", "busybox", "ip", "-o", "link").ok().out();
            assertEquals(1, none.lines().count(), none);
            assertTrue(none.contains(": lo: "), none);

            String host = d.docker("run", "--rm", "--network", "host", "busybox", "ip", "-o", "link").ok().out();
            for (String link : links()) {
                assertTrue(host.contains(": " + link), link + " in " + host);
            }

            d.docker("run", "-d", "--name", "alpha", "busybox", "sleep", "60").ok();
            String ip = d.inspect("{{.NetworkSettings.IPAddress}}", "alpha");
            assertTrue(ip.startsWith("172.") || ip.startsWith("192.168."), ip);
            assertEquals("bridge", d.docker("inspect", "--format", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}", "alpha")
                    .ok().out().trim());
            String shared = d.docker("run", "--rm", "--network", "container:alpha", "busybox", "ip", "-o", "-4", "addr").ok().out();
            assertTrue(shared.contains(ip + "/"), shared);
            String route = d.docker("exec", "alpha", "ip", "route").ok().out();
            assertTrue(route.startsWith("default via " + d.inspect("{{.NetworkSettings.Gateway}}", "alpha")), route);

            // --link on the default bridge: the target by its alias and name in /etc/hosts
            String hosts = d.docker("run", "--rm", "--link", "alpha:database", "busybox", "cat", "/etc/hosts").ok().out();
            assertTrue(hosts.lines().anyMatch(l -> l.startsWith(ip + "\t") && l.contains("database") && l.endsWith(" alpha")),
                    hosts);
            d.docker("run", "--rm", "--link", "alpha:database", "busybox", "ping", "-c", "1", "-W", "2", "database").ok();
            Cli.Result missing = d.docker("run", "--rm", "--pull", "never", "--link", "nosuch:db", "busybox", "true");
            assertTrue(missing.err().contains("could not get container for nosuch: No such container: nosuch"), missing.toString());
            d.docker("rm", "-f", "alpha").ok();
        }
    }

    @Test
    void networkCommandsWithSubnetsConnectDisconnectRemoveAndPrune() throws Exception {
        try (WharfDaemon d = daemon()) {
            d.docker("network", "create", "--subnet", "10.123.0.0/24", "--gateway", "10.123.0.254", "--ip-range",
                    "10.123.0.128/25", "--label", "team=a", "fixed").ok();
            JsonNode n = networkInspect(d, "fixed");
            JsonNode ipam = n.path("IPAM").path("Config").get(0);
            assertEquals("10.123.0.0/24", ipam.path("Subnet").asText());
            assertEquals("10.123.0.254", ipam.path("Gateway").asText());
            assertEquals("10.123.0.128/25", ipam.path("IPRange").asText());
            assertEquals("a", n.path("Labels").path("team").asText());
            assertEquals("local", n.path("Scope").asText());

            Cli.Result dup = d.docker("network", "create", "fixed");
            assertTrue(dup.err().contains("network with name fixed already exists"), dup.err());
            Cli.Result overlap = d.docker("network", "create", "--subnet", "10.123.0.0/16", "overlapping");
            assertTrue(overlap.err().contains("Pool overlaps with other one on this address space"), overlap.err());

            d.docker("run", "-d", "--name", "c1", "--network", "fixed", "--ip", "10.123.0.200", "busybox", "sleep", "60").ok();
            assertEquals("10.123.0.200", d.inspect("{{.NetworkSettings.Networks.fixed.IPAddress}}", "c1"));
            d.docker("run", "-d", "--name", "c2", "--network", "fixed", "busybox", "sleep", "60").ok();
            String c2ip = d.inspect("{{.NetworkSettings.Networks.fixed.IPAddress}}", "c2");
            assertTrue(c2ip.startsWith("10.123.0.") && Integer.parseInt(c2ip.substring(9)) >= 128, c2ip);
            d.docker("exec", "c2", "ping", "-c", "1", "-W", "2", "10.123.0.200").ok();

            Cli.Result busy = d.docker("network", "rm", "fixed");
            assertNotEquals(0, busy.exitCode());
            assertTrue(busy.err().contains("has active endpoints"), busy.err());
            Cli.Result predefined = d.docker("network", "rm", "bridge");
            assertTrue(predefined.err().contains("bridge is a pre-defined network and cannot be removed"), predefined.err());

            // connect and disconnect while running
            d.docker("network", "create", "second").ok();
            d.docker("network", "connect", "--alias", "db", "second", "c1").ok();
            String addrs = d.docker("exec", "c1", "ip", "-o", "-4", "addr").ok().out();
            assertTrue(addrs.contains("eth1"), addrs);
            d.docker("run", "--rm", "--network", "second", "busybox", "ping", "-c", "1", "-W", "2", "db").ok();
            d.docker("network", "disconnect", "second", "c1").ok();
            assertFalse(d.docker("exec", "c1", "ip", "-o", "-4", "addr").ok().out().contains("eth1"));

            List<String> names = Arrays.asList(d.docker("network", "ls", "--format", "{{.Name}}").ok().out().trim().split("\n"));
            assertTrue(names.containsAll(List.of("bridge", "host", "none", "fixed", "second")), names.toString());
            assertEquals("fixed", d.docker("network", "ls", "--filter", "label=team=a", "--format", "{{.Name}}").ok().out().trim());
            assertEquals("", d.docker("network", "ls", "--filter", "type=custom", "--filter", "name=bridge", "-q").ok().out().trim());

            String pruned = d.docker("network", "prune", "-f").ok().out();
            assertTrue(pruned.contains("second") && !pruned.contains("fixed"), pruned);
            d.docker("rm", "-f", "c1", "c2").ok();
            d.docker("network", "rm", "fixed").ok();
            Cli.Result gone = d.docker("network", "inspect", "fixed");
            assertTrue(gone.err().contains("network fixed not found"), gone.err());
        }
    }

    @Test
    void iccFalseBipAndMtuShapeTheDefaultBridgeAndDockerUserRulesAreHonoured() throws Exception {
        try (WharfDaemon d = daemon("--icc=false", "--bip", "10.125.0.1/24", "--mtu", "1400")) {
            d.docker("run", "-d", "--name", "alpha", "busybox", "sh", "-c", WEB).ok();
            String a = d.inspect("{{.NetworkSettings.IPAddress}}", "alpha");
            assertEquals("10.125.0.2", a, "--bip gives the default bridge its subnet and gateway");
            assertEquals("10.125.0.1", d.inspect("{{.NetworkSettings.Gateway}}", "alpha"));
            assertEquals("1400", d.docker("exec", "alpha", "cat", "/sys/class/net/eth0/mtu").ok().out().trim());
            JsonNode bridge = networkInspect(d, "bridge");
            assertEquals("false", bridge.path("Options").path("com.docker.network.bridge.enable_icc").asText());
            assertEquals("10.125.0.0/24", bridge.path("IPAM").path("Config").get(0).path("Subnet").asText());
            Eventually.await(Duration.ofSeconds(10), () -> {
                try {
                    return curl("http://" + a + "/").startsWith("hello-from-");
                } catch (Exception e) {
                    return false;
                }
            }, "alpha answers the host");
            Cli.Result blocked = d.docker("run", "--rm", "busybox", "sh", "-c", within3s("http://" + a + "/"));
            assertNotEquals(0, blocked.exitCode(), "--icc=false: " + blocked);

            d.docker("network", "create", "open").ok();
            d.docker("run", "-d", "--name", "beta", "--network", "open", "busybox", "sh", "-c", WEB).ok();
            Eventually.await(Duration.ofSeconds(10), () -> ok(d, "run", "--rm", "--network", "open", "busybox", "sh", "-c",
                    within3s("http://beta/")), "icc stays on for a user-defined network");
            String b = d.inspect("{{.NetworkSettings.Networks.open.IPAddress}}", "beta");
            List<String> rule = List.of("-s", "0.0.0.0/0", "-d", b + "/32", "-p", "tcp", "--dport", "80", "-j", "DROP");
            Cli.run(Map.of(), concat(List.of("iptables", "-I", "DOCKER-USER"), rule)).ok();
            try {
                Cli.Result dropped = d.docker("run", "--rm", "--network", "open", "busybox", "sh", "-c", within3s("http://beta/"));
                assertNotEquals(0, dropped.exitCode(), "a DOCKER-USER rule drops it: " + dropped);
            } finally {
                Cli.run(Map.of(), concat(List.of("iptables", "-D", "DOCKER-USER"), rule)).ok();
            }
            d.docker("run", "--rm", "--network", "open", "busybox", "sh", "-c", within3s("http://beta/")).ok();
            // an internal network has no way out: no default route
            d.docker("network", "create", "--internal", "closed").ok();
            String routes = d.docker("run", "--rm", "--network", "closed", "busybox", "ip", "route").ok().out();
            assertFalse(routes.contains("default"), routes);
            d.docker("rm", "-f", "alpha", "beta").ok();
            d.docker("network", "rm", "open", "closed").ok();
        }
    }

    /**
     * A shell command fetching {@code url} that gives up after 3 s: busybox wget's own -T crashes,
     * and timeout cannot end a wget that is the container's PID 1, so a shell stays in between.
     */
    private static String within3s(String url) {
        return "timeout 3 wget -qO- " + url + "; exit $?";
    }

    private static boolean ok(WharfDaemon d, String... args) {
        try {
            return d.docker(args).exitCode() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    @Test
    void defaultAddressPoolsGiveTheSubnetsAndIptablesFalseMakesNoRule() throws Exception {
        // With --iptables=false the host's firewall is the administrator's. The FORWARD policy DROP
        // that a daemon with iptables leaves (dockerd's, and so Wharf's), with br_netfilter's
        // bridge-nf-call-iptables on, drops traffic inside a bridge too, for dockerd as for Wharf:
        // the test opens the policy for its duration and puts back what it found.
        String policy = forwardPolicy();
        Cli.run(Map.of(), List.of("iptables", "-P", "FORWARD", "ACCEPT")).ok();
        String rulesBefore = iptablesSave();
        try (WharfDaemon d = daemon("--default-address-pool", "base=10.126.0.0/16,size=24", "--iptables=false",
                "--ip-masq=false")) {
            assertEquals("10.126.0.0/24", networkInspect(d, "bridge").path("IPAM").path("Config").get(0).path("Subnet").asText());
            d.docker("network", "create", "pooled").ok();
            assertEquals("10.126.1.0/24", networkInspect(d, "pooled").path("IPAM").path("Config").get(0).path("Subnet").asText());
            d.docker("run", "-d", "--name", "web", "--network", "pooled", "-p", "80", "busybox", "sh", "-c", WEB).ok();
            Eventually.await(Duration.ofSeconds(10), () -> ok(d, "run", "--rm", "--network", "pooled", "busybox", "sh", "-c",
                    within3s("http://web/")), "containers on the network reach each other");
            assertEquals(rulesBefore, iptablesSave(), "--iptables=false: the daemon made no rule");
            d.docker("rm", "-f", "web").ok();
            d.docker("network", "rm", "pooled").ok();
        } finally {
            Cli.run(Map.of(), List.of("iptables", "-P", "FORWARD", policy)).ok();
        }
    }

    /** The policy of the filter table's FORWARD chain: its "-P FORWARD POLICY" line. */
    private static String forwardPolicy() throws Exception {
        return Cli.run(Map.of(), List.of("iptables", "-S", "FORWARD")).ok().out().lines()
                .filter(l -> l.startsWith("-P FORWARD ")).findFirst().orElseThrow().substring("-P FORWARD ".length()).strip();
    }

    @Test
    void removingEverythingAndStoppingLeavesNoBridgeVethOrRuleBehind() throws Exception {
        String rulesBefore = iptablesSave();
        List<String> linksBefore = links();
        try (WharfDaemon d = daemon()) {
            d.docker("network", "create", "temp").ok();
            d.docker("run", "-d", "--name", "xray", "--network", "temp", "-p", "127.0.0.1::80", "busybox", "sleep", "60").ok();
            d.docker("run", "-d", "--name", "yank", "-p", "80", "busybox", "sleep", "60").ok();
            assertTrue(links().stream().anyMatch(l -> l.startsWith("veth")), links().toString());
            assertEquals(dnat(rulesBefore).size() + 2, dnat(iptablesSave()).size(), "published ports have their DNAT rules");
            d.docker("rm", "-f", "xray", "yank").ok();
            d.docker("network", "rm", "temp").ok();
            assertEquals(dnat(rulesBefore), dnat(iptablesSave()), "the DNAT rules went with the containers");
            assertEquals(linksBefore.size() + 1, links().size(), "only the default bridge is left: " + links());
            assertEquals(0, d.stop());
        }
        assertEquals(linksBefore, links());
        assertEquals(rulesBefore, iptablesSave());
    }

    @Test
    void aRestartKeepsNetworksAndTheAddressesOfRunningContainers() throws Exception {
        WharfDaemon d = daemon("--live-restore");
        try {
            d.docker("network", "create", "--subnet", "10.124.0.0/24", "kept").ok();
            String netId = networkInspect(d, "kept").path("Id").asText();
            d.docker("run", "-d", "--name", "web", "--network", "kept", "busybox", "sh", "-c", WEB).ok();
            String id = d.inspect("{{.Id}}", "web");
            String ip = d.inspect("{{.NetworkSettings.Networks.kept.IPAddress}}", "web");
            d.kill();

            d.start("--live-restore");
            assertEquals(netId, networkInspect(d, "kept").path("Id").asText());
            assertEquals("10.124.0.0/24", networkInspect(d, "kept").path("IPAM").path("Config").get(0).path("Subnet").asText());
            assertEquals(ip, d.inspect("{{.NetworkSettings.Networks.kept.IPAddress}}", "web"));
            assertEquals("hello-from-" + id.substring(0, 12) + "\n",
                    d.docker("run", "--rm", "--network", "kept", "busybox", "wget", "-qO-", "http://web/").ok().out());
            // a new container does not get the address the running one kept
            String other = d.docker("run", "--rm", "--network", "kept", "busybox", "ip", "-o", "-4", "addr", "show", "eth0").ok().out();
            assertFalse(other.contains(" " + ip + "/"), other);
            d.docker("rm", "-f", "web").ok();
            d.docker("network", "rm", "kept").ok();
        } finally {
            d.stop();
            // --live-restore keeps the default bridge and its rules through a stop; a daemon without it takes them away
            d.start();
            d.stop();
        }
    }

    @Test
    void aDaemonKilledWhileContainersRunReleasesTheirNetworkingWhenItStartsAgain() throws Exception {
        String rulesBefore = iptablesSave();
        WharfDaemon d = daemon();
        try {
            d.docker("network", "create", "crash").ok();
            int port = FreePort.find();
            d.docker("run", "-d", "--name", "victim", "--network", "crash", "-p", "127.0.0.1:" + port + ":80", "busybox",
                    "sh", "-c", WEB).ok();
            assertEquals(dnat(rulesBefore).size() + 1, dnat(iptablesSave()).size());
            d.kill();

            d.start();
            assertEquals("exited", d.inspect("{{.State.Status}}", "victim"));
            assertEquals(dnat(rulesBefore), dnat(iptablesSave()), "the port's DNAT rule went with the stopped container");
            assertEquals(List.of(), listing(d.execRoot.resolve("netns")), "no network namespace is left");
            assertEquals(List.of(), listing(d.dataRoot.resolve("network/sandboxes")), "no sandbox record is left");
            assertEquals("", curl("http://127.0.0.1:" + port + "/"));

            d.docker("start", "victim").ok();
            Eventually.await(Duration.ofSeconds(10), () -> {
                try {
                    return curl("http://127.0.0.1:" + port + "/").startsWith("hello-from-");
                } catch (Exception e) {
                    return false;
                }
            }, "the container's port answers again once it runs");
            d.docker("rm", "-f", "victim").ok();
            d.docker("network", "rm", "crash").ok();
        } finally {
            d.stop();
        }
    }

    private static List<String> listing(Path dir) throws Exception {
        if (!java.nio.file.Files.isDirectory(dir)) {
            return List.of();
        }
        try (var files = java.nio.file.Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }
}
