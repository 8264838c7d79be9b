package io.wharf.core.internal.container;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.network.EndpointSettings;
import io.wharf.core.internal.network.NetworkController;
import io.wharf.core.internal.network.PortRequest;
import io.wharf.core.internal.network.SandboxState;
import io.wharf.core.internal.network.Sandboxes;
import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.ForbiddenException;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.NotFoundException;

/**
 * A container's side of networking: the networks it is on (from create, connect and disconnect),
 * the sandbox each run gets from the {@link NetworkController}, and the /etc/hosts entries the run
 * needs (its own addresses, and --link's on the default bridge).
 */
final class ContainerNetworking {

    private static final Logger LOG = LoggerFactory.getLogger(ContainerNetworking.class);

    private final NetworkController controller;
    private final Function<String, Container> containers;

    ContainerNetworking(NetworkController controller, Function<String, Container> containers) {
        this.controller = controller;
        this.containers = containers;
    }

    NetworkController controller() {
        return controller;
    }

    /**
     * The networks of a new container by name, checked against its network mode. One at most, as
     * API 1.41 has it: more are connected after the create.
     */
    Map<String, EndpointSettings> atCreate(HostConfig host, Map<String, EndpointSettings> requested) {
        if (requested != null && requested.size() > 1) {
            throw new InvalidParameterException("Container cannot be connected to network endpoints: "
                    + String.join(", ", requested.keySet()));
        }
        String mode = host.networkMode();
        if (mode.startsWith("container:")) {
            Container other = containers.apply(mode.substring("container:".length()));
            if (other == null) {
                throw new NotFoundException("No such container: " + mode.substring("container:".length()));
            }
        }
        return controller.endpointsAtCreate(mode, requested);
    }

    /** Gives a starting container its sandbox (none for host, none or another container's namespace). */
    void attach(Container c) throws IOException {
        Map<String, EndpointSettings> networks = c.networks();
        if (c.config().networkDisabled() || networks.isEmpty()) {
            c.sandbox(null);
            return;
        }
        List<PortRequest> ports = new ArrayList<>();
        Map<String, List<HostConfig.PortBinding>> bindings = c.hostConfig().portBindings();
        if (bindings != null) {
            bindings.forEach((port, list) -> {
                for (HostConfig.PortBinding b : list == null || list.isEmpty() ? List.of(new HostConfig.PortBinding("", ""))
                        : list) {
                    ports.add(new PortRequest(port, b.hostIp() == null ? "" : b.hostIp(), b.hostPort() == null ? "" : b.hostPort()));
                }
            });
        }
        Map<String, Object> exposed = c.config().exposedPorts();
        SandboxState state = controller.sandboxes().attach(new Sandboxes.SandboxRequest(c.id(), c.name(), networks, ports,
                exposed == null ? List.of() : List.copyOf(exposed.keySet()), c.hostConfig().publishAllPorts()));
        c.sandbox(state);
    }

    /** Undoes the run's sandbox, also one left by a daemon before this one. */
    void detach(Container c) {
        SandboxState state = c.sandbox();
        controller.sandboxes().detach(c.id(), state);
        c.sandbox(null);
    }

    /** Takes back the sandbox of a container that kept running through a daemon restart. */
    void adopt(Container c) {
        if (c.sandbox() != null) {
            try {
                controller.sandboxes().adopt(c.id(), c.name(), c.sandbox());
            } catch (IOException | RuntimeException e) {
                LOG.warn("container {} keeps running but its published ports and DNS could not be restored: {}",
                        c.shortId(), e.getMessage());
            }
        }
    }

    /** The network namespace the run joins: its sandbox's, another container's, or null for a new (none) or the host's. */
    String namespace(Container c) {
        String mode = c.hostConfig().networkMode();
        if (mode.startsWith("container:")) {
            Container other = containers.apply(mode.substring("container:".length()));
            if (other == null) {
                throw new NotFoundException("No such container: " + mode.substring("container:".length()));
            }
            if (!other.state().running() || other.state().restarting()) {
                throw new ConflictException("cannot join network of a non running container: " + other.id());
            }
            return other.sandbox() != null ? other.sandbox().sandboxKey() : "/proc/" + other.state().pid() + "/ns/net";
        }
        return c.sandbox() == null ? null : c.sandbox().sandboxKey();
    }

    /**
     * The lines /etc/hosts gets for a run: the container's addresses with its hostname, and on the
     * default bridge each --link target's address with the link's alias, its id and its name.
     */
    List<String> hostsEntries(Container c) {
        List<String> out = new ArrayList<>();
        SandboxState state = c.sandbox();
        if (state == null) {
            return out;
        }
        String hostname = c.config().hostname();
        String domain = c.config().domainname();
        String names = domain == null || domain.isEmpty() ? hostname : hostname + "." + domain + "\t" + hostname;
        state.networks().values().forEach(e -> out.add(e.ipAddress() + "\t" + names));
        for (String link : c.hostConfig().links() == null ? List.<String>of() : c.hostConfig().links()) {
            String[] parts = parseLink(link);
            Container target = containers.apply(parts[0]);
            String address = target == null ? null : controller.sandboxes().bridgeAddress(target.id()).orElse(null);
            if (address == null) {
                throw new InvalidParameterException("Cannot link to a non running container: /" + parts[0] + " AS "
                        + c.name() + "/" + parts[1]);
            }
            String targetHostname = target.config().hostname();
            out.add(address + "\t" + parts[1] + " " + targetHostname + " " + target.name().substring(1));
        }
        return out;
    }

    /** "name:alias", "/name:/other/alias" or "name" as {name, alias}. */
    static String[] parseLink(String link) {
        int colon = link.indexOf(':');
        String name = (colon < 0 ? link : link.substring(0, colon)).replaceFirst("^/", "");
        String alias = colon < 0 ? name : link.substring(colon + 1);
        alias = alias.substring(alias.lastIndexOf('/') + 1);
        return new String[] {name, alias};
    }

    /** POST /networks/{id}/connect: the network is added to the container's, and joined now when it runs. */
    void connect(Container c, String network, EndpointSettings requested) throws IOException {
        String mode = c.hostConfig().networkMode();
        if (mode.equals("host") || mode.equals("none") || mode.startsWith("container:")) {
            throw new ForbiddenException("container cannot be disconnected from host network or connected to host network");
        }
        Map<String, EndpointSettings> checked = controller.endpointsAtCreate(network, Map.of(network, requested));
        String name = checked.keySet().iterator().next();
        if (c.networks().containsKey(name)) {
            throw new ForbiddenException("endpoint with name " + c.name().substring(1) + " already exists in network " + name);
        }
        if (c.state().running()) {
            c.sandbox(controller.sandboxes().connect(c.id(), name, checked.get(name)));
        }
        Map<String, EndpointSettings> updated = new LinkedHashMap<>(c.networks());
        updated.put(name, checked.get(name));
        c.networks(updated);
    }

    /** POST /networks/{id}/disconnect. */
    void disconnect(Container c, String network) {
        String name = controller.get(network).name();
        if (!c.networks().containsKey(name)) {
            throw new ForbiddenException("container " + c.id() + " is not connected to network " + network);
        }
        if (c.state().running()) {
            c.sandbox(controller.sandboxes().disconnect(c.id(), name));
        }
        Map<String, EndpointSettings> updated = new LinkedHashMap<>(c.networks());
        updated.remove(name);
        c.networks(updated);
    }
}
