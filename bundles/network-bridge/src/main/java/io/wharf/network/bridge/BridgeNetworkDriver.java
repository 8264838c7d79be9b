package io.wharf.network.bridge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.network.DriverSettings;
import io.wharf.core.spi.network.Endpoint;
import io.wharf.core.spi.network.Network;
import io.wharf.core.spi.network.NetworkDriver;

/**
 * The "bridge" network driver, after dockerd 20.10's (libnetwork drivers/bridge): a Linux bridge
 * per network with the gateway address, a veth pair per endpoint, and dockerd's iptables rules for
 * masquerading, inter-container communication, isolation between networks and published ports.
 *
 * <p>The driver keeps no state of its own on disk: what it made is found in the kernel from the
 * network and endpoint it is handed (host veth names derive from the endpoint id, bridges it made
 * carry an alias, rules are recognised by their text). Its only memory is the set of networks
 * created since it started, to know when the last one goes and the shared chains may go with it.
 *
 * <p>It has no deactivate method on purpose: a bundle stopped (removed from deploy/, updated)
 * leaves the bridges, veths and rules as they are, so running containers stay connected; only
 * {@link #deleteNetwork} removes.
 */
@Component(service = NetworkDriver.class, property = NetworkDriver.NAME + "=bridge")
public final class BridgeNetworkDriver implements NetworkDriver {

    private static final Logger LOG = LoggerFactory.getLogger(BridgeNetworkDriver.class);
    private static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");
    private static final Path BRIDGE_NF_CALL_IPTABLES = Path.of("/proc/sys/net/bridge/bridge-nf-call-iptables");
    private static final int VETH_ID_LENGTH = 7;

    private final Links links = new Links();
    private final Firewall firewall = new Firewall();
    /** network id → its options, for the networks created since the driver started; its monitor serialises create and delete. */
    private final Map<String, BridgeOptions> networks = new HashMap<>();
    private volatile DriverSettings settings = new DriverSettings(true, true, 0);

    @Override
    public void configure(DriverSettings settings) throws IOException {
        this.settings = settings;
        if (settings.ipForward() && !"1".equals(Files.readString(IP_FORWARD, StandardCharsets.US_ASCII).strip())) {
            Files.writeString(IP_FORWARD, "1\n", StandardCharsets.US_ASCII);
            LOG.info("turned on IPv4 forwarding");
            if (settings.iptables()) {
                // dockerd's setupIPForwarding: a host that was no router does not become an open one
                HostTools.run(HostTools.find("iptables"), "-w", "-P", "FORWARD", "DROP");
                LOG.info("set the policy of iptables' FORWARD chain to DROP, as dockerd does when it turns on forwarding");
            }
        }
    }

    @Override
    public void createNetwork(Network network) throws IOException {
        DriverSettings s = settings;
        BridgeOptions n = BridgeOptions.of(network, s.mtu());
        synchronized (networks) {
            for (BridgeOptions other : networks.values()) {
                if (other.bridge().equals(n.bridge()) && !other.networkId().equals(n.networkId())) {
                    throw new ConflictException("cannot create network " + n.networkId() + " (" + n.bridge()
                            + "): conflicts with network " + other.networkId() + " (" + other.bridge()
                            + "): networks have same bridge name");
                }
            }
            Links.Device device = links.device(n.bridge());
            if (device != null && !device.isBridge()) {
                throw new ConflictException("cannot create network " + n.networkId() + ": device " + n.bridge()
                        + " exists and is not a bridge (" + (device.kind().isEmpty() ? "no kind" : device.kind()) + ")");
            }
            boolean create = device == null;
            try {
                links.setUpBridge(n.bridge(), n.mtu(), n.gateway(), device);
                if (s.iptables()) {
                    if (!n.icc()) {
                        bridgeNetfilter();
                    }
                    firewall.change(rules -> Firewall.addNetwork(rules, n));
                }
            } catch (IOException | RuntimeException e) {
                if (create) {
                    quietly(() -> deleteBridgeIfOurs(n));
                }
                throw e;
            }
            networks.put(n.networkId(), n);
        }
    }

    /**
     * dockerd's setupBridgeNetFiltering for {@code enable_icc=false}: traffic between two ports of
     * a bridge reaches iptables only with br_netfilter's bridge-nf-call-iptables on.
     */
    private static void bridgeNetfilter() throws IOException {
        if (!Files.exists(BRIDGE_NF_CALL_IPTABLES)) {
            LOG.warn("{} is missing (no br_netfilter): enable_icc=false cannot stop traffic inside a bridge",
                    BRIDGE_NF_CALL_IPTABLES);
            return;
        }
        if (!"1".equals(Files.readString(BRIDGE_NF_CALL_IPTABLES, StandardCharsets.US_ASCII).strip())) {
            Files.writeString(BRIDGE_NF_CALL_IPTABLES, "1\n", StandardCharsets.US_ASCII);
        }
    }

    @Override
    public void deleteNetwork(Network network) throws IOException {
        DriverSettings s = settings;
        BridgeOptions n = BridgeOptions.of(network, s.mtu());
        synchronized (networks) {
            networks.remove(n.networkId());
            boolean last = networks.isEmpty();
            if (s.iptables()) {
                firewall.change(rules -> {
                    Firewall.removeNetwork(rules, n);
                    if (last) {
                        Firewall.removeBaseIfUnused(rules);
                    }
                });
            }
            deleteBridgeIfOurs(n);
        }
    }

    /** Deletes the network's bridge when this driver made it (it carries the alias), never a bridge the user made. */
    private void deleteBridgeIfOurs(BridgeOptions n) throws IOException {
        Links.Device device = links.device(n.bridge());
        if (device != null && device.madeByUs()) {
            links.delete(n.bridge());
        } else if (device != null) {
            LOG.info("network {}: bridge {} was not made by wharf; it stays", n.networkId(), n.bridge());
        }
    }

    /**
     * The veth pair and the sandbox's side are made while the port rules are written (a separate
     * process, planned on its own iptables-save): the two do not depend on each other, and a join
     * costs the longer of the two instead of their sum. A failure of either undoes both.
     */
    @Override
    public void join(Network network, Endpoint endpoint, Path sandbox) throws IOException {
        DriverSettings s = settings;
        BridgeOptions n = BridgeOptions.of(network, s.mtu());
        List<Firewall.Rule> ports = s.iptables() && !n.internal() ? Firewall.portRules(n, endpoint) : List.of();
        String veth = hostVeth(endpoint);
        Concurrently rules = Concurrently.start(ports.isEmpty() ? null : () -> firewall.change(r -> {
            if (!r.hasChain(Ruleset.NAT, Firewall.DOCKER) || !r.hasChain(Ruleset.FILTER, Firewall.DOCKER)) {
                Firewall.addNetwork(r, n); // flushed by someone since createNetwork
            }
            for (Firewall.Rule rule : ports) {
                r.append(rule.table(), rule.chain(), rule.spec());
            }
        }));
        Exception failure = null;
        boolean made = false;
        try {
            // A host veth of this name that exists already is not replaced: its peer lives (a dead
            // sandbox takes its pair with it), so it belongs to a live endpoint whose id shares 7 characters.
            links.addVeth(veth, n.bridge(), n.mtu(), sandbox, endpoint.interfaceName(), endpoint.macAddress());
            made = true;
            links.setUpInside(sandbox, endpoint.interfaceName(), endpoint.address(),
                    endpoint.defaultRoute() ? endpoint.gateway() : "");
        } catch (IOException | RuntimeException e) {
            failure = e;
        }
        failure = rules.await(failure);
        if (failure != null) {
            if (!ports.isEmpty()) {
                quietly(() -> removePorts(ports));
            }
            if (made) {
                quietly(() -> links.delete(veth));
            }
            throw Concurrently.rethrow(failure);
        }
    }

    /** The port rules go while the veth is deleted (each waits on the kernel for some 15 ms). */
    @Override
    public void leave(Network network, Endpoint endpoint, Path sandbox) throws IOException {
        DriverSettings s = settings;
        BridgeOptions n = BridgeOptions.of(network, s.mtu());
        List<Firewall.Rule> ports = s.iptables() && !n.internal() ? Firewall.portRules(n, endpoint) : List.of();
        Concurrently rules = Concurrently.start(ports.isEmpty() ? null : () -> removePorts(ports));
        Exception failure = null;
        try {
            links.delete(hostVeth(endpoint)); // its peer in the sandbox goes with it
        } catch (IOException | RuntimeException e) {
            failure = e;
        }
        failure = rules.await(failure);
        if (failure != null) {
            throw Concurrently.rethrow(failure);
        }
    }

    private void removePorts(List<Firewall.Rule> ports) throws IOException {
        firewall.delete(ports);
    }

    /** "veth" and the endpoint id's first 7 characters, as dockerd's length: found again after a restart. */
    static String hostVeth(Endpoint endpoint) {
        String id = endpoint.id();
        return "veth" + id.substring(0, Math.min(VETH_ID_LENGTH, id.length()));
    }

    /** Undoes a step of a failed operation; its own failure is logged, the first one is what the caller sees. */
    private static void quietly(Concurrently.Step step) {
        try {
            step.run();
        } catch (IOException | RuntimeException e) {
            LOG.warn("undoing a failed network operation: {}", e.getMessage());
        }
    }
}
