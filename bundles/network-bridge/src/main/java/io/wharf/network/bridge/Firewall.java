package io.wharf.network.bridge;

import static io.wharf.network.bridge.Ruleset.FILTER;
import static io.wharf.network.bridge.Ruleset.NAT;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.network.Endpoint;

/**
 * The iptables rules of dockerd 20.10's bridge driver (libnetwork drivers/bridge
 * setup_ip_tables.go, iptables/iptables.go, portmapper; DOCKER-USER from firewall_linux.go), in
 * the form iptables-save prints them, with the userland proxy on (the core's): DNAT only for
 * traffic that does not come from the bridge, no hairpin NAT of the host's own addresses, and
 * loopback left out of the nat OUTPUT jump.
 *
 * <p>Every change is planned on a fresh {@code iptables-save} and written by one
 * {@code iptables-restore --noflush}; calls are serialised here so that two plans of this driver
 * never race, and a plan that fails because another program changed the rules in between is made
 * again on a new read.
 */
final class Firewall {

    static final String DOCKER = "DOCKER";
    static final String STAGE1 = "DOCKER-ISOLATION-STAGE-1";
    static final String STAGE2 = "DOCKER-ISOLATION-STAGE-2";
    static final String USER = "DOCKER-USER";
    static final String RETURN = "-j RETURN";
    static final String PREROUTING_JUMP = "-m addrtype --dst-type LOCAL -j DOCKER";
    static final String OUTPUT_JUMP = "! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER";
    static final String USER_JUMP = "-j " + USER;
    static final String STAGE1_JUMP = "-j " + STAGE1;

    private static final Logger LOG = LoggerFactory.getLogger(Firewall.class);
    private static final int ATTEMPTS = 3;
    private static final Set<String> PROTOCOLS = Set.of("tcp", "udp", "sctp");

    private final List<String> save;
    private final List<String> restore;

    Firewall() {
        this.save = List.of(HostTools.find("iptables-save"));
        this.restore = List.of(HostTools.find("iptables-restore"), "--noflush", "-w");
    }

    /** The rules now. */
    Ruleset read() throws IOException {
        return Ruleset.parse(HostTools.run(save, null));
    }

    /**
     * Reads the rules, lets {@code plan} change the copy, and writes the changes, if any, in one
     * iptables-restore; when that fails (someone else changed the rules meanwhile) it starts again.
     */
    synchronized void change(Consumer<Ruleset> plan) throws IOException {
        for (int attempt = 1;; attempt++) {
            Ruleset rules = read();
            plan.accept(rules);
            if (rules.unchanged()) {
                return;
            }
            try {
                HostTools.run(restore, rules.script());
                return;
            } catch (HostTools.ToolException e) {
                if (attempt == ATTEMPTS) {
                    throw new IOException("iptables-restore failed on\n" + rules.script() + e.getMessage(), e);
                }
                LOG.debug("iptables-restore failed, planning again: {}", e.getMessage());
            }
        }
    }

    /**
     * Deletes {@code rules} in one iptables-restore without reading the rules first (a leave's
     * common case: they are all there); when one is missing, the transaction fails whole and the
     * deletion is planned on a fresh read instead.
     */
    synchronized void delete(List<Rule> rules) throws IOException {
        StringBuilder script = new StringBuilder();
        for (String table : List.of(FILTER, NAT)) {
            List<Rule> ofTable = rules.stream().filter(r -> r.table().equals(table)).toList();
            if (!ofTable.isEmpty()) {
                script.append('*').append(table).append('\n');
                ofTable.forEach(r -> script.append("-D ").append(r.chain()).append(' ').append(r.spec()).append('\n'));
                script.append("COMMIT\n");
            }
        }
        try {
            HostTools.run(restore, script.toString());
        } catch (HostTools.ToolException e) {
            change(r -> rules.forEach(rule -> r.delete(rule.table(), rule.chain(), rule.spec())));
        }
    }

    // ---- plans ----

    /** The chains and rules every network needs, made once and shared (dockerd's setupIPChains and DOCKER-USER). */
    static void addBase(Ruleset r) {
        r.chain(NAT, DOCKER);
        r.chain(FILTER, DOCKER);
        r.chain(FILTER, STAGE1);
        r.chain(FILTER, STAGE2);
        r.chain(FILTER, USER);
        r.append(FILTER, STAGE1, RETURN);
        r.append(FILTER, STAGE2, RETURN);
        r.append(FILTER, USER, RETURN);
    }

    /**
     * The network's rules in dockerd's order (each "-I" goes on top, so the result reads as
     * dockerd's), then FORWARD's first two rules made the jumps to DOCKER-USER and the isolation
     * chain, as dockerd's EnsureJumpRule and arrangeUserFilterRule leave them.
     */
    static void addNetwork(Ruleset r, BridgeOptions n) {
        addBase(r);
        String br = n.bridge();
        if (n.internal()) {
            for (String spec : internalRules(n)) {
                r.insert(FILTER, STAGE1, spec);
            }
            icc(r, n);
        } else {
            if (n.masquerade()) {
                r.insert(NAT, "POSTROUTING", masquerade(n));
                r.insert(NAT, DOCKER, "-i " + br + " -j RETURN");
            }
            icc(r, n);
            r.insert(FILTER, "FORWARD", "-i " + br + " ! -o " + br + " -j ACCEPT");
            r.append(NAT, "PREROUTING", PREROUTING_JUMP);
            r.append(NAT, "OUTPUT", OUTPUT_JUMP);
            r.insert(FILTER, "FORWARD", "-o " + br + " -j DOCKER");
            r.insert(FILTER, "FORWARD", "-o " + br + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
            r.insert(FILTER, STAGE1, "-i " + br + " ! -o " + br + " -j " + STAGE2);
            r.insert(FILTER, STAGE2, "-o " + br + " -j DROP");
        }
        r.atTop(FILTER, "FORWARD", List.of(USER_JUMP, STAGE1_JUMP));
    }

    private static void icc(Ruleset r, BridgeOptions n) {
        String accept = iccRule(n.bridge(), "ACCEPT");
        String drop = iccRule(n.bridge(), "DROP");
        if (n.icc()) {
            r.delete(FILTER, "FORWARD", drop);
            r.insert(FILTER, "FORWARD", accept);
        } else {
            r.delete(FILTER, "FORWARD", accept);
            r.append(FILTER, "FORWARD", drop);
        }
    }

    private static String iccRule(String bridge, String target) {
        return "-i " + bridge + " -o " + bridge + " -j " + target;
    }

    private static String masquerade(BridgeOptions n) {
        return "-s " + n.subnet() + " ! -o " + n.bridge() + " -j MASQUERADE";
    }

    private static List<String> internalRules(BridgeOptions n) {
        return List.of("! -d " + n.subnet() + " -i " + n.bridge() + " -j DROP",
                "! -s " + n.subnet() + " -o " + n.bridge() + " -j DROP");
    }

    /**
     * Removes every rule the network may have made, whatever its options were, and the port rules
     * of endpoints that never left (those naming its bridge, and the hairpin masquerading of
     * addresses in its subnet). Shared chains and jumps stay.
     */
    static void removeNetwork(Ruleset r, BridgeOptions n) {
        String br = n.bridge();
        r.delete(NAT, "POSTROUTING", masquerade(n));
        r.delete(NAT, DOCKER, "-i " + br + " -j RETURN");
        r.delete(FILTER, "FORWARD", iccRule(br, "ACCEPT"));
        r.delete(FILTER, "FORWARD", iccRule(br, "DROP"));
        r.delete(FILTER, "FORWARD", "-i " + br + " ! -o " + br + " -j ACCEPT");
        r.delete(FILTER, "FORWARD", "-o " + br + " -j DOCKER");
        r.delete(FILTER, "FORWARD", "-o " + br + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
        r.delete(FILTER, STAGE1, "-i " + br + " ! -o " + br + " -j " + STAGE2);
        r.delete(FILTER, STAGE2, "-o " + br + " -j DROP");
        for (String spec : internalRules(n)) {
            r.delete(FILTER, STAGE1, spec);
        }
        Pattern dnat = Pattern.compile("(-d \\S+/32 )?! -i " + Pattern.quote(br)
                + " -p (tcp|udp|sctp) -m \\2 --dport \\d+ -j DNAT --to-destination \\S+");
        Pattern accept = Pattern.compile("-d \\S+/32 ! -i " + Pattern.quote(br) + " -o " + Pattern.quote(br)
                + " -p (tcp|udp|sctp) -m \\1 --dport \\d+ -j ACCEPT");
        Pattern hairpin = Pattern.compile("-s (\\S+)/32 -d \\1/32 -p (tcp|udp|sctp) -m \\2 --dport \\d+ -j MASQUERADE");
        for (String spec : r.rules(NAT, DOCKER)) {
            if (dnat.matcher(spec).matches()) {
                r.delete(NAT, DOCKER, spec);
            }
        }
        for (String spec : r.rules(FILTER, DOCKER)) {
            if (accept.matcher(spec).matches()) {
                r.delete(FILTER, DOCKER, spec);
            }
        }
        for (String spec : r.rules(NAT, "POSTROUTING")) {
            Matcher m = hairpin.matcher(spec);
            if (m.matches() && n.contains(m.group(1))) {
                r.delete(NAT, "POSTROUTING", spec);
            }
        }
    }

    /**
     * Removes the shared chains and their jumps once nothing but their RETURN is in them and
     * nothing but those jumps refers to them: another program using the same chain names (a system
     * dockerd) keeps them all. DOCKER-USER holding rules of the user's stays, with its jump.
     */
    static void removeBaseIfUnused(Ruleset r) {
        boolean unused = onlyReturn(r, NAT, DOCKER) && onlyReturn(r, FILTER, DOCKER)
                && onlyReturn(r, FILTER, STAGE1) && onlyReturn(r, FILTER, STAGE2)
                && referredOnlyBy(r, NAT, DOCKER, List.of("PREROUTING " + PREROUTING_JUMP, "OUTPUT " + OUTPUT_JUMP))
                && referredOnlyBy(r, FILTER, DOCKER, List.of())
                && referredOnlyBy(r, FILTER, STAGE1, List.of("FORWARD " + STAGE1_JUMP))
                && referredOnlyBy(r, FILTER, STAGE2, List.of());
        if (!unused) {
            return;
        }
        r.delete(NAT, "PREROUTING", PREROUTING_JUMP);
        r.delete(NAT, "OUTPUT", OUTPUT_JUMP);
        r.delete(FILTER, "FORWARD", STAGE1_JUMP);
        r.removeChain(NAT, DOCKER);
        r.removeChain(FILTER, DOCKER);
        r.removeChain(FILTER, STAGE1);
        r.removeChain(FILTER, STAGE2);
        if (onlyReturn(r, FILTER, USER) && referredOnlyBy(r, FILTER, USER, List.of("FORWARD " + USER_JUMP))) {
            r.delete(FILTER, "FORWARD", USER_JUMP);
            r.removeChain(FILTER, USER);
        }
    }

    private static boolean onlyReturn(Ruleset r, String table, String chain) {
        return r.rules(table, chain).stream().allMatch(RETURN::equals);
    }

    private static boolean referredOnlyBy(Ruleset r, String table, String chain, List<String> jumps) {
        return jumps.containsAll(r.references(table, chain));
    }

    /**
     * The published ports' rules of an endpoint (dockerd's portmapper, ChainInfo.Forward with the
     * userland proxy on): DNAT in nat DOCKER, ACCEPT in filter DOCKER, and the hairpin MASQUERADE in
     * POSTROUTING, as table/chain/spec triples. IPv6 host addresses are left to the core's proxy.
     */
    static List<Rule> portRules(BridgeOptions n, Endpoint endpoint) {
        Set<Rule> rules = new LinkedHashSet<>();
        String ip = endpoint.ip();
        String br = n.bridge();
        for (Endpoint.PortMapping m : endpoint.ports()) {
            String proto = m.protocol().toLowerCase(Locale.ROOT);
            if (!PROTOCOLS.contains(proto)) {
                throw new InvalidParameterException("invalid protocol " + m.protocol() + " for port " + m.containerPort());
            }
            String match = " -p " + proto + " -m " + proto + " --dport ";
            String hostIp = m.hostIp();
            if (hostIp.contains(":")) {
                continue;
            }
            var host = BridgeOptions.ipv4(hostIp);
            if (host == null) {
                throw new InvalidParameterException("invalid host IP address " + hostIp);
            }
            String dest = host.isAnyLocalAddress() ? "" : "-d " + host.getHostAddress() + "/32 ";
            rules.add(new Rule(NAT, DOCKER, dest + "! -i " + br + match + m.hostPort() + " -j DNAT --to-destination "
                    + ip + ":" + m.containerPort()));
            rules.add(new Rule(FILTER, DOCKER, "-d " + ip + "/32 ! -i " + br + " -o " + br + match + m.containerPort()
                    + " -j ACCEPT"));
            rules.add(new Rule(NAT, "POSTROUTING", "-s " + ip + "/32 -d " + ip + "/32" + match + m.containerPort()
                    + " -j MASQUERADE"));
        }
        return new ArrayList<>(rules);
    }

    /** One rule: its table, chain and specification. */
    record Rule(String table, String chain, String spec) {
    }
}
