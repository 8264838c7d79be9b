package io.wharf.core.internal.container.spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.wharf.core.internal.container.ContainerConfig;
import io.wharf.core.internal.container.HostConfig;
import io.wharf.core.spi.errors.SystemException;

/**
 * Builds the OCI runtime spec of a container as dockerd 20.10's createSpec does (moby
 * daemon/oci_linux.go), and the process of a docker exec as its ContainerExecStart does. The
 * settings were checked at create ({@link ContainerSettings}); what can still fail here depends on
 * the host or the image at start (a missing user, a device that went away) and is reported as a
 * {@link SystemException} with dockerd's message, as dockerd reports a failed createSpec.
 */
public final class OciSpecBuilder {

    private static final Path HOST_DEVICES = Path.of("/dev");

    // dockerd's defaults for an unprivileged container; create writes them into its HostConfig.
    static final List<String> MASKED_PATHS = List.of("/proc/asound", "/proc/acpi", "/proc/kcore",
            "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
            "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");
    static final List<String> READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");

    private final SpecPlatform platform;

    public OciSpecBuilder(SpecPlatform platform) {
        this.platform = platform;
    }

    /** The container's spec. Creates missing Binds sources as directories, as dockerd does at start. */
    public OciSpec build(SpecInput in) {
        ContainerConfig c = in.config();
        HostConfig h = in.host();

        Path init = init(h);
        List<String> args = command(c);
        if (init != null) {
            args.addAll(0, List.of(SpecMounts.INIT_PATH, "--"));
        }

        ContainerUser user = ContainerUser.resolve(in.rootfs(), c.user(), h.groupAdd());
        List<String> caps = Capabilities.tweak(h.capAdd(), h.capDrop(), h.privileged(),
                platform.capabilities());
        SecurityOptions security = SecurityOptions.parse(h.securityOpt(), platform.noNewPrivileges());
        OciSpec.Process process = new OciSpec.Process(c.tty(), user.toSpec(), args, ProcessEnv.of(c, c.tty()),
                c.workingDir().isEmpty() ? "/" : c.workingDir(), Capabilities.forUser(caps, user.uid()),
                Rlimits.of(h.ulimits(), platform.defaultUlimits(), platform.hardRlimits()), security.noNewPrivileges(),
                h.oomScoreAdj());

        refuseDeviceRequests(h);
        Devices.Mapped devices = devices(h);
        SpecMounts.Result mounts = SpecMounts.of(in, MountPoint.of(h), init);
        OciSpec.Linux linux = new OciSpec.Linux(sysctls(c, h), SpecResources.of(h, devices.rules()), cgroupsPath(in),
                namespaces(in), devices.devices(), seccomp(security, h, caps), mounts.rootfsPropagation(),
                h.maskedPaths() != null ? h.maskedPaths() : h.privileged() ? null : MASKED_PATHS,
                h.readonlyPaths() != null ? h.readonlyPaths() : h.privileged() ? null : READONLY_PATHS);
        return new OciSpec(OciSpec.VERSION, process, new OciSpec.Root(in.rootfs().toString(), h.readonlyRootfs()),
                Modes.isHost(h.utsMode()) ? "" : c.hostname(), mounts.mounts(), linux);
    }

    /**
     * The process of an exec: the container's, with the exec's command, environment, terminal,
     * working directory and (when given) user; every capability when privileged; the rlimits
     * worked out afresh.
     */
    public OciSpec.Process execProcess(ExecInput e) {
        OciSpec.Process p = e.containerProcess();
        String userSpec = e.user().isEmpty() ? e.config().user() : e.user();
        OciSpec.User user = userSpec.isEmpty() ? p.user()
                : ContainerUser.resolve(e.rootfs(), userSpec, e.host().groupAdd()).toSpec();
        String cwd = e.workingDir().isEmpty() ? e.config().workingDir() : e.workingDir();
        return new OciSpec.Process(e.tty(), user, e.cmd(),
                ProcessEnv.replaceOrAppend(ProcessEnv.of(e.config(), e.tty()), e.env()), cwd.isEmpty() ? "/" : cwd,
                e.privileged() ? Capabilities.all(platform.capabilities()) : p.capabilities(),
                Rlimits.of(e.host().ulimits(), platform.defaultUlimits(), platform.hardRlimits()), p.noNewPrivileges(),
                p.oomScoreAdj());
    }

    /**
     * The host's docker-init when the container runs it: asked for (or the daemon's default) and
     * in a PID namespace of its own, where it is PID 1; another namespace already has an init.
     */
    private Path init(HostConfig h) {
        if (!Modes.isPrivate(h.pidMode()) || !(h.init() != null ? h.init() : platform.initByDefault())) {
            return null;
        }
        if (platform.initBinary() == null) {
            throw new SystemException("exec: \"docker-init\": executable file not found in $PATH");
        }
        return platform.initBinary();
    }

    /** Entrypoint then Cmd (moby getEntrypointAndArgs). */
    private static List<String> command(ContainerConfig c) {
        ContainerSettings.requireCommand(c);
        List<String> args = new ArrayList<>();
        if (c.entrypoint() != null) {
            args.addAll(c.entrypoint());
        }
        if (c.cmd() != null) {
            args.addAll(c.cmd());
        }
        return args;
    }

    /**
     * The domain name (there is no OCI field for it, the sysctl does the same), dockerd's network
     * defaults for a network namespace of the container's own, then the user's; sorted by name as
     * Go writes a map.
     */
    private Map<String, String> sysctls(ContainerConfig c, HostConfig h) {
        Map<String, String> sysctls = new TreeMap<>();
        if (!c.domainname().isEmpty()) {
            sysctls.put("kernel.domainname", c.domainname());
        }
        if (Modes.isPrivate(h.networkMode())) {
            sysctls.putAll(platform.networkSysctls());
        }
        if (h.sysctls() != null) {
            sysctls.putAll(h.sysctls());
        }
        return sysctls;
    }

    private String cgroupsPath(SpecInput in) {
        String parent = in.host().cgroupParent().isEmpty() ? platform.cgroupParent() : in.host().cgroupParent();
        return MountPoint.clean(parent + "/" + in.containerId());
    }

    /** dockerd's default set (mount, network, uts, pid, ipc), adjusted for each mode in place (moby WithNamespaces). */
    private static List<OciSpec.Namespace> namespaces(SpecInput in) {
        HostConfig h = in.host();
        Map<String, String> ns = new LinkedHashMap<>();
        for (String type : List.of("mount", "network", "uts", "pid", "ipc")) {
            ns.put(type, null);
        }
        if (!in.config().networkDisabled()) {
            if (Modes.isHost(h.networkMode())) {
                ns.remove("network");
            } else {
                ns.put("network", joined(in.networkNamespacePath(), h.networkMode(), "network"));
            }
        }
        String ipc = h.ipcMode();
        if (Modes.isHost(ipc)) {
            ns.remove("ipc");
        } else if (Modes.isContainer(ipc)) {
            ns.put("ipc", joined(in.ipcNamespacePath(), ipc, "IPC"));
        } else if (!Modes.isValidIpc(ipc)) {
            throw new SystemException("Invalid IPC mode: " + ipc);
        }
        if (Modes.isHost(h.pidMode())) {
            ns.remove("pid");
        } else if (Modes.isContainer(h.pidMode())) {
            ns.put("pid", joined(in.pidNamespacePath(), h.pidMode(), "PID"));
        }
        if (Modes.isHost(h.utsMode())) {
            ns.remove("uts");
        }
        if (!Modes.isValidCgroupns(h.cgroupnsMode())) {
            throw new SystemException("invalid cgroup namespace mode: " + h.cgroupnsMode());
        }
        if (h.cgroupnsMode().equals("private")) {
            ns.put("cgroup", null);
        }
        List<OciSpec.Namespace> out = new ArrayList<>();
        ns.forEach((type, path) -> out.add(new OciSpec.Namespace(type, path)));
        return out;
    }

    /** The path of a namespace to join: required for a "container:" mode, whose container must be running. */
    private static String joined(String path, String mode, String what) {
        if (path == null && Modes.isContainer(mode)) {
            throw new SystemException("cannot join " + what + " of a non running container: "
                    + mode.substring(mode.indexOf(':') + 1));
        }
        return path;
    }

    /**
     * The devices to create and the devices-cgroup rules (moby WithDevices): a privileged container
     * gets every host device and may use any; another gets its --device mappings, dockerd's default
     * rules and its --device-cgroup-rule lines.
     */
    private static Devices.Mapped devices(HostConfig h) {
        List<OciSpec.Device> devices = new ArrayList<>();
        List<OciSpec.DeviceRule> rules = new ArrayList<>();
        if (h.privileged()) {
            devices.addAll(Devices.host(HOST_DEVICES));
            rules.addAll(Devices.ALLOW_ALL);
        } else {
            rules.addAll(Devices.DEFAULT_RULES);
        }
        for (HostConfig.DeviceMapping d : deviceMappings(h)) {
            // A privileged container already has the host's /dev; only renamed devices are added.
            if (!h.privileged() || !d.pathOnHost().equals(d.pathInContainer())) {
                Devices.Mapped mapped = Devices.fromPath(d.pathOnHost(), d.pathInContainer(), permissions(d, h));
                devices.addAll(mapped.devices());
                if (!h.privileged()) {
                    rules.addAll(mapped.rules());
                }
            }
        }
        if (!h.privileged()) {
            rules.addAll(Devices.fromCgroupRules(h.deviceCgroupRules()));
        }
        return new Devices.Mapped(devices, rules);
    }

    /** GPUs and other device requests need a device driver, and Wharf has none (moby handleDevice). */
    private static void refuseDeviceRequests(HostConfig h) {
        if (h.deviceRequests() != null && !h.deviceRequests().isEmpty()) {
            Map<String, Object> request = h.deviceRequests().getFirst();
            Object capabilities = request.getOrDefault("Capabilities", List.of());
            throw new SystemException("could not select device driver " + GoFormat.quote(
                    String.valueOf(request.getOrDefault("Driver", ""))) + " with capabilities: "
                    + GoFormat.list(capabilities instanceof List<?> l ? l : List.of()));
        }
    }

    /** HostConfig.Devices with the container path defaulting to the host path, as the docker CLI fills it. */
    private static List<HostConfig.DeviceMapping> deviceMappings(HostConfig h) {
        return h.devices() == null ? List.of() : h.devices().stream()
                .map(d -> d.pathInContainer() == null || d.pathInContainer().isEmpty()
                        ? new HostConfig.DeviceMapping(d.pathOnHost(), d.pathOnHost(), d.cgroupPermissions()) : d)
                .toList();
    }

    /** The mapping's cgroup access; "rwm" when unset, and always in privileged mode. */
    private static String permissions(HostConfig.DeviceMapping d, HostConfig h) {
        return h.privileged() || d.cgroupPermissions() == null || d.cgroupPermissions().isEmpty() ? "rwm"
                : d.cgroupPermissions();
    }

    /** No filter for privileged containers or "seccomp=unconfined"; else the chosen or default profile. */
    private OciSpec.Seccomp seccomp(SecurityOptions security, HostConfig h, List<String> caps) {
        if (h.privileged() || security.seccomp().equals(SecurityOptions.UNCONFINED)) {
            return null;
        }
        SeccompProfile profile = security.seccomp().isEmpty() ? SeccompProfile.dockerDefault()
                : SeccompProfile.load(security.seccomp());
        return profile.compile(caps, platform.kernel());
    }
}
