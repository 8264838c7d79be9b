package io.wharf.core.internal.network;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.ids.StringIds;
import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.ForbiddenException;
import io.wharf.core.spi.errors.SystemException;
import io.wharf.core.spi.events.Event;
import io.wharf.core.spi.events.EventPublisher;
import io.wharf.core.spi.linux.NetworkNamespaces;
import io.wharf.core.spi.network.Endpoint;
import io.wharf.core.spi.network.NetworkDriver;

/**
 * The sandboxes of running containers (libnetwork's sandboxes): each a network namespace with an
 * endpoint on each of the container's driver networks, its published ports and, on user-defined
 * networks, the embedded DNS, whose names it answers. Each is kept on disk while it exists, so
 * that a restarted daemon adopts it (--live-restore) or releases it.
 */
public final class Sandboxes {

    private static final Logger LOG = LoggerFactory.getLogger(Sandboxes.class);

    private final NetworkController networks;
    private final NetworkStore store;
    private final EventPublisher events;
    private final Path sandboxDir;
    private final Ports ports = new Ports();
    private final Map<String, Sandbox> sandboxes = new ConcurrentHashMap<>(); // by container id
    /** The sandboxes a daemon before this one left, until their containers' restore adopts or releases them. */
    private final Map<String, NetworkStore.StoredSandbox> leftovers = new ConcurrentHashMap<>();

    Sandboxes(NetworkController networks, NetworkStore store, EventPublisher events, Path sandboxDir) throws IOException {
        this.networks = networks;
        this.store = store;
        this.events = events;
        this.sandboxDir = sandboxDir;
        for (NetworkStore.StoredSandbox s : store.loadSandboxes()) {
            leftovers.put(s.containerId(), s);
        }
    }

    /** The running containers on a network, as inspect's "Containers" shows them, by container id. */
    public Map<String, Map<String, String>> containers(String networkId) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (Sandbox s : sandboxes.values()) {
            s.endpoints().forEach((name, e) -> {
                if (e.networkId().equals(networkId)) {
                    Map<String, String> m = new LinkedHashMap<>();
                    m.put("Name", s.containerName());
                    m.put("EndpointID", e.endpointId());
                    m.put("MacAddress", e.macAddress());
                    m.put("IPv4Address", e.ipAddress() + "/" + e.ipPrefixLen());
                    m.put("IPv6Address", "");
                    out.put(s.containerId(), m);
                }
            });
        }
        return out;
    }

    /**
     * What a container asks of the network when it starts.
     *
     * @param networks   its networks by name (from create, connect and disconnect)
     * @param ports      HostConfig.PortBindings, one entry per host binding
     * @param exposed    the ports it exposes ("80/tcp"), published on ephemeral host ports when {@code publishAll}
     */
    public record SandboxRequest(String containerId, String containerName, Map<String, EndpointSettings> networks,
            List<PortRequest> ports, List<String> exposed, boolean publishAll) {
    }

    /**
     * Gives a starting container its sandbox: a network namespace with an endpoint on each of its
     * driver networks, its published ports and, on user-defined networks, the embedded DNS. Answers
     * null when the container needs none (host, none, another container's namespace).
     */
    public SandboxState attach(SandboxRequest req) throws IOException {
        List<Map.Entry<String, EndpointSettings>> wanted = req.networks().entrySet().stream()
                .filter(e -> !e.getKey().equals(NetworkController.HOST) && !e.getKey().equals(NetworkController.NONE)).toList();
        if (wanted.isEmpty()) {
            return null;
        }
        String sandboxId = StringIds.generate();
        Path key = sandboxDir.resolve(sandboxId.substring(0, 12));
        Sandbox sandbox = new Sandbox(req.containerId(), req.containerName().replaceFirst("^/", ""), sandboxId, key);
        List<Joined> joined = new ArrayList<>();
        boolean created = false;
        try {
            NetworkNamespaces.create(key);
            created = true;
            List<Ports.Binding> bindings = ports.bind(req.ports(), req.exposed(), req.publishAll());
            sandbox.ports(bindings, Ports.exposedOnly(req.exposed(), bindings));
            for (Map.Entry<String, EndpointSettings> e : wanted) {
                joined.add(join(sandbox, e.getKey(), e.getValue(), joined.isEmpty(), joined.isEmpty() ? bindings : List.of()));
            }
            sandbox.startProxies(joined.getFirst().endpoint().ip());
            if (joined.stream().anyMatch(j -> !NetworkController.PREDEFINED.contains(j.network().name()))) {
                sandbox.startDns(this);
            }
            sandboxes.put(req.containerId(), sandbox);
            persist(sandbox);
            return sandbox.state();
        } catch (IOException | RuntimeException e) {
            sandbox.stop();
            for (Joined j : joined.reversed()) {
                leave(j.network(), req.containerId(), j.settings(), j.endpoint().ports(), key);
            }
            if (created) {
                NetworkNamespaces.delete(key);
            }
            forget(req.containerId());
            throw e;
        }
    }

    private record Joined(NetworkRecord network, EndpointSettings settings, Endpoint endpoint) {
    }

    /** Takes an address and an endpoint id on the network and has its driver join the sandbox. */
    private Joined join(Sandbox sandbox, String networkName, EndpointSettings requested, boolean defaultRoute,
            List<Ports.Binding> bindings) throws IOException {
        NetworkController.Allocation allocation = networks.allocate(networkName, requested.networkId(),
                requested.requestedAddress());
        NetworkRecord n = allocation.network();
        long address = allocation.address();
        String interfaceName = "eth" + sandbox.endpoints().size();
        NetworkRecord.IpamConfig ipam = n.ipam().config().getFirst();
        int prefix = Subnet4.parse(ipam.subnet()).prefix();
        String ip = Subnet4.format(address);
        String gateway = n.internal() ? "" : ipam.gateway();
        String endpointId = StringIds.generate();
        List<String> aliases = new ArrayList<>(requested.aliases() == null ? List.of() : requested.aliases());
        if (!NetworkController.PREDEFINED.contains(n.name()) && !aliases.contains(sandbox.containerId().substring(0, 12))) {
            aliases.add(sandbox.containerId().substring(0, 12));
        }
        EndpointSettings active = requested.active(n.id(), endpointId, gateway, ip, prefix, mac(address),
                NetworkController.PREDEFINED.contains(n.name()) ? requested.aliases() : aliases);
        Endpoint endpoint = endpoint(sandbox.containerId(), interfaceName, active, defaultRoute && !gateway.isEmpty(), bindings);
        // On disk before the driver changes the host (veth, published ports' rules): a daemon
        // killed during or after the join releases the endpoint at its next start.
        sandbox.endpoints().put(n.name(), active);
        try {
            persist(sandbox);
            networks.requireDriver(n.driver()).join(NetworkController.spi(n), endpoint, sandbox.key());
        } catch (IOException | RuntimeException e) {
            sandbox.endpoints().remove(n.name());
            networks.releaseAddress(n.id(), ip);
            try {
                persist(sandbox); // without the endpoint again (a connect's sandbox lives on)
            } catch (RuntimeException p) {
                e.addSuppressed(p);
            }
            throw e;
        }
        events.publish(Event.now("network", "connect", n.id(),
                Map.of("container", sandbox.containerId(), "name", n.name(), "type", n.driver())));
        return new Joined(n, active, endpoint);
    }

    private static Endpoint endpoint(String containerId, String interfaceName, EndpointSettings s, boolean defaultRoute,
            List<Ports.Binding> bindings) {
        return new Endpoint(s.endpointId(), containerId, interfaceName, s.macAddress(), s.ipAddress() + "/" + s.ipPrefixLen(),
                s.gateway(), defaultRoute, bindings.stream().map(Ports.Binding::mapping).toList());
    }

    /** dockerd's MAC for an IPv4 endpoint: 02:42 and the four bytes of the address. */
    static String mac(long address) {
        return String.format("02:42:%02x:%02x:%02x:%02x", address >> 24 & 255, address >> 16 & 255, address >> 8 & 255,
                address & 255);
    }

    /** Has the driver undo an endpoint and gives its address back; the driver gone only logs. */
    private void leave(NetworkRecord n, String containerId, EndpointSettings s, List<Endpoint.PortMapping> ports,
            Path sandboxKey) {
        Optional<NetworkDriver> driver = networks.driver(n.driver());
        if (driver.isPresent()) {
            try {
                driver.get().leave(NetworkController.spi(n), new Endpoint(s.endpointId(), containerId, "", s.macAddress(),
                        s.ipAddress() + "/" + s.ipPrefixLen(), s.gateway(), false, ports), sandboxKey);
            } catch (IOException | RuntimeException e) {
                LOG.warn("leaving network {}: {}", n.name(), e.getMessage());
            }
        } else {
            LOG.warn("network driver {} is not available to undo endpoint {} on {}", n.driver(), s.endpointId(), n.name());
        }
        networks.releaseAddress(n.id(), s.ipAddress());
        events.publish(Event.now("network", "disconnect", n.id(),
                Map.of("container", containerId, "name", n.name(), "type", n.driver())));
    }

    /** Undoes a sandbox: its DNS, proxies and endpoints, then the namespace. Also for a sandbox of a daemon before this one. */
    public void detach(String containerId, SandboxState state) {
        Sandbox sandbox = sandboxes.remove(containerId);
        if (sandbox != null) {
            sandbox.stop();
        }
        leftovers.remove(containerId);
        forget(containerId);
        if (state == null) {
            return;
        }
        Path key = Path.of(state.sandboxKey());
        // The published ports forward to the first endpoint (the one with the default route).
        List<Endpoint.PortMapping> ports = Ports.mappings(state.ports());
        boolean first = true;
        for (EndpointSettings s : state.networks().values()) {
            NetworkRecord n = networks.byId(s.networkId());
            if (n != null && !s.endpointId().isEmpty()) {
                leave(n, containerId, s, first ? ports : List.of(), key);
            }
            first = false;
        }
        try {
            NetworkNamespaces.delete(key);
        } catch (IOException e) {
            LOG.warn("removing network namespace {}: {}", key, e.getMessage());
        }
    }

    /** Takes back the sandbox of a container that kept running while the daemon was down (--live-restore). */
    public void adopt(String containerId, String containerName, SandboxState state) throws IOException {
        leftovers.remove(containerId);
        Sandbox sandbox = new Sandbox(containerId, containerName.replaceFirst("^/", ""), state.sandboxId(),
                Path.of(state.sandboxKey()));
        state.networks().forEach((name, s) -> {
            networks.reserve(s.networkId(), s.ipAddress(), containerName);
            sandbox.endpoints().put(name, s);
        });
        List<Ports.Binding> bindings = ports.rebind(state.ports());
        sandbox.ports(bindings, Ports.exposedOnly(List.copyOf(state.ports().keySet()), bindings));
        if (!state.networks().isEmpty()) {
            sandbox.startProxies(state.networks().values().iterator().next().ipAddress());
        }
        if (state.embeddedDns()) {
            sandbox.startDns(this);
        }
        sandboxes.put(containerId, sandbox);
    }

    /** POST /networks/{id}/connect for a running container: an endpoint on the network joins its sandbox. */
    public SandboxState connect(String containerId, String networkName, EndpointSettings requested) throws IOException {
        Sandbox sandbox = sandboxes.get(containerId);
        if (sandbox == null) {
            throw new ConflictException("container " + containerId + " has no network namespace of its own to connect");
        }
        NetworkRecord n = networks.get(networkName);
        NetworkController.checkEndpoint(n, requested);
        if (sandbox.endpoints().containsKey(n.name())) {
            throw new ForbiddenException("endpoint with name " + sandbox.containerName() + " already exists in network " + n.name());
        }
        join(sandbox, n.name(), requested.withNetworkId(n.id()), false, List.of());
        if (!NetworkController.PREDEFINED.contains(n.name())) {
            sandbox.startDns(this);
        }
        persist(sandbox);
        return sandbox.state();
    }

    /** POST /networks/{id}/disconnect for a running container. */
    public SandboxState disconnect(String containerId, String networkName) {
        Sandbox sandbox = sandboxes.get(containerId);
        if (sandbox == null) {
            return null;
        }
        boolean first = sandbox.endpoints().keySet().stream().findFirst().map(networkName::equals).orElse(false);
        EndpointSettings s = sandbox.endpoints().remove(networkName);
        if (s != null) {
            leave(networks.byId(s.networkId()), containerId, s,
                    first ? Ports.mappings(sandbox.state().ports()) : List.of(), sandbox.key());
        }
        persist(sandbox);
        return sandbox.state();
    }

    /** The container's address on the default bridge, for --link's /etc/hosts entries. */
    public Optional<String> bridgeAddress(String containerId) {
        Sandbox s = sandboxes.get(containerId);
        EndpointSettings e = s == null ? null : s.endpoints().get(NetworkController.BRIDGE);
        return e == null ? Optional.empty() : Optional.of(e.ipAddress());
    }

    // ---- name resolution ----

    /**
     * The addresses {@code name} has for the container asking, as dockerd's embedded DNS answers:
     * containers on the user-defined networks it shares, by name, network alias or short id, each
     * also as NAME.NETWORK.
     */
    List<InetAddress> resolve(String askingContainer, String name) {
        Sandbox asking = sandboxes.get(askingContainer);
        String wanted = name.toLowerCase(Locale.ROOT).replaceFirst("\\.$", "");
        List<InetAddress> out = new ArrayList<>();
        if (asking == null) {
            return out;
        }
        for (Map.Entry<String, EndpointSettings> mine : asking.endpoints().entrySet()) {
            String network = mine.getKey();
            if (NetworkController.PREDEFINED.contains(network)) {
                continue;
            }
            for (Sandbox other : sandboxes.values()) {
                EndpointSettings theirs = other.endpoints().get(network);
                if (theirs == null || theirs.ipAddress().isEmpty()) {
                    continue;
                }
                for (String n : other.names(network)) {
                    if (wanted.equals(n) || wanted.equals(n + "." + network.toLowerCase(Locale.ROOT))) {
                        out.add(inet(theirs.ipAddress()));
                        break;
                    }
                }
            }
        }
        return out;
    }

    /** The name of the container that has {@code address} on a network the asking container shares: NAME.NETWORK. */
    Optional<String> reverse(String askingContainer, String address) {
        Sandbox asking = sandboxes.get(askingContainer);
        if (asking == null) {
            return Optional.empty();
        }
        for (String network : asking.endpoints().keySet()) {
            for (Sandbox other : sandboxes.values()) {
                EndpointSettings theirs = other.endpoints().get(network);
                if (theirs != null && theirs.ipAddress().equals(address) && !NetworkController.PREDEFINED.contains(network)) {
                    return Optional.of(other.containerName() + "." + network);
                }
            }
        }
        return Optional.empty();
    }

    private static InetAddress inet(String ip) {
        try {
            return InetAddress.getByAddress(ip, InetAddress.getByName(ip).getAddress());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Tells the sandboxes a container was renamed, for name resolution. */
    public void renamed(String containerId, String newName) {
        Sandbox s = sandboxes.get(containerId);
        if (s != null) {
            s.containerName(newName.replaceFirst("^/", ""));
            persist(s);
        }
    }

    /** Removes the sandbox's record. */
    private void forget(String containerId) {
        try {
            store.removeSandbox(containerId);
        } catch (IOException e) {
            LOG.warn("removing the sandbox record of container {}: {}", containerId, e.getMessage());
        }
    }

    /** Keeps the sandbox on disk, so that a daemon killed while it runs can release or adopt it. */
    private void persist(Sandbox sandbox) {
        try {
            store.putSandbox(new NetworkStore.StoredSandbox(sandbox.containerId(), sandbox.containerName(), sandbox.state()));
        } catch (IOException e) {
            throw new SystemException("saving the sandbox of container " + sandbox.containerId()
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Releases what the containers' restore left alone: sandboxes of a daemon before this one whose
     * containers are gone (or were never saved as running), their endpoints, ports and namespace,
     * and the namespaces of sandboxes it was killed before saving.
     */
    public void releaseLeftovers() {
        for (NetworkStore.StoredSandbox s : List.copyOf(leftovers.values())) {
            LOG.info("releasing the network sandbox left by container {}", s.containerId());
            detach(s.containerId(), s.sandbox());
        }
        Set<Path> kept = sandboxes.values().stream().map(Sandbox::key).collect(Collectors.toSet());
        try (Stream<Path> keys = Files.list(sandboxDir)) {
            for (Path key : keys.filter(k -> !kept.contains(k)).toList()) {
                LOG.info("removing network namespace {}, whose sandbox was never saved", key);
                NetworkNamespaces.delete(key);
            }
        } catch (NoSuchFileException e) {
            // no sandbox was ever made
        } catch (IOException e) {
            LOG.warn("removing left-over network namespaces: {}", e.getMessage());
        }
    }


    /** Stops every sandbox's DNS server and proxies (the daemon stops; the kernel state is the driver's). */
    void stopAll() {
        sandboxes.values().forEach(Sandbox::stop);
    }
}
