package io.wharf.core.internal.system;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import io.wharf.core.internal.config.DaemonConfig;
import io.wharf.core.internal.container.Container;
import io.wharf.core.internal.container.ContainerService;
import io.wharf.core.internal.container.ContainerViews;
import io.wharf.core.internal.daemon.DaemonContext;
import io.wharf.core.internal.daemon.WharfVersion;
import io.wharf.core.internal.events.EventHub;
import io.wharf.core.internal.image.ImageService;
import io.wharf.core.internal.network.NetworkController;
import io.wharf.core.internal.storage.StorageService;
import io.wharf.core.internal.router.system.SystemBackend;
import io.wharf.core.internal.server.ApiVersions;
import io.wharf.core.internal.router.volume.VolumeRouter;
import io.wharf.core.internal.volume.VolumeService;
import io.wharf.core.spi.runtime.ContainerdVersion;
import io.wharf.core.spi.runtime.OciRuntime;
import io.wharf.core.spi.runtime.RuntimeInfo;

/**
 * The daemon's answers to /info and /version in the shapes dockerd gives. Parts that later
 * subsystems own (containers, images, storage driver, plugins, runtimes) are present, typed as
 * dockerd types them, and empty until those subsystems fill them. containerd and its OCI runtime
 * come from the {@link RuntimeInfo} service while there is one.
 */
@Component(service = SystemBackend.class)
public final class SystemService implements SystemBackend {

    private static final DateTimeFormatter RFC3339_NANO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.nnnnnnnnnXXX")
            .withZone(ZoneOffset.UTC);

    private final DaemonContext daemon;
    private final EventHub events;
    private final StorageService storage;
    private final ImageService images;
    private final HostFacts host = HostFacts.read();
    private final Map<String, Object> version;
    private final Map<String, Object> engine;
    private final Map<String, String> pingHeaders;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile RuntimeInfo runtime;

    /** The containers, once restored; before that, and in tests without a runtime, there are none. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ContainerService containers;

    /** The volumes: absent only in tests that do not make one. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile VolumeService volumes;

    /** The networks: absent only in tests that do not make them. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile NetworkController networks;

    @Activate
    public SystemService(@Reference DaemonContext daemon, @Reference EventHub events, @Reference StorageService storage,
            @Reference ImageService images) {
        this.daemon = daemon;
        this.events = events;
        this.storage = storage;
        this.images = images;
        this.engine = engineComponent();
        this.version = buildVersion();
        this.pingHeaders = Map.of("Builder-Version", "1", "Swarm", "inactive");
    }

    /** The engine's fixed version answer, with the components running now (dockerd's fillPlatformVersion). */
    @Override
    public Map<String, Object> version() {
        Map<String, Object> v = new LinkedHashMap<>(version);
        List<Map<String, Object>> components = new java.util.ArrayList<>();
        components.add(engine);
        RuntimeInfo r = runtime;
        if (r != null) {
            ContainerdVersion containerd = r.containerd();
            components.add(component("containerd", containerd.version(), Map.of("GitCommit", containerd.revision())));
            OciRuntime oci = r.defaultRuntime();
            if (!oci.version().isEmpty()) {
                components.add(component(oci.name(), oci.version(), Map.of("GitCommit", oci.commit())));
            }
        }
        v.put("Components", components);
        return v;
    }

    private static Map<String, Object> component(String name, String version, Map<String, ?> details) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("Name", name);
        c.put("Version", version);
        c.put("Details", details);
        return c;
    }

    @Override
    public Map<String, String> pingHeaders() {
        return pingHeaders;
    }

    @Override
    public EventHub.Subscription subscribeEvents() {
        return events.subscribe();
    }

    private Map<String, Object> engineComponent() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("ApiVersion", ApiVersions.MAX.toString());
        details.put("Arch", host.goArch());
        details.put("BuildTime", WharfVersion.buildTime());
        details.put("Experimental", Boolean.toString(daemon.config().experimental()));
        details.put("GitCommit", WharfVersion.commit());
        details.put("GoVersion", javaVersion());
        details.put("KernelVersion", host.kernelVersion());
        details.put("MinAPIVersion", ApiVersions.MIN.toString());
        details.put("Os", "linux");
        return component("Engine", WharfVersion.version(), details);
    }

    private static String javaVersion() {
        return "java" + Runtime.version().feature() + " (" + Runtime.version() + ")";
    }

    private Map<String, Object> buildVersion() {
        String runtime = javaVersion();
        String buildTime = WharfVersion.buildTime();
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("Platform", Map.of("Name", "Wharf Engine"));
        v.put("Components", List.of(engine));
        v.put("Version", WharfVersion.version());
        v.put("ApiVersion", ApiVersions.MAX.toString());
        v.put("MinAPIVersion", ApiVersions.MIN.toString());
        v.put("GitCommit", WharfVersion.commit());
        v.put("GoVersion", runtime);
        v.put("Os", "linux");
        v.put("Arch", host.goArch());
        v.put("KernelVersion", host.kernelVersion());
        if (daemon.config().experimental()) {
            v.put("Experimental", true);
        }
        v.put("BuildTime", buildTime);
        return java.util.Collections.unmodifiableMap(v);
    }

    @Override
    public Map<String, Object> diskUsage() {
        Collection<Container> all = containers == null ? List.of() : containers.all();
        List<Map<String, Object>> summaries = new java.util.ArrayList<>();
        for (var image : images.images().all()) {
            Map<String, Object> summary = images.summary(image, t -> true);
            summary.put("Containers", all.stream().filter(c -> c.image().equals(image.id().toString())).count());
            summary.put("SharedSize", 0);
            summaries.add(summary);
        }
        List<Map<String, Object>> containerSummaries = new java.util.ArrayList<>();
        for (Container c : all) {
            long[] sizes = containers.sizes(c);
            containerSummaries.add(ContainerViews.summary(c, sizes[0], sizes[1]));
        }
        Map<String, Object> df = new LinkedHashMap<>();
        df.put("LayersSize", images.layersSize());
        df.put("Images", summaries);
        df.put("Containers", containerSummaries);
        df.put("Volumes", volumeUsage());
        df.put("BuildCache", List.of());
        return df;
    }

    /** The local volumes without driver options, each with its UsageData (dockerd's LocalVolumesSize). */
    private List<Map<String, Object>> volumeUsage() {
        VolumeService v = volumes;
        if (v == null) {
            return List.of();
        }
        List<Map<String, Object>> out = new java.util.ArrayList<>();
        try {
            for (var e : v.localVolumesSize()) {
                Map<String, Object> json = new LinkedHashMap<>(VolumeRouter.json(e.getKey()));
                json.put("UsageData", Map.of("Size", e.getValue(), "RefCount", e.getKey().references().size()));
                out.add(json);
            }
        } catch (java.io.IOException e) {
            throw new io.wharf.core.spi.errors.SystemException("volume usage: " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public Map<String, Object> info() {
        DaemonConfig config = daemon.config();
        Map<String, Object> i = new LinkedHashMap<>();
        i.put("ID", daemon.id());
        Collection<Container> all = containers == null ? List.of() : containers.all();
        long running = all.stream().filter(c -> c.state().running() && !c.state().paused()).count();
        long paused = all.stream().filter(c -> c.state().paused()).count();
        i.put("Containers", all.size());
        i.put("ContainersRunning", running);
        i.put("ContainersPaused", paused);
        i.put("ContainersStopped", all.size() - running - paused);
        i.put("Images", images.images().all().size());
        i.put("Driver", storage.driver().name());
        i.put("DriverStatus", driverStatus());
        i.put("Plugins", plugins(config, volumes, networks));
        i.put("MemoryLimit", true);
        i.put("SwapLimit", true);
        i.put("KernelMemory", false);
        i.put("KernelMemoryTCP", false);
        i.put("CpuCfsPeriod", true);
        i.put("CpuCfsQuota", true);
        i.put("CPUShares", true);
        i.put("CPUSet", true);
        i.put("PidsLimit", true);
        i.put("IPv4Forwarding", host.ipv4Forwarding());
        i.put("BridgeNfIptables", host.bridgeNfIptables());
        i.put("BridgeNfIp6tables", host.bridgeNfIp6tables());
        i.put("Debug", config.debug());
        i.put("NFd", HostFacts.openFileDescriptors());
        i.put("OomKillDisable", true);
        i.put("NGoroutines", Thread.activeCount());
        i.put("SystemTime", RFC3339_NANO.format(Instant.now()));
        i.put("LoggingDriver", "json-file");
        i.put("CgroupDriver", config.cgroupDriver());
        i.put("CgroupVersion", host.cgroupVersion());
        i.put("NEventsListener", events.listeners());
        i.put("KernelVersion", host.kernelVersion());
        i.put("OperatingSystem", host.operatingSystem());
        i.put("OSVersion", host.osVersion());
        i.put("OSType", "linux");
        i.put("Architecture", host.architecture());
        i.put("IndexServerAddress", "https://index.docker.io/v1/");
        i.put("RegistryConfig", registryConfig(config));
        i.put("NCPU", host.cpus());
        i.put("MemTotal", host.memTotal());
        i.put("GenericResources", null);
        i.put("DockerRootDir", config.dataRoot().toString());
        i.put("HttpProxy", env("HTTP_PROXY"));
        i.put("HttpsProxy", env("HTTPS_PROXY"));
        i.put("NoProxy", env("NO_PROXY"));
        i.put("Name", HostFacts.hostname());
        i.put("Labels", config.labels());
        i.put("ExperimentalBuild", config.experimental());
        i.put("ServerVersion", WharfVersion.version());
        RuntimeInfo r = runtime;
        OciRuntime oci = r == null ? null : r.defaultRuntime();
        i.put("Runtimes", oci == null ? Map.of() : Map.of(oci.name(), Map.of("path", oci.path())));
        i.put("DefaultRuntime", oci == null ? "runc" : oci.name());
        i.put("Swarm", swarm());
        i.put("LiveRestoreEnabled", config.bool("live-restore"));
        i.put("Isolation", "");
        i.put("InitBinary", "docker-init");
        // dockerd sets Expected to the ID it found.
        String containerdCommit = r == null ? "" : r.containerd().revision();
        String runcCommit = oci == null ? "" : oci.commit();
        i.put("ContainerdCommit", Map.of("ID", containerdCommit, "Expected", containerdCommit));
        i.put("RuncCommit", Map.of("ID", runcCommit, "Expected", runcCommit));
        i.put("InitCommit", Map.of("ID", "", "Expected", ""));
        i.put("SecurityOptions", List.of("name=seccomp,profile=builtin"));
        i.put("Warnings", daemon.warnings());
        return i;
    }

    /** The driver's own status pairs, then the driver bundles present now. */
    private List<List<String>> driverStatus() {
        List<List<String>> status = new java.util.ArrayList<>();
        storage.driver().status().forEach(e -> status.add(List.of(e.getKey(), e.getValue())));
        status.add(List.of("Drivers present", String.join(", ", storage.presentDrivers())));
        return status;
    }

    private static Map<String, Object> plugins(DaemonConfig config, VolumeService volumes, NetworkController networks) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("Volume", volumes == null ? List.of() : volumes.driverNames());
        p.put("Network", networks == null ? List.of() : networks.driverNames());
        p.put("Authorization", config.list("authorization-plugins").isEmpty() ? null : config.list("authorization-plugins"));
        p.put("Log", List.of("json-file"));
        return p;
    }

    private static Map<String, Object> registryConfig(DaemonConfig config) {
        Map<String, Object> indexConfigs = new LinkedHashMap<>();
        indexConfigs.put("docker.io", Map.of("Name", "docker.io", "Mirrors", config.list("registry-mirrors"),
                "Secure", true, "Official", true));
        List<String> insecureCidrs = new java.util.ArrayList<>(List.of("127.0.0.0/8"));
        for (String registry : config.list("insecure-registries")) {
            if (registry.contains("/")) {
                insecureCidrs.add(registry);
            } else {
                indexConfigs.put(registry, Map.of("Name", registry, "Mirrors", List.of(), "Secure", false, "Official", false));
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("AllowNondistributableArtifactsCIDRs", List.of());
        r.put("AllowNondistributableArtifactsHostnames", List.of());
        r.put("InsecureRegistryCIDRs", insecureCidrs);
        r.put("IndexConfigs", indexConfigs);
        r.put("Mirrors", config.list("registry-mirrors"));
        return r;
    }

    private static Map<String, Object> swarm() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("NodeID", "");
        s.put("NodeAddr", "");
        s.put("LocalNodeState", "inactive");
        s.put("ControlAvailable", false);
        s.put("Error", "");
        s.put("RemoteManagers", null);
        return s;
    }

    private static String env(String name) {
        String v = System.getenv(name);
        if (v == null) {
            v = System.getenv(name.toLowerCase(java.util.Locale.ROOT));
        }
        return v == null ? "" : v;
    }
}
