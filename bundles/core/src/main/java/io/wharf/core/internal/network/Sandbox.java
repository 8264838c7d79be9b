package io.wharf.core.internal.network;

import java.io.IOException;
import java.net.Inet4Address;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.network.dns.DnsServer;
import io.wharf.core.internal.network.dns.Names;

/**
 * A running container's network namespace as the controller keeps it: its endpoints by network
 * name, its published ports with their proxies, and its embedded DNS server.
 */
final class Sandbox {

    private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);
    private static final Path HOST_RESOLV_CONF = Path.of("/etc/resolv.conf");

    private final String containerId;
    private final String sandboxId;
    private final Path key;
    private final Map<String, EndpointSettings> endpoints = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    private volatile String containerName;
    private List<Ports.Binding> bindings = List.of(); // guarded by this
    private Map<String, List<PublishedPort>> exposedOnly = Map.of(); // guarded by this
    private DnsServer dns; // guarded by this

    Sandbox(String containerId, String containerName, String sandboxId, Path key) {
        this.containerId = containerId;
        this.containerName = containerName;
        this.sandboxId = sandboxId;
        this.key = key;
    }

    String containerId() {
        return containerId;
    }

    String containerName() {
        return containerName;
    }

    void containerName(String value) {
        this.containerName = value;
    }

    Path key() {
        return key;
    }

    /** Its endpoints by network name; a snapshot is taken under the map's lock. */
    Map<String, EndpointSettings> endpoints() {
        return endpoints;
    }

    /** The names it answers to on a network, lower-case: its name, then its aliases there. */
    List<String> names(String network) {
        List<String> out = new ArrayList<>();
        out.add(containerName.toLowerCase(Locale.ROOT));
        EndpointSettings e = endpoints.get(network);
        if (e != null && e.aliases() != null) {
            e.aliases().forEach(a -> out.add(a.toLowerCase(Locale.ROOT)));
        }
        return out;
    }

    /** Its published ports, and the ports it exposes without publishing them ("80/tcp" to null). */
    synchronized void ports(List<Ports.Binding> published, Map<String, List<PublishedPort>> exposed) {
        this.bindings = List.copyOf(published);
        this.exposedOnly = new LinkedHashMap<>(exposed);
    }

    /** Starts forwarding each published port to the container's address. */
    synchronized void startProxies(String containerIp) {
        for (Ports.Binding b : bindings) {
            b.forwardTo(containerIp);
        }
    }

    /** Starts the embedded DNS in the namespace, once; it answers from the controller's view of the networks. */
    synchronized void startDns(Sandboxes controller) throws IOException {
        if (dns != null) {
            return;
        }
        Names names = new Names() {
            @Override
            public List<Inet4Address> lookup(String name) {
                return controller.resolve(containerId, name).stream().map(a -> (Inet4Address) a).toList();
            }

            @Override
            public String reverse(Inet4Address address) {
                return controller.reverse(containerId, address.getHostAddress()).orElse(null);
            }
        };
        dns = DnsServer.start(key, names, DnsServer.upstreams(HOST_RESOLV_CONF));
    }

    /** Stops the DNS server and the proxies (the ports are free again). */
    synchronized void stop() {
        if (dns != null) {
            dns.close();
            dns = null;
        }
        for (Ports.Binding b : bindings) {
            b.close();
        }
        bindings = List.of();
    }

    /** The state kept in the container's record. */
    SandboxState state() {
        Map<String, List<PublishedPort>> ports;
        synchronized (this) {
            ports = new LinkedHashMap<>(exposedOnly);
            for (Ports.Binding b : bindings) {
                ports.computeIfAbsent(b.port(), p -> new ArrayList<>())
                        .add(new PublishedPort(b.mapping().hostIp(), Integer.toString(b.mapping().hostPort())));
            }
        }
        Map<String, EndpointSettings> snapshot;
        synchronized (endpoints) {
            snapshot = new LinkedHashMap<>(endpoints);
        }
        boolean embeddedDns;
        synchronized (this) {
            embeddedDns = dns != null;
        }
        return new SandboxState(sandboxId, key.toString(), snapshot, ports, embeddedDns);
    }
}
