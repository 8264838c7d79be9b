package io.wharf.core.internal.network;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.network.proxy.HostPort;
import io.wharf.core.internal.network.proxy.PortProxy;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.network.Endpoint;

/**
 * Published ports (libnetwork's portmapper with docker-proxy): each host port is taken by binding
 * a listener on it at once, so two containers never get the same one and an ephemeral port is the
 * kernel's choice in its local port range; the listener then forwards to the container, for the
 * traffic the firewall's translation does not see (the host's loopback, other containers).
 */
final class Ports {

    private static final Logger LOG = LoggerFactory.getLogger(Ports.class);

    /** One published port: the container port ("80/tcp"), the mapping, and the bound host port until its proxy takes it over. */
    static final class Binding implements AutoCloseable {

        private final String port;
        private final Endpoint.PortMapping mapping;
        private HostPort bound; // guarded by this: until forwardTo
        private PortProxy proxy; // guarded by this: from forwardTo

        Binding(String port, Endpoint.PortMapping mapping, HostPort bound) {
            this.port = port;
            this.mapping = mapping;
            this.bound = bound;
        }

        String port() {
            return port;
        }

        Endpoint.PortMapping mapping() {
            return mapping;
        }

        synchronized void forwardTo(String containerIp) {
            if (bound != null) {
                proxy = PortProxy.start(bound, InetAddress.ofLiteral(containerIp), mapping.containerPort());
                bound = null;
            }
        }

        @Override
        public synchronized void close() {
            if (proxy != null) {
                proxy.close();
            }
            if (bound != null) {
                try {
                    bound.close();
                } catch (IOException e) {
                    LOG.warn("freeing host port {}: {}", mapping, e.getMessage());
                }
            }
        }
    }

    /**
     * Binds the requested host ports and, with {@code publishAll}, an ephemeral one for every
     * exposed port not requested. On failure nothing stays bound.
     */
    List<Binding> bind(List<PortRequest> requests, List<String> exposed, boolean publishAll) throws IOException {
        List<PortRequest> all = new ArrayList<>(requests);
        if (publishAll) {
            Set<String> requested = new HashSet<>();
            requests.forEach(r -> requested.add(normal(r.port())));
            exposed.stream().filter(p -> !requested.contains(normal(p))).forEach(p -> all.add(new PortRequest(p, "", "")));
        }
        List<Binding> out = new ArrayList<>();
        try {
            for (PortRequest r : all) {
                out.add(bind(r));
            }
        } catch (IOException | RuntimeException e) {
            for (Binding b : out) {
                b.close();
            }
            throw e;
        }
        return out;
    }

    /** Binds the ports a container had before the daemon restarted (--live-restore). */
    List<Binding> rebind(Map<String, List<PublishedPort>> ports) throws IOException {
        List<PortRequest> requests = new ArrayList<>();
        ports.forEach((port, hosts) -> {
            if (hosts != null) {
                hosts.forEach(h -> requests.add(new PortRequest(port, h.hostIp(), h.hostPort())));
            }
        });
        return bind(requests, List.of(), false);
    }

    private static Binding bind(PortRequest r) throws IOException {
        String port = normal(r.port());
        int slash = port.indexOf('/');
        int containerPort = number(port.substring(0, slash), r.port());
        String protocol = port.substring(slash + 1);
        if (!protocol.equals("tcp") && !protocol.equals("udp")) {
            throw new InvalidParameterException("unsupported protocol " + protocol + " for port " + r.port());
        }
        String hostIp = r.hostIp().isEmpty() ? "0.0.0.0" : r.hostIp();
        InetAddress address;
        try {
            address = InetAddress.ofLiteral(hostIp);
        } catch (IllegalArgumentException e) {
            throw new InvalidParameterException("invalid host IP " + hostIp + " for port " + r.port());
        }
        int[] range = hostRange(r.hostPort());
        HostPort bound = range[0] == 0 ? HostPort.allocate(protocol, address)
                : range[0] == range[1] ? HostPort.bind(protocol, address, range[0])
                : HostPort.allocate(protocol, address, range[0], range[1]);
        return new Binding(port, new Endpoint.PortMapping(protocol, hostIp, bound.port(), containerPort), bound);
    }

    /** "80" as "80/tcp"; "80/TCP" as "80/tcp". */
    private static String normal(String port) {
        return port.contains("/") ? port.toLowerCase(Locale.ROOT) : port + "/tcp";
    }

    /** The host ports to try: "" or "0" is one ephemeral port (0), "8080" one, "8000-8010" each in turn. */
    private static int[] hostRange(String hostPort) {
        if (hostPort.isEmpty() || hostPort.equals("0")) {
            return new int[] {0, 0};
        }
        int dash = hostPort.indexOf('-');
        if (dash < 0) {
            int p = number(hostPort, hostPort);
            return new int[] {p, p};
        }
        return new int[] {number(hostPort.substring(0, dash), hostPort), number(hostPort.substring(dash + 1), hostPort)};
    }

    private static int number(String s, String whole) {
        try {
            int n = Integer.parseInt(s);
            if (n >= 0 && n <= 65535) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new InvalidParameterException("invalid port specification: \"" + whole + "\"");
    }

    /** The exposed ports that have no binding, each to null, as NetworkSettings.Ports shows them. */
    static Map<String, List<PublishedPort>> exposedOnly(List<String> exposed, List<Binding> bindings) {
        Set<String> bound = new HashSet<>();
        bindings.forEach(b -> bound.add(b.port()));
        Map<String, List<PublishedPort>> out = new LinkedHashMap<>();
        for (String p : exposed) {
            if (!bound.contains(normal(p))) {
                out.put(normal(p), null);
            }
        }
        return out;
    }

    /** The mappings of published ports as a container's state keeps them ("80/tcp" to its host ends). */
    static List<Endpoint.PortMapping> mappings(Map<String, List<PublishedPort>> ports) {
        List<Endpoint.PortMapping> out = new ArrayList<>();
        ports.forEach((port, hosts) -> {
            if (hosts != null) {
                String normal = normal(port);
                int slash = normal.indexOf('/');
                for (PublishedPort h : hosts) {
                    out.add(new Endpoint.PortMapping(normal.substring(slash + 1), h.hostIp(), Integer.parseInt(h.hostPort()),
                            Integer.parseInt(normal.substring(0, slash))));
                }
            }
        });
        return out;
    }
}
