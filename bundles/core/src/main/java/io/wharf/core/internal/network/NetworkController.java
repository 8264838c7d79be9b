package io.wharf.core.internal.network;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.config.DaemonConfig;
import io.wharf.core.internal.daemon.DaemonContext;
import io.wharf.core.internal.ids.StringIds;
import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.ForbiddenException;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.NotFoundException;
import io.wharf.core.spi.errors.UnavailableException;
import io.wharf.core.spi.events.Event;
import io.wharf.core.spi.events.EventPublisher;
import io.wharf.core.spi.http.Filters;
import io.wharf.core.spi.network.DriverSettings;
import io.wharf.core.spi.network.Network;
import io.wharf.core.spi.network.NetworkDriver;

/**
 * The daemon's networks (libnetwork's controller): the networks and their address pools, kept in
 * data-root/network; the predefined networks bridge, host and none; the network drivers present
 * now, which come and go as their bundles do; and, through {@link Sandboxes}, the sandbox
 * (network namespace, endpoints, published ports, embedded DNS) of every running container on a
 * driver's network.
 *
 * <p>Metadata changes and addresses hold one lock; the drivers' kernel work is done outside it, so
 * containers start in parallel.
 */
@Component(service = NetworkController.class)
public final class NetworkController {

    public static final String BRIDGE = "bridge";
    public static final String HOST = "host";
    public static final String NONE = "none";
    private static final String DEFAULT_BRIDGE_DEVICE = "wharf0";
    static final Set<String> PREDEFINED = Set.of(BRIDGE, HOST, NONE);
    private static final Set<String> LIST_FILTERS = Set.of("dangling", "driver", "id", "label", "name", "scope", "type");
    private static final Set<String> PRUNE_FILTERS = Set.of("until", "label", "label!");
    private static final Logger LOG = LoggerFactory.getLogger(NetworkController.class);

    private final NetworkStore store;
    private final EventPublisher events;
    private final DriverSettings settings;
    private final DaemonConfig config;
    private final boolean liveRestore;
    private final Sandboxes sandboxes;
    private final List<Subnet4> addressPools;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, NetworkRecord> networks = new LinkedHashMap<>(); // by id, guarded by lock
    private final Map<String, AddressPool> pools = new HashMap<>(); // by network id, guarded by lock
    private final Map<String, List<NetworkDriver>> drivers = new ConcurrentHashMap<>();

    @Activate
    public NetworkController(@Reference DaemonContext daemon, @Reference EventPublisher events) throws IOException {
        this.config = daemon.config();
        this.store = new NetworkStore(daemon.dataRoot().resolve("network"));
        this.events = events;
        this.liveRestore = config.bool("live-restore");
        this.settings = new DriverSettings(config.bool("iptables"), config.bool("ip-forward"), config.integer("mtu"));
        this.addressPools = DefaultPools.configured(config.list("default-address-pools"));
        lock.lock();
        try {
            for (NetworkRecord n : store.load()) {
                networks.put(n.id(), n);
            }
            ensurePredefined();
            networks.values().forEach(this::openPool);
        } finally {
            lock.unlock();
        }
        this.sandboxes = new Sandboxes(this, store, events, daemon.execRoot().resolve("netns"));
    }

    // ---- drivers ----

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    public void addDriver(NetworkDriver driver, Map<String, Object> props) {
        if (!(props.get(NetworkDriver.NAME) instanceof String name) || name.isEmpty()) {
            return;
        }
        try {
            driver.configure(settings);
            for (NetworkRecord n : snapshot()) {
                if (n.driver().equals(name)) {
                    driver.createNetwork(spi(n));
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("network driver {} failed to set up its networks: {}", name, e.getMessage());
        }
        drivers.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(driver);
        LOG.info("network driver {} is available", name);
    }

    public void removeDriver(NetworkDriver driver, Map<String, Object> props) {
        if (props.get(NetworkDriver.NAME) instanceof String name) {
            List<NetworkDriver> list = drivers.get(name);
            if (list != null && list.remove(driver) && list.isEmpty()) {
                LOG.info("network driver {} went away; its networks keep their state until it is back", name);
            }
        }
    }

    /** The names of the network drivers present now, with the built-in host and null (`docker info` Plugins.Network). */
    public List<String> driverNames() {
        Set<String> names = new java.util.TreeSet<>(List.of(HOST, "null"));
        drivers.forEach((n, list) -> {
            if (!list.isEmpty()) {
                names.add(n);
            }
        });
        return List.copyOf(names);
    }

    Optional<NetworkDriver> driver(String name) {
        List<NetworkDriver> list = drivers.get(name);
        try {
            return list == null ? Optional.empty() : Optional.of(list.getFirst());
        } catch (java.util.NoSuchElementException e) {
            return Optional.empty();
        }
    }

    NetworkDriver requireDriver(String name) {
        return driver(name).orElseThrow(() -> new UnavailableException("network driver " + name + " is not available"));
    }

    private static boolean builtin(String driver) {
        return driver.equals(HOST) || driver.equals("null");
    }

    // ---- networks ----

    /** bridge, host and none, made on the first start; the default bridge follows the daemon's flags on every start. */
    private void ensurePredefined() {
        String bridgeDevice = config.string("bridge");
        if (!bridgeDevice.equals(NONE)) {
            NetworkRecord current = byName(BRIDGE);
            NetworkRecord wanted = defaultBridge(current, bridgeDevice.isEmpty() ? DEFAULT_BRIDGE_DEVICE : bridgeDevice);
            if (!wanted.equals(current)) {
                save(wanted);
            }
        }
        if (byName(HOST) == null) {
            save(record(HOST, HOST, new NetworkRecord.Ipam("default", Map.of(), List.of()), false, Map.of(), Map.of()));
        }
        if (byName(NONE) == null) {
            save(record(NONE, "null", new NetworkRecord.Ipam("default", Map.of(), List.of()), false, Map.of(), Map.of()));
        }
    }

    private NetworkRecord defaultBridge(NetworkRecord current, String device) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put(Network.DEFAULT_BRIDGE, "true");
        options.put(Network.ENABLE_ICC, Boolean.toString(config.bool("icc")));
        options.put(Network.ENABLE_IP_MASQUERADE, Boolean.toString(config.bool("ip-masq")));
        options.put(Network.HOST_BINDING_IPV4, "0.0.0.0");
        options.put(Network.BRIDGE_NAME, device);
        options.put(Network.MTU, Integer.toString(config.integer("mtu") > 0 ? config.integer("mtu") : 1500));
        String bip = config.string("bip");
        String fixedCidr = config.string("fixed-cidr");
        NetworkRecord.IpamConfig ipam;
        if (!bip.isEmpty()) {
            Subnet4 subnet = Subnet4.parse(bip);
            ipam = new NetworkRecord.IpamConfig(subnet.toString(), fixedCidr, bip.substring(0, bip.indexOf('/')), null);
        } else if (current != null && !current.ipam().config().isEmpty()
                && current.ipam().config().getFirst().ipRange().equals(fixedCidr)) {
            ipam = current.ipam().config().getFirst();
        } else {
            List<Subnet4> taken = new ArrayList<>();
            networks.values().stream().filter(n -> !n.name().equals(BRIDGE)).forEach(n -> taken.addAll(subnets(n)));
            Subnet4 subnet = fixedCidr.isEmpty() ? DefaultPools.choose(addressPools, taken, ownDevices()) : Subnet4.parse(fixedCidr);
            ipam = new NetworkRecord.IpamConfig(subnet.toString(), fixedCidr, Subnet4.format(subnet.firstHost()), null);
        }
        NetworkRecord.Ipam section = new NetworkRecord.Ipam("default", Map.of(), List.of(ipam));
        if (current != null) {
            return current.withOptions(options).withIpam(section);
        }
        return record(BRIDGE, BRIDGE, section, false, options, Map.of());
    }

    private static NetworkRecord record(String name, String driver, NetworkRecord.Ipam ipam, boolean internal,
            Map<String, String> options, Map<String, String> labels) {
        return new NetworkRecord(name, StringIds.generate(), Instant.now().toString(), "local", driver, false, ipam,
                internal, false, false, null, false, options, labels);
    }

    private void save(NetworkRecord n) {
        try {
            store.put(n);
        } catch (IOException e) {
            throw new io.wharf.core.spi.errors.SystemException("saving network " + n.name() + ": " + e.getMessage(), e);
        }
        networks.put(n.id(), n);
    }

    private void openPool(NetworkRecord n) {
        if (n.ipam().config().isEmpty()) {
            return;
        }
        NetworkRecord.IpamConfig c = n.ipam().config().getFirst();
        Subnet4 subnet = Subnet4.parse(c.subnet());
        Subnet4 range = c.ipRange().isEmpty() ? subnet : Subnet4.parse(c.ipRange());
        List<Long> reserved = new ArrayList<>();
        if (!c.gateway().isEmpty()) {
            reserved.add(Subnet4.address(c.gateway()));
        }
        if (c.auxiliaryAddresses() != null) {
            c.auxiliaryAddresses().values().forEach(a -> reserved.add(Subnet4.address(a)));
        }
        pools.put(n.id(), new AddressPool(subnet, range, reserved));
    }

    private static List<Subnet4> subnets(NetworkRecord n) {
        return n.ipam().config().stream().filter(c -> !c.subnet().isEmpty()).map(c -> Subnet4.parse(c.subnet())).toList();
    }

    /** The bridge devices of the daemon's networks, whose host routes are theirs. */
    private Set<String> ownDevices() {
        Set<String> out = new HashSet<>();
        networks.values().forEach(n -> out.add(spi(n).option(Network.BRIDGE_NAME, "")));
        return out;
    }

    private List<NetworkRecord> snapshot() {
        lock.lock();
        try {
            return List.copyOf(networks.values());
        } finally {
            lock.unlock();
        }
    }

    private NetworkRecord byName(String name) {
        return networks.values().stream().filter(n -> n.name().equals(name)).findFirst().orElse(null);
    }

    /** A network by full id, name or unique id prefix, as dockerd's FindNetwork looks. */
    public NetworkRecord get(String idOrName) {
        lock.lock();
        try {
            return find(idOrName);
        } finally {
            lock.unlock();
        }
    }

    private NetworkRecord find(String idOrName) {
        NetworkRecord byId = networks.get(idOrName);
        if (byId != null) {
            return byId;
        }
        NetworkRecord named = byName(idOrName);
        if (named != null) {
            return named;
        }
        List<NetworkRecord> prefixed = idOrName.isEmpty() ? List.of()
                : networks.values().stream().filter(n -> n.id().startsWith(idOrName)).toList();
        if (prefixed.size() == 1) {
            return prefixed.getFirst();
        }
        if (prefixed.size() > 1) {
            throw new InvalidParameterException("network " + idOrName + " is ambiguous (" + prefixed.size() + " matches found based on ID prefix)");
        }
        throw new NotFoundException("network " + idOrName + " not found");
    }

    /** The network as the driver sees it: the user's options with the driver defaults the core owns. */
    static Network spi(NetworkRecord n) {
        Map<String, String> options = new LinkedHashMap<>(n.options());
        options.putIfAbsent(Network.BRIDGE_NAME, "br-" + n.id().substring(0, 12));
        List<Network.Subnet> subnets = n.ipam().config().stream()
                .map(c -> new Network.Subnet(c.subnet(), c.gateway())).toList();
        return new Network(n.id(), n.name(), subnets, n.internal(), options);
    }

    /** What POST /networks/create asks for. */
    public record CreateRequest(String name, String driver, boolean internal, boolean attachable, boolean enableIPv6,
            NetworkRecord.Ipam ipam, Map<String, String> options, Map<String, String> labels) {
    }

    /** POST /networks/create: answers the new network. */
    public NetworkRecord create(CreateRequest req) throws IOException {
        String name = req.name() == null ? "" : req.name();
        if (name.isEmpty()) {
            throw new InvalidParameterException("network name must not be empty");
        }
        String driverName = req.driver() == null || req.driver().isEmpty() ? BRIDGE : req.driver();
        if (builtin(driverName)) {
            throw new ForbiddenException("only one instance of \"" + driverName + "\" network is allowed");
        }
        if (req.enableIPv6()) {
            throw new InvalidParameterException("IPv6 networks are not supported by Wharf");
        }
        NetworkDriver driver = driver(driverName).orElseThrow(() -> new NotFoundException(
                "plugin \"" + driverName + "\" not found: network driver " + driverName + " is not available"));
        NetworkRecord n;
        lock.lock();
        try {
            if (byName(name) != null) {
                throw new ConflictException("network with name " + name + " already exists");
            }
            NetworkRecord.Ipam ipam = assignSubnets(req.ipam());
            n = record(name, driverName, ipam, req.internal(), req.options() == null ? Map.of() : req.options(),
                    req.labels() == null ? Map.of() : req.labels());
            n = new NetworkRecord(n.name(), n.id(), n.created(), n.scope(), n.driver(), false, n.ipam(), n.internal(),
                    req.attachable(), false, null, false, n.options(), n.labels());
            openPool(n);
            save(n);
        } finally {
            lock.unlock();
        }
        try {
            driver.createNetwork(spi(n));
        } catch (IOException | RuntimeException e) {
            forget(n);
            throw e;
        }
        events.publish(Event.now("network", "create", n.id(), Map.of("name", n.name(), "type", n.driver())));
        return n;
    }

    /** The user's IPAM config checked, each subnet with its gateway; a default pool when there is none. */
    private NetworkRecord.Ipam assignSubnets(NetworkRecord.Ipam requested) {
        List<Subnet4> taken = new ArrayList<>();
        networks.values().forEach(n -> taken.addAll(subnets(n)));
        List<NetworkRecord.IpamConfig> configs = new ArrayList<>();
        NetworkRecord.Ipam ipam = requested == null ? new NetworkRecord.Ipam("default", Map.of(), List.of()) : requested;
        if (!ipam.driver().equals("default")) {
            throw new NotFoundException("plugin \"" + ipam.driver() + "\" not found");
        }
        for (NetworkRecord.IpamConfig c : ipam.config()) {
            if (c.subnet().isEmpty()) {
                if (!c.ipRange().isEmpty() || !c.gateway().isEmpty()) {
                    throw new InvalidParameterException("ip-range and gateway need a subnet");
                }
                continue;
            }
            if (c.subnet().contains(":")) {
                throw new InvalidParameterException("IPv6 subnets are not supported by Wharf: " + c.subnet());
            }
            Subnet4 subnet = Subnet4.parse(c.subnet());
            if (taken.stream().anyMatch(subnet::overlaps)) {
                throw new ForbiddenException("Pool overlaps with other one on this address space");
            }
            if (!c.ipRange().isEmpty() && !subnet.contains(Subnet4.parse(c.ipRange()))) {
                throw new InvalidParameterException("no matching subnet for range " + c.ipRange());
            }
            String gateway = c.gateway().isEmpty() ? Subnet4.format(subnet.firstHost()) : c.gateway();
            if (!subnet.contains(Subnet4.address(gateway))) {
                throw new InvalidParameterException("no matching subnet for gateway " + gateway);
            }
            if (c.auxiliaryAddresses() != null) {
                c.auxiliaryAddresses().forEach((host, address) -> {
                    if (!subnet.contains(Subnet4.address(address))) {
                        throw new InvalidParameterException("no matching subnet for aux-address " + address);
                    }
                });
            }
            taken.add(subnet);
            configs.add(new NetworkRecord.IpamConfig(subnet.toString(), c.ipRange(), gateway, c.auxiliaryAddresses()));
        }
        if (configs.size() > 1) {
            throw new InvalidParameterException("Wharf supports one IPv4 subnet per network");
        }
        if (configs.isEmpty()) {
            Subnet4 subnet = DefaultPools.choose(addressPools, taken, ownDevices());
            configs.add(new NetworkRecord.IpamConfig(subnet.toString(), "", Subnet4.format(subnet.firstHost()), null));
        }
        return new NetworkRecord.Ipam("default", ipam.options(), configs);
    }

    private void forget(NetworkRecord n) throws IOException {
        lock.lock();
        try {
            store.remove(n.id());
            networks.remove(n.id());
            pools.remove(n.id());
        } finally {
            lock.unlock();
        }
    }

    /** DELETE /networks/{id}. */
    public void remove(String idOrName) throws IOException {
        NetworkRecord n = get(idOrName);
        if (PREDEFINED.contains(n.name())) {
            throw new ForbiddenException(n.name() + " is a pre-defined network and cannot be removed");
        }
        if (!sandboxes.containers(n.id()).isEmpty()) {
            throw new ForbiddenException("error while removing network: network " + n.name() + " id " + n.id()
                    + " has active endpoints");
        }
        requireDriver(n.driver()).deleteNetwork(spi(n));
        forget(n);
        events.publish(Event.now("network", "destroy", n.id(), Map.of("name", n.name(), "type", n.driver())));
    }

    /** GET /networks with dockerd's filters. */
    public List<NetworkRecord> list(Filters filters) {
        filters.validate(LIST_FILTERS);
        for (String type : filters.get("type")) {
            if (!type.equals("custom") && !type.equals("builtin")) {
                throw new InvalidParameterException("invalid filter: 'type'='" + type + "'");
            }
        }
        List<NetworkRecord> out = new ArrayList<>();
        for (NetworkRecord n : snapshot()) {
            boolean predefined = PREDEFINED.contains(n.name());
            if (!filters.matchesAny("driver", v -> v.equals(n.driver()))
                    || !filters.matchesAny("id", n.id()::startsWith)
                    || !filters.matchesAny("name", n.name()::contains)
                    || !filters.matchesAny("scope", v -> v.equals(n.scope()))
                    || !filters.matchesAny("type", v -> v.equals(predefined ? "builtin" : "custom"))
                    || !filters.matchesLabels("label", n.labels())
                    || !filters.matchesAny("dangling", v -> Boolean.parseBoolean(v) == (!predefined && sandboxes.containers(n.id()).isEmpty()))) {
                continue;
            }
            out.add(n);
        }
        return out;
    }

    /** POST /networks/prune: the user-defined networks no running container is on; answers their names. */
    public List<String> prune(Filters filters, java.util.function.Predicate<NetworkRecord> createdBefore) throws IOException {
        filters.validate(PRUNE_FILTERS);
        List<String> removed = new ArrayList<>();
        for (NetworkRecord n : snapshot()) {
            if (PREDEFINED.contains(n.name()) || !sandboxes.containers(n.id()).isEmpty() || !createdBefore.test(n)
                    || !filters.matchesLabels("label", n.labels())
                    || (filters.has("label!") && filters.matchesLabels("label!", n.labels()))) {
                continue;
            }
            try {
                remove(n.id());
                removed.add(n.name());
            } catch (RuntimeException e) {
                LOG.warn("pruning network {}: {}", n.name(), e.getMessage());
            }
        }
        return removed;
    }

    // ---- addresses ----

    /** A network and the address an endpoint takes on it. */
    record Allocation(NetworkRecord network, long address) {
    }

    /**
     * Takes an address on the network ({@code networkId}, else the one named {@code networkName}):
     * {@code requested} (--ip) when given, else the next free one.
     */
    Allocation allocate(String networkName, String networkId, String requested) {
        lock.lock();
        try {
            NetworkRecord n = networkId.isEmpty() ? find(networkName) : networks.get(networkId);
            if (n == null) {
                throw new NotFoundException("network " + networkName + " not found");
            }
            AddressPool pool = pools.get(n.id());
            if (pool == null) {
                throw new InvalidParameterException("network " + n.name() + " has no address pool");
            }
            return new Allocation(n, requested.isEmpty() ? pool.take() : pool.take(Subnet4.address(requested)));
        } finally {
            lock.unlock();
        }
    }

    /** Takes again the address a container kept through a daemon restart. */
    void reserve(String networkId, String ip, String containerName) {
        lock.lock();
        try {
            AddressPool pool = pools.get(networkId);
            if (pool != null && !ip.isEmpty()) {
                pool.take(Subnet4.address(ip));
            }
        } catch (RuntimeException e) {
            LOG.warn("container {} keeps {}: {}", containerName, ip, e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    void releaseAddress(String networkId, String ip) {
        lock.lock();
        try {
            AddressPool pool = pools.get(networkId);
            if (pool != null && !ip.isEmpty()) {
                pool.release(Subnet4.address(ip));
            }
        } finally {
            lock.unlock();
        }
    }

    /** A network by its full id, or null. */
    NetworkRecord byId(String id) {
        lock.lock();
        try {
            return networks.get(id);
        } finally {
            lock.unlock();
        }
    }

    // ---- containers ----

    /**
     * The networks a new container is on, by network name, from its network mode and
     * NetworkingConfig.EndpointsConfig, checked as dockerd checks them at create.
     */
    public Map<String, EndpointSettings> endpointsAtCreate(String networkMode, Map<String, EndpointSettings> requested) {
        Map<String, EndpointSettings> asked = requested == null ? Map.of() : requested;
        Map<String, EndpointSettings> out = new LinkedHashMap<>();
        if (networkMode.startsWith("container:")) {
            return out;
        }
        boolean byDefault = networkMode.isEmpty() || networkMode.equals("default");
        String mode = byDefault ? defaultNetwork() : networkMode;
        // The CLI keys the primary network's settings by the mode as given ("default" too).
        EndpointSettings primary = asked.getOrDefault(networkMode, asked.get(mode));
        List<String> names = new ArrayList<>(List.of(mode));
        asked.keySet().stream().filter(k -> !k.equals(mode) && !k.equals(networkMode) && !(byDefault && k.equals("default")))
                .forEach(names::add);
        for (String name : names) {
            NetworkRecord n = get(name);
            EndpointSettings s = name.equals(mode) && primary != null ? primary
                    : asked.getOrDefault(name, asked.getOrDefault(n.id(), EndpointSettings.empty()));
            checkEndpoint(n, s);
            out.put(n.name(), s.withNetworkId(n.id()));
        }
        return out;
    }

    /** The network a container without --network is on: the default bridge, or none with -b none. */
    public String defaultNetwork() {
        return config.string("bridge").equals(NONE) ? NONE : BRIDGE;
    }

    static void checkEndpoint(NetworkRecord n, EndpointSettings s) {
        boolean userDefined = !PREDEFINED.contains(n.name());
        if (!s.requestedAddress().isEmpty()) {
            if (!userDefined) {
                throw new InvalidParameterException("user specified IP address is supported on user defined networks only");
            }
            if (n.ipam().config().isEmpty() || n.ipam().config().stream().allMatch(c -> c.subnet().isEmpty())) {
                throw new InvalidParameterException(
                        "user specified IP address is supported only when connecting to networks with user configured subnets");
            }
            Subnet4.address(s.requestedAddress());
        }
        if (!userDefined && s.aliases() != null && !s.aliases().isEmpty()) {
            throw new InvalidParameterException("network-scoped alias is supported only for containers in user defined networks");
        }
    }

    // ---- shutdown ----

    /**
     * Without --live-restore the containers are stopped by now (the container service goes first):
     * each network's kernel state goes with the daemon and comes back at the next start.
     */
    @Deactivate
    void deactivate() {
        sandboxes.stopAll();
        if (liveRestore) {
            return;
        }
        for (NetworkRecord n : snapshot()) {
            driver(n.driver()).ifPresent(d -> {
                try {
                    d.deleteNetwork(spi(n));
                } catch (IOException | RuntimeException e) {
                    LOG.warn("removing network {} from the kernel: {}", n.name(), e.getMessage());
                }
            });
        }
    }

    /** The sandboxes of running containers. */
    public Sandboxes sandboxes() {
        return sandboxes;
    }
}
