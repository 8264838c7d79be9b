package io.wharf.core.internal.container.spec;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.wharf.core.internal.container.ContainerConfig;
import io.wharf.core.internal.container.HostConfig;
import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * dockerd's checks of a container's settings at create, with its messages, and the defaults it
 * fills in (moby runconfig's decode checks, daemon verifyContainerSettings,
 * verifyPlatformContainerResources, adaptContainerSettings). Beyond dockerd, the parts of the spec
 * dockerd only discovers at start (security options, mounts, ulimits, sysctls, device rules) are
 * checked here too, so a bad value is a 400 at create rather than a failed start.
 */
public final class ContainerSettings {

    /** dockerd's smallest memory limit: 6 MiB, room for a container's start-up. */
    static final long MIN_MEMORY = 6 * 1024 * 1024;
    /** dockerd's default /dev/shm size: 64 MiB. */
    static final long DEFAULT_SHM_SIZE = 64L * 1024 * 1024;
    private static final long MIN_DURATION_NANOS = 1_000_000;
    private static final Pattern IPV4 = Pattern.compile("^(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})$");

    private ContainerSettings() {
    }

    /**
     * Checks a create request's Config and HostConfig; returns dockerd's warnings. Throws {@link
     * InvalidParameterException} with dockerd's message at the first problem.
     */
    public static List<String> verify(ContainerConfig config, HostConfig host, SpecPlatform platform) {
        validateNetworkMode(config, host);
        if (!isDefaultIsolation(host.isolation())) {
            throw invalid("Invalid isolation: " + GoFormat.quote(host.isolation()) + " - linux only supports 'default'");
        }
        if (host.ioMaximumBandwidth() != 0) {
            throw invalid("Invalid QoS settings: linux does not support configuration of maximum bandwidth");
        }
        if (host.ioMaximumIOps() != 0) {
            throw invalid("Invalid QoS settings: linux does not support configuration of maximum IOPs");
        }
        if (host.cpuRealtimePeriod() != 0 && host.cpuRealtimeRuntime() != 0
                && host.cpuRealtimeRuntime() > host.cpuRealtimePeriod()) {
            throw invalid("cpu real-time runtime cannot be higher than cpu real-time period");
        }
        validateConfig(config);
        validateHostConfig(host, platform);
        List<String> warnings = new ArrayList<>();
        verifyResources(host, platform, warnings);
        verifyPlatform(host, warnings);
        validateSpecInputs(config, host, platform);
        return warnings;
    }

    /**
     * The HostConfig dockerd stores after create: swap twice the memory when only memory is limited,
     * the default /dev/shm size, OOM killing enabled unless disabled, a swappiness of -1 (the CLI's
     * "unset") and a PIDs limit of 0 or less (both "unlimited") removed, and the default masked and
     * read-only paths of an unprivileged container written out (inspect shows them).
     */
    public static HostConfig adapt(HostConfig host) {
        return adapt(host, DEFAULT_SHM_SIZE);
    }

    /** As {@link #adapt(HostConfig)}, with the daemon's --default-shm-size for /dev/shm. */
    public static HostConfig adapt(HostConfig host, long defaultShmSize) {
        long swap = host.memory() > 0 && host.memorySwap() == 0 ? host.memory() * 2 : host.memorySwap();
        Long swappiness = host.memorySwappiness() != null && host.memorySwappiness() == -1 ? null
                : host.memorySwappiness();
        Long pids = host.pidsLimit() != null && host.pidsLimit() <= 0 ? null : host.pidsLimit();
        boolean defaultPaths = !host.privileged();
        return host.withCreateDefaults(swap, swappiness, host.shmSize() == 0 ? defaultShmSize : host.shmSize(),
                host.oomKillDisable() == null ? Boolean.FALSE : host.oomKillDisable(), pids,
                host.maskedPaths() == null && defaultPaths ? OciSpecBuilder.MASKED_PATHS : host.maskedPaths(),
                host.readonlyPaths() == null && defaultPaths ? OciSpecBuilder.READONLY_PATHS : host.readonlyPaths());
    }

    /**
     * A ulimit as --ulimit and --default-ulimit write it, "name=soft[:hard]" (go-units ParseUlimit),
     * checked with its messages.
     */
    public static HostConfig.Ulimit parseUlimit(String text) {
        int eq = text.indexOf('=');
        if (eq < 0) {
            throw invalid("invalid ulimit argument: " + text);
        }
        String[] limits = text.substring(eq + 1).split(":", -1);
        if (limits.length > 2) {
            throw invalid("too many limit value arguments - " + text.substring(eq + 1) + ", can only have up to two, `soft[:hard]`");
        }
        try {
            long soft = Long.parseLong(limits[0]);
            long hard = limits.length == 2 ? Long.parseLong(limits[1]) : soft;
            HostConfig.Ulimit u = new HostConfig.Ulimit(text.substring(0, eq), soft, hard);
            Rlimits.validate(u);
            return u;
        } catch (NumberFormatException e) {
            throw invalid("invalid ulimit argument: " + text);
        }
    }

    /** The check dockerd makes after merging the image's Config: something must run. */
    public static void requireCommand(ContainerConfig merged) {
        if ((merged.entrypoint() == null || merged.entrypoint().isEmpty())
                && (merged.cmd() == null || merged.cmd().isEmpty())) {
            throw invalid("No command specified");
        }
    }

    /** runconfig validateNetMode: what a shared network or UTS namespace rules out. */
    private static void validateNetworkMode(ContainerConfig c, HostConfig h) {
        String mode = h.networkMode();
        boolean container = mode.equals("container") || Modes.isContainer(mode);
        if (container && mode.length() <= "container:".length()) {
            throw invalid("Invalid network mode: invalid container format container:<name|id>");
        }
        if (container && !c.hostname().isEmpty()) {
            throw invalid("conflicting options: hostname and the network mode");
        }
        if (container && notEmpty(h.links())) {
            throw invalid("conflicting options: container type network can't be used with links. This would result"
                    + " in undefined behavior");
        }
        if (container && notEmpty(h.dns())) {
            throw invalid("conflicting options: dns and the network mode");
        }
        if (container && notEmpty(h.extraHosts())) {
            throw invalid("conflicting options: custom host-to-IP mapping and the network mode");
        }
        if ((container || Modes.isHost(mode)) && c.macAddress() != null && !c.macAddress().isEmpty()) {
            throw invalid("conflicting options: mac-address and the network mode");
        }
        if (container && (notEmpty(h.portBindings()) || h.publishAllPorts())) {
            throw invalid("conflicting options: port publishing and the container type network mode");
        }
        if (container && notEmpty(c.exposedPorts())) {
            throw invalid("conflicting options: port exposing and the container type network mode");
        }
        if (Modes.isHost(h.utsMode()) && !c.hostname().isEmpty()) {
            throw invalid("conflicting options: hostname and the UTS mode");
        }
        if (Modes.isHost(mode) && notEmpty(h.links())) {
            throw invalid("conflicting options: host type networking can't be used with links. This would result in"
                    + " undefined behavior");
        }
    }

    /** daemon validateContainerConfig. */
    private static void validateConfig(ContainerConfig c) {
        if (!c.workingDir().isEmpty() && !c.workingDir().startsWith("/")) {
            throw invalid("the working directory '" + c.workingDir() + "' is invalid, it needs to be an absolute path");
        }
        if (c.stopSignal() != null && !c.stopSignal().isEmpty()) {
            Signals.parse(c.stopSignal());
        }
        for (String env : c.env() == null ? List.<String>of() : c.env()) {
            if (env.isEmpty() || env.startsWith("=")) {
                throw invalid("invalid environment variable: " + env);
            }
        }
        ContainerConfig.Healthcheck hc = c.healthcheck();
        if (hc != null) {
            checkDuration("Interval", hc.interval());
            checkDuration("Timeout", hc.timeout());
            if (hc.retries() < 0) {
                throw invalid("Retries in Healthcheck cannot be negative");
            }
            checkDuration("StartPeriod", hc.startPeriod());
        }
    }

    private static void checkDuration(String field, long nanos) {
        if (nanos != 0 && nanos < MIN_DURATION_NANOS) {
            throw invalid(field + " in Healthcheck cannot be less than 1ms");
        }
    }

    /** daemon validateHostConfig (its isolation check repeats runconfig's, made first). */
    private static void validateHostConfig(HostConfig h, SpecPlatform platform) {
        if (h.autoRemove() && !h.restartPolicy().isNone()) {
            throw invalid("can't create 'AutoRemove' container with restart policy");
        }
        for (HostConfig.Mount m : h.mounts() == null ? List.<HostConfig.Mount>of() : h.mounts()) {
            MountPoint.validate(m);
        }
        for (String extraHost : h.extraHosts() == null ? List.<String>of() : h.extraHosts()) {
            validateExtraHost(extraHost);
        }
        validatePortBindings(h.portBindings());
        validateRestartPolicy(h.restartPolicy());
        validateCapabilities("CapAdd", h.capAdd(), platform.capabilities());
        validateCapabilities("CapDrop", h.capDrop(), Capabilities.ALL);
    }

    private static void validateExtraHost(String value) {
        int colon = value.indexOf(':');
        if (colon <= 0) {
            throw invalid("bad format for add-host: " + GoFormat.quote(value));
        }
        String ip = value.substring(colon + 1);
        if (!ip.equals("host-gateway") && !isIpAddress(ip.strip())) {
            throw invalid("invalid IP address in add-host: " + GoFormat.quote(ip));
        }
    }

    /** An IPv4 address in dotted-decimal form or an IPv6 address, as Go's net.ParseIP takes them. */
    private static boolean isIpAddress(String s) {
        if (s.indexOf(':') < 0) {
            var m = IPV4.matcher(s);
            if (!m.matches()) {
                return false;
            }
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(m.group(i)) > 255) {
                    return false;
                }
            }
            return true;
        }
        try {
            InetAddress.ofLiteral(s);
            return !s.startsWith("[");
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Container ports must be single numbers, host ports a number or a range (go-connections nat). */
    private static void validatePortBindings(Map<String, List<HostConfig.PortBinding>> ports) {
        if (ports == null) {
            return;
        }
        for (Map.Entry<String, List<HostConfig.PortBinding>> e : ports.entrySet()) {
            String port = portPart(e.getKey());
            if (!port.isEmpty() && !isPort(port)) {
                throw invalid("invalid port specification: " + GoFormat.quote(port));
            }
            for (HostConfig.PortBinding pb : e.getValue() == null ? List.<HostConfig.PortBinding>of() : e.getValue()) {
                String hostPort = pb.hostPort() == null ? "" : pb.hostPort();
                if (!isPortRange(portPart(hostPort))) {
                    throw invalid("invalid port specification: " + GoFormat.quote(hostPort));
                }
            }
        }
    }

    /** The port of "port/proto" (nat.SplitProtoPort). */
    private static String portPart(String raw) {
        return raw.isEmpty() || raw.startsWith("/") ? "" : raw.split("/", -1)[0];
    }

    private static boolean isPort(String s) {
        return s.matches("[0-9]{1,5}") && Integer.parseInt(s) <= 65535;
    }

    private static boolean isPortRange(String s) {
        if (s.isEmpty()) {
            return true;
        }
        String[] parts = s.split("-", -1);
        if (parts.length == 1) {
            return isPort(s);
        }
        return isPort(parts[0]) && isPort(parts[1]) && Integer.parseInt(parts[1]) >= Integer.parseInt(parts[0]);
    }

    private static void validateRestartPolicy(HostConfig.RestartPolicy policy) {
        switch (policy.name()) {
            case "always", "unless-stopped", "no" -> {
                if (policy.maximumRetryCount() != 0) {
                    throw invalid("maximum retry count cannot be used with restart policy '" + policy.name() + "'");
                }
            }
            case "on-failure" -> {
                if (policy.maximumRetryCount() < 0) {
                    throw invalid("maximum retry count cannot be negative");
                }
            }
            case "" -> {
            }
            default -> throw invalid("invalid restart policy '" + policy.name() + "'");
        }
    }

    private static void validateCapabilities(String field, List<String> caps, List<String> available) {
        try {
            Capabilities.normalize(caps, available);
        } catch (InvalidParameterException e) {
            throw invalid("invalid " + field + ": " + e.getMessage());
        }
    }

    /**
     * daemon verifyPlatformContainerResources, on a host where every cgroup v1 controller is
     * mounted (its QoS check repeats runconfig's, made first).
     */
    private static void verifyResources(HostConfig h, SpecPlatform platform, List<String> warnings) {
        if (h.memory() != 0 && h.memory() < MIN_MEMORY) {
            throw invalid("Minimum memory limit allowed is 6MB");
        }
        if (h.memory() > 0 && h.memorySwap() > 0 && h.memorySwap() < h.memory()) {
            throw invalid("Minimum memoryswap limit should be larger than memory limit, see usage");
        }
        if (h.memory() == 0 && h.memorySwap() > 0) {
            throw invalid("You should always set the Memory limit when using Memoryswap limit, see usage");
        }
        Long swappiness = h.memorySwappiness();
        if (swappiness != null && swappiness != -1 && (swappiness < 0 || swappiness > 100)) {
            throw invalid("Invalid value: " + swappiness + ", valid memory swappiness range is 0-100");
        }
        if (h.memoryReservation() > 0 && h.memoryReservation() < MIN_MEMORY) {
            throw invalid("Minimum memory reservation allowed is 6MB");
        }
        if (h.memory() > 0 && h.memoryReservation() > 0 && h.memory() < h.memoryReservation()) {
            throw invalid("Minimum memory limit can not be less than memory reservation limit, see usage");
        }
        if (Boolean.TRUE.equals(h.oomKillDisable()) && h.memory() == 0) {
            warnings.add("OOM killer is disabled for the container, but no memory limit is set, this can result in"
                    + " the system running out of resources.");
        }
        if (h.nanoCpus() > 0 && h.cpuPeriod() > 0) {
            throw invalid("Conflicting options: Nano CPUs and CPU Period cannot both be set");
        }
        if (h.nanoCpus() > 0 && h.cpuQuota() > 0) {
            throw invalid("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
        }
        if (h.nanoCpus() < 0 || h.nanoCpus() > platform.cpus() * 1_000_000_000L) {
            throw invalid("Range of CPUs is from 0.01 to " + platform.cpus() + ".00, as there are only "
                    + platform.cpus() + " CPUs available");
        }
        if (h.cpuPeriod() != 0 && (h.cpuPeriod() < 1000 || h.cpuPeriod() > 1_000_000)) {
            throw invalid("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
        }
        if (h.cpuQuota() > 0 && h.cpuQuota() < 1000) {
            throw invalid("CPU cfs quota can not be less than 1ms (i.e. 1000)");
        }
        if (h.cpuPercent() > 0) {
            warnings.add("linux does not support CPU percent. Percent discarded.");
        }
        Cpuset.checkAvailable(h.cpusetCpus(), platform.cpusetCpus(), "cpus", "CPUs");
        Cpuset.checkAvailable(h.cpusetMems(), platform.cpusetMems(), "mems", "memory nodes");
        if (h.blkioWeight() > 0 && (h.blkioWeight() < 10 || h.blkioWeight() > 1000)) {
            throw invalid("Range of blkio weight is from 10 to 1000");
        }
    }

    /** The rest of daemon verifyPlatformContainerSettings. */
    private static void verifyPlatform(HostConfig h, List<String> warnings) {
        if (h.shmSize() < 0) {
            throw invalid("SHM size can not be less than 0");
        }
        if (h.oomScoreAdj() < -1000 || h.oomScoreAdj() > 1000) {
            throw invalid("Invalid value " + h.oomScoreAdj() + ", range for oom score adj is [-1000, 1000]");
        }
        if (Modes.isHost(h.networkMode()) && notEmpty(h.portBindings())) {
            warnings.add("Published ports are discarded when using host network mode");
        }
        if (!h.runtime().equals("runc") && !h.runtime().equals("io.containerd.runc.v2")) {
            throw invalid("Unknown runtime specified " + h.runtime());
        }
        for (String destination : h.tmpfs() == null ? List.<String>of() : h.tmpfs().keySet()) {
            MountPoint.validateTmpfsDestination(destination);
        }
        if (!Modes.isValidCgroupns(h.cgroupnsMode())) {
            throw invalid("invalid cgroup namespace mode: " + h.cgroupnsMode());
        }
    }

    /**
     * What dockerd would only find out at start, building the spec, checked with the same code the
     * builder uses: the IPC mode, security options and seccomp profile, Binds and Mounts, tmpfs
     * options, ulimits, device cgroup rules and sysctls.
     */
    private static void validateSpecInputs(ContainerConfig c, HostConfig h, SpecPlatform platform) {
        if (!Modes.isValidIpc(h.ipcMode())) {
            throw invalid("invalid IPC mode: " + h.ipcMode());
        }
        SecurityOptions security = SecurityOptions.parse(h.securityOpt(), platform.noNewPrivileges());
        if (!security.seccomp().isEmpty() && !security.seccomp().equals(SecurityOptions.UNCONFINED)) {
            SeccompProfile.load(security.seccomp()).compile(Capabilities.tweak(h.capAdd(), h.capDrop(),
                    h.privileged(), platform.capabilities()), platform.kernel());
        }
        MountPoint.of(h);
        if (h.tmpfs() != null) {
            h.tmpfs().values().forEach(TmpfsData::mountOptions);
        }
        for (HostConfig.Ulimit u : h.ulimits() == null ? List.<HostConfig.Ulimit>of() : h.ulimits()) {
            Rlimits.validate(u);
        }
        Devices.fromCgroupRules(h.deviceCgroupRules());
        Sysctls.validate(h.sysctls(), !Modes.isHost(h.ipcMode()), !Modes.isHost(h.networkMode()),
                !Modes.isHost(h.utsMode()));
        if (!c.domainname().isEmpty() && Modes.isHost(h.utsMode())) {
            Sysctls.validate(Map.of("kernel.domainname", c.domainname()), true, true, false);
        }
    }

    private static boolean isDefaultIsolation(String isolation) {
        return isolation.isEmpty() || isolation.equalsIgnoreCase("default");
    }

    private static boolean notEmpty(Object value) {
        return value instanceof List<?> l ? !l.isEmpty() : value instanceof Map<?, ?> m && !m.isEmpty();
    }

    private static InvalidParameterException invalid(String message) {
        return new InvalidParameterException(message);
    }
}
