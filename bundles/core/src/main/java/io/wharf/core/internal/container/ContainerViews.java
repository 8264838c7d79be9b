package io.wharf.core.internal.container;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.wharf.core.internal.network.EndpointSettings;
import io.wharf.core.internal.network.PublishedPort;
import io.wharf.core.internal.network.NetworkController;
import io.wharf.core.internal.network.SandboxState;


/** The JSON shapes dockerd answers about containers: inspect, the list's summaries, the status text. */
public final class ContainerViews {

    private ContainerViews() {
    }

    /** GET /containers/{id}/json (moby's ContainerJSON). */
    public static Map<String, Object> inspect(Container c, Map<String, String> graphDriverData, List<String> execIds,
            Long sizeRw, Long sizeRootFs) {
        var r = c.record();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("Id", c.id());
        out.put("Created", r.created());
        out.put("Path", r.path());
        out.put("Args", r.args());
        out.put("State", r.state());
        out.put("Image", r.image());
        out.put("ResolvConfPath", r.resolvConfPath());
        out.put("HostnamePath", r.hostnamePath());
        out.put("HostsPath", r.hostsPath());
        out.put("LogPath", r.logPath());
        out.put("Name", r.name());
        out.put("RestartCount", r.restartCount());
        out.put("Driver", r.driver());
        out.put("Platform", "linux");
        out.put("MountLabel", "");
        out.put("ProcessLabel", "");
        out.put("AppArmorProfile", "");
        out.put("ExecIDs", execIds.isEmpty() ? null : execIds);
        out.put("HostConfig", c.hostConfig());
        out.put("GraphDriver", Map.of("Name", r.driver(), "Data", graphDriverData));
        if (sizeRw != null) {
            out.put("SizeRw", sizeRw);
            out.put("SizeRootFs", sizeRootFs);
        }
        out.put("Mounts", mounts(c));
        out.put("Config", r.config());
        out.put("NetworkSettings", networkSettings(c));
        return out;
    }

    /** One entry of GET /containers/json (moby's types.Container). */
    public static Map<String, Object> summary(Container c, Long sizeRw, Long sizeRootFs) {
        ContainerConfig cfg = c.config();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("Id", c.id());
        out.put("Names", List.of(c.name()));
        out.put("Image", cfg.image());
        out.put("ImageID", c.image());
        out.put("Command", command(c));
        out.put("Created", c.created().getEpochSecond());
        out.put("Ports", portSummaries(c));
        if (sizeRw != null) {
            out.put("SizeRw", sizeRw);
            out.put("SizeRootFs", sizeRootFs);
        }
        out.put("Labels", cfg.labels());
        out.put("State", c.state().status());
        out.put("Status", status(c.state(), Instant.now()));
        out.put("HostConfig", Map.of("NetworkMode", c.hostConfig().networkMode()));
        out.put("NetworkSettings", Map.of("Networks", networks(c)));
        out.put("Mounts", mounts(c));
        return out;
    }

    /** The command as docker ps shows it: path and arguments joined by spaces. */
    static String command(Container c) {
        List<String> parts = new ArrayList<>();
        parts.add(c.path());
        parts.addAll(c.args());
        return String.join(" ", parts);
    }

    /** moby's State.String(): "Up 5 seconds (Paused)", "Exited (0) 2 minutes ago", "Created". */
    static String status(ContainerState s, Instant now) {
        if (s.running()) {
            if (s.paused()) {
                return "Up " + since(s.startedAt(), now) + " (Paused)";
            }
            if (s.restarting()) {
                return "Restarting (" + s.exitCode() + ") " + since(s.finishedAt(), now) + " ago";
            }
            String health = s.health() == null ? "" : switch (s.health().status()) {
                case "starting" -> " (health: starting)";
                case "healthy", "unhealthy" -> " (" + s.health().status() + ")";
                default -> "";
            };
            return "Up " + since(s.startedAt(), now) + health;
        }
        if (s.status().equals("removing")) {
            return "Removal In Progress";
        }
        if (s.dead()) {
            return "Dead";
        }
        if (s.startedAt().equals(ContainerState.NEVER)) {
            return "Created";
        }
        if (s.finishedAt().equals(ContainerState.NEVER)) {
            return "";
        }
        return "Exited (" + s.exitCode() + ") " + since(s.finishedAt(), now) + " ago";
    }

    private static String since(String time, Instant now) {
        return HumanDuration.of(Duration.between(Instant.parse(time), now));
    }

    /**
     * Mounts of inspect and ps: the container's binds, volumes and --mount tmpfs mounts; a --tmpfs
     * (HostConfig.Tmpfs) is not a mount point to dockerd and is not listed.
     */
    public static List<Map<String, Object>> mounts(Container c) {
        HostConfig h = c.hostConfig();
        List<Map<String, Object>> out = new ArrayList<>();
        if (h.binds() != null) {
            for (String bind : h.binds()) {
                String[] f = bind.split(":");
                if (f.length < 2 || !f[0].startsWith("/")) {
                    continue;
                }
                String mode = f.length > 2 ? f[2] : "";
                out.add(mount("bind", f[0], f[1], mode, !mode.contains("ro"), "rprivate"));
            }
        }
        if (h.mounts() != null) {
            for (HostConfig.Mount m : h.mounts()) {
                if (m.type().equals("volume")) {
                    continue;
                }
                String propagation = m.type().equals("bind") ? (m.bindOptions() != null && m.bindOptions().propagation() != null
                        && !m.bindOptions().propagation().isEmpty() ? m.bindOptions().propagation() : "rprivate") : "";
                out.add(mount(m.type(), m.source() == null ? "" : m.source(), m.target(), "", !m.readOnly(), propagation));
            }
        }
        for (SharedBind b : c.sharedBinds()) {
            out.add(mount("bind", b.source(), b.destination(), b.rw() ? "" : "ro", b.rw(), "rprivate"));
        }
        for (VolumeMount vm : c.volumes()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Type", "volume");
            m.put("Name", vm.name());
            m.put("Source", vm.source());
            m.put("Destination", vm.destination());
            m.put("Driver", vm.driver());
            m.put("Mode", "z");
            m.put("RW", vm.rw());
            m.put("Propagation", "");
            out.add(m);
        }
        return out;
    }

    private static Map<String, Object> mount(String type, String source, String target, String mode, boolean rw,
            String propagation) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Type", type);
        m.put("Source", source);
        m.put("Destination", target);
        m.put("Mode", mode);
        m.put("RW", rw);
        m.put("Propagation", propagation);
        return m;
    }

    /** The networks a container is on, by name: with its run's endpoint while it runs, else as asked for. */
    private static Map<String, Object> networks(Container c) {
        SandboxState sandbox = c.sandbox();
        Map<String, Object> out = new LinkedHashMap<>();
        c.networks().forEach((name, asked) -> {
            EndpointSettings active = sandbox == null ? null : sandbox.networks().get(name);
            out.put(name, active != null && c.state().running() ? active : asked.inactive());
        });
        return out;
    }

    /** NetworkSettings.Ports: each published port's host ends, and null for a port only exposed. */
    private static Map<String, List<PublishedPort>> ports(Container c) {
        SandboxState sandbox = c.sandbox();
        return sandbox == null || !c.state().running() ? Map.of() : sandbox.ports();
    }

    /** The list's Ports: one entry per host binding, and one without host end per port only exposed. */
    private static List<Map<String, Object>> portSummaries(Container c) {
        List<Map<String, Object>> out = new ArrayList<>();
        ports(c).forEach((port, bindings) -> {
            int slash = port.indexOf('/');
            int privatePort = Integer.parseInt(slash < 0 ? port : port.substring(0, slash));
            String type = slash < 0 ? "tcp" : port.substring(slash + 1);
            if (bindings == null || bindings.isEmpty()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("PrivatePort", privatePort);
                m.put("Type", type);
                out.add(m);
                return;
            }
            for (PublishedPort b : bindings) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("IP", b.hostIp());
                m.put("PrivatePort", privatePort);
                m.put("PublicPort", Integer.parseInt(b.hostPort()));
                m.put("Type", type);
                out.add(m);
            }
        });
        return out;
    }

    private static Map<String, Object> networkSettings(Container c) {
        SandboxState sandbox = c.state().running() ? c.sandbox() : null;
        EndpointSettings bridge = sandbox == null ? null : sandbox.networks().get(NetworkController.BRIDGE);
        if (bridge == null) {
            bridge = EndpointSettings.empty();
        }
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("Bridge", "");
        n.put("SandboxID", sandbox == null ? "" : sandbox.sandboxId());
        n.put("HairpinMode", false);
        n.put("LinkLocalIPv6Address", "");
        n.put("LinkLocalIPv6PrefixLen", 0);
        n.put("Ports", ports(c));
        n.put("SandboxKey", sandbox == null ? "" : sandbox.sandboxKey());
        n.put("SecondaryIPAddresses", null);
        n.put("SecondaryIPv6Addresses", null);
        n.put("EndpointID", bridge.endpointId());
        n.put("Gateway", bridge.gateway());
        n.put("GlobalIPv6Address", "");
        n.put("GlobalIPv6PrefixLen", 0);
        n.put("IPAddress", bridge.ipAddress());
        n.put("IPPrefixLen", bridge.ipPrefixLen());
        n.put("IPv6Gateway", "");
        n.put("MacAddress", bridge.macAddress());
        n.put("Networks", networks(c));
        return n;
    }
}
