package io.wharf.network.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.wharf.core.spi.linux.NetworkNamespaces;
import io.wharf.core.spi.network.Endpoint;
import io.wharf.core.spi.network.Network;

/**
 * What a kernel test makes (bridges named "wt" + random hex, subnets in 10.199.0.0/16, sandboxes
 * under a temporary directory, endpoint veths), remembered so that {@link #close} removes all of it
 * whatever the test did: the driver's own deleteNetwork first, then the devices, sandboxes and any
 * rule that still names a bridge or subnet of the test, then the shared chains when they were not
 * there before the test and are empty again.
 */
final class KernelFixture implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern COUNTERS = Pattern.compile(" \\[\\d+:\\d+\\]");

    final BridgeNetworkDriver driver = new BridgeNetworkDriver();
    private final Path dir;
    private final String tag = HexFormat.of().formatHex(randomBytes(3));
    private final int octet = RANDOM.nextInt(200);
    private final List<Network> networks = new ArrayList<>();
    private final List<String> devices = new ArrayList<>();
    private final List<Path> sandboxes = new ArrayList<>();
    private final List<String> userRules = new ArrayList<>();
    private final List<String> subnetPrefixes = new ArrayList<>();
    private final boolean baseWasThere;
    private int bridges;
    private int subnets;
    private int hosts = 1;

    KernelFixture(Path dir) throws IOException {
        this.dir = dir;
        Ruleset now = new Firewall().read();
        this.baseWasThere = now.hasChain(Ruleset.FILTER, Firewall.STAGE1) || now.hasChain(Ruleset.FILTER, Firewall.USER)
                || now.hasChain(Ruleset.NAT, Firewall.DOCKER) || now.hasChain(Ruleset.FILTER, Firewall.DOCKER);
    }

    /** Whether the driver's shared chains were there before the test (another program's, or a test's left over). */
    boolean baseWasThere() {
        return baseWasThere;
    }

    static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    static String id() {
        return HexFormat.of().formatHex(randomBytes(32));
    }

    /** A new bridge name of this test: "wt" + 6 hex + a counter. */
    String bridgeName() {
        String name = "wt" + tag + (bridges++);
        devices.add(name);
        return name;
    }

    /** A new /24 of this test: 10.199.N.0/24. */
    String subnet() {
        String prefix = "10.199." + (octet + subnets++) + ".";
        subnetPrefixes.add(prefix);
        return prefix + "0/24";
    }

    /** A network of this test on a new bridge and subnet, gateway .1, with {@code options} added. */
    Network network(boolean internal, Map<String, String> options) {
        String subnet = subnet();
        String prefix = subnet.substring(0, subnet.lastIndexOf('.') + 1);
        Map<String, String> opts = new java.util.HashMap<>(options);
        opts.putIfAbsent(Network.BRIDGE_NAME, bridgeName());
        Network n = new Network(id(), "wtest", List.of(new Network.Subnet(subnet, prefix + "1")), internal, opts);
        networks.add(n);
        return n;
    }

    Network network() {
        return network(false, Map.of());
    }

    /** A sandbox: a new network namespace bound on a file. */
    Path sandbox() throws IOException {
        Path file = dir.resolve("sandbox" + sandboxes.size());
        NetworkNamespaces.create(file);
        sandboxes.add(file);
        return file;
    }

    /** An endpoint on {@code n} with the next address of its subnet, the default route and {@code ports}. */
    Endpoint endpoint(Network n, List<Endpoint.PortMapping> ports) {
        String gateway = n.ipv4().getFirst().gateway();
        String prefix = gateway.substring(0, gateway.lastIndexOf('.') + 1);
        int host = ++hosts;
        String id = id();
        devices.add("veth" + id.substring(0, 7));
        return new Endpoint(id, id(), "eth0", String.format("02:42:0a:c7:%02x:%02x", host >> 8, host & 0xff),
                prefix + host + "/24", gateway, true, ports);
    }

    /** Remembers a rule the test put in DOCKER-USER as "the user", to take it out in the end. */
    void userRule(String spec) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("iptables", "-w", "-I", Firewall.USER, "1"));
        cmd.addAll(List.of(spec.split(" ")));
        HostTools.run(cmd, null);
        userRules.add(spec);
    }

    void removeUserRules() throws IOException {
        new Firewall().change(r -> {
            for (String spec : userRules) {
                r.delete(Ruleset.FILTER, Firewall.USER, spec);
            }
        });
        userRules.clear();
    }

    /** Runs {@code command} in the sandbox: true when it exits with 0. */
    static boolean inside(Path sandbox, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + sandbox));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor() == 0;
    }

    static String insideOutput(Path sandbox, String... command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + sandbox));
        cmd.addAll(List.of(command));
        return HostTools.run(cmd, null);
    }

    static boolean ping(Path from, String ip) throws IOException, InterruptedException {
        return inside(from, "/bin/busybox", "ping", "-c1", "-W2", ip);
    }

    /** Whether a device of this name is in the daemon's namespace. */
    static boolean linkExists(String name) throws IOException {
        return Files.exists(Path.of("/sys/class/net", name));
    }

    /**
     * iptables-save without comments and counters, and without tables that hold nothing but their
     * built-in chains with the ACCEPT policy (the first use of a table makes it appear empty).
     */
    static String iptablesSave() throws IOException {
        String saved = HostTools.run("iptables-save");
        StringBuilder out = new StringBuilder();
        StringBuilder table = null;
        boolean significant = false;
        for (String line : saved.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            line = COUNTERS.matcher(line).replaceAll("");
            if (line.startsWith("*")) {
                table = new StringBuilder();
                significant = false;
            }
            if (table == null) {
                continue;
            }
            table.append(line).append('\n');
            if (line.startsWith("-") || (line.startsWith(":") && !line.matches(":[A-Z]+ ACCEPT"))) {
                significant = true;
            }
            if (line.equals("COMMIT")) {
                if (significant) {
                    out.append(table);
                }
                table = null;
            }
        }
        return out.toString();
    }

    /** The iptables-save lines that are "-A" rules. */
    static List<String> rules() throws IOException {
        return iptablesSave().lines().filter(l -> l.startsWith("-A ")).toList();
    }

    static void assertSameFirewall(String before, String after) {
        assertEquals(before, after, "iptables-save differs");
    }

    @Override
    public void close() throws IOException {
        List<Exception> failures = new ArrayList<>();
        if (!userRules.isEmpty()) {
            try {
                removeUserRules();
            } catch (IOException e) {
                failures.add(e);
            }
        }
        driver.configure(new io.wharf.core.spi.network.DriverSettings(true, false, 0));
        for (Network n : networks.reversed()) {
            try {
                driver.deleteNetwork(n);
            } catch (io.wharf.core.spi.errors.ApiException e) {
                // a network the test made to be refused: the driver never made anything of it
            } catch (IOException | RuntimeException e) {
                failures.add(e);
            }
        }
        for (Path s : sandboxes) {
            try {
                NetworkNamespaces.delete(s);
            } catch (IOException e) {
                failures.add(e);
            }
        }
        for (String d : devices) {
            if (linkExists(d)) {
                new Links().delete(d);
            }
        }
        new Firewall().change(r -> {
            for (String table : List.of(Ruleset.FILTER, Ruleset.NAT)) {
                for (String chain : List.copyOf(r.chains(table).keySet())) {
                    for (String spec : r.rules(table, chain)) {
                        if (spec.contains("wt" + tag) || subnetPrefixes.stream().anyMatch(spec::contains)) {
                            r.delete(table, chain, spec);
                        }
                    }
                }
            }
            if (!baseWasThere) {
                Firewall.removeBaseIfUnused(r);
            }
        });
        if (!failures.isEmpty()) {
            IOException e = new IOException("cleaning up: " + failures.getFirst().getMessage(), failures.getFirst());
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }
}
