package io.wharf.core.internal.container.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.wharf.core.internal.container.HostConfig;

/**
 * What the daemon and its host give every container's spec and settings check: read once at
 * start-up ({@link #ofHost}), the same for all containers.
 *
 * @param cgroupParent the parent of containers' cgroups when HostConfig.CgroupParent is empty ("/wharf")
 * @param kernelRelease the host kernel's release, for seccomp rules that depend on it
 * @param cpus the CPUs the daemon may use, the upper bound of NanoCpus
 * @param cpusetCpus the CPUs of the root cpuset, in cpuset list form ("0-3")
 * @param cpusetMems the memory nodes of the root cpuset ("0")
 * @param hardRlimits the daemon's own hard limits by "RLIMIT_" name, -1 meaning unlimited: a
 *        container's rlimits are lowered to them
 * @param defaultUlimits the daemon's default ulimits (dockerd's default-ulimits)
 * @param networkSysctls dockerd's default sysctls for a container with its own network namespace,
 *        those the host kernel has
 * @param initBinary the host's docker-init (tini), bind-mounted when a container asks for Init
 * @param initByDefault whether containers that do not say get the init (dockerd's --init)
 * @param noNewPrivileges whether containers get no_new_privs by default (dockerd's no-new-privileges)
 * @param capabilities the capabilities the daemon holds in its bounding set, by "CAP_" name: what
 *        "ALL" and privileged mode give, since runc cannot grant more
 */
public record SpecPlatform(String cgroupParent, String kernelRelease, int cpus, String cpusetCpus,
        String cpusetMems, Map<String, Long> hardRlimits, List<HostConfig.Ulimit> defaultUlimits,
        Map<String, String> networkSysctls, Path initBinary, boolean initByDefault, boolean noNewPrivileges,
        List<String> capabilities) {

    /** dockerd's sysctls for a new network namespace: ping without CAP_NET_RAW, low ports without CAP_NET_BIND_SERVICE. */
    private static final Map<String, String> DOCKERD_NETWORK_SYSCTLS = Map.of(
            "net.ipv4.ping_group_range", "0 2147483647",
            "net.ipv4.ip_unprivileged_port_start", "0");

    /** /proc/self/limits' names of the rlimits. */
    private static final Map<String, String> LIMIT_NAMES = Map.ofEntries(Map.entry("Max cpu time", "RLIMIT_CPU"),
            Map.entry("Max file size", "RLIMIT_FSIZE"), Map.entry("Max data size", "RLIMIT_DATA"),
            Map.entry("Max stack size", "RLIMIT_STACK"), Map.entry("Max core file size", "RLIMIT_CORE"),
            Map.entry("Max resident set", "RLIMIT_RSS"), Map.entry("Max processes", "RLIMIT_NPROC"),
            Map.entry("Max open files", "RLIMIT_NOFILE"), Map.entry("Max locked memory", "RLIMIT_MEMLOCK"),
            Map.entry("Max address space", "RLIMIT_AS"), Map.entry("Max file locks", "RLIMIT_LOCKS"),
            Map.entry("Max pending signals", "RLIMIT_SIGPENDING"), Map.entry("Max msgqueue size", "RLIMIT_MSGQUEUE"),
            Map.entry("Max nice priority", "RLIMIT_NICE"), Map.entry("Max realtime priority", "RLIMIT_RTPRIO"),
            Map.entry("Max realtime timeout", "RLIMIT_RTTIME"));

    private static final Pattern LIMIT_LINE = Pattern.compile("^(Max [a-z ]+?)\\s{2,}(\\S+)\\s+(\\S+)");

    public SpecPlatform {
        hardRlimits = Map.copyOf(hardRlimits);
        defaultUlimits = List.copyOf(defaultUlimits);
        networkSysctls = Map.copyOf(networkSysctls);
        capabilities = List.copyOf(capabilities);
    }

    /** The platform of this host and this daemon process. */
    public static SpecPlatform ofHost(String cgroupParent, Path initBinary, boolean initByDefault,
            boolean noNewPrivileges, List<HostConfig.Ulimit> defaultUlimits) {
        int cpus = Runtime.getRuntime().availableProcessors();
        Map<String, String> sysctls = new LinkedHashMap<>();
        DOCKERD_NETWORK_SYSCTLS.forEach((name, value) -> {
            if (Files.exists(Path.of("/proc/sys", name.replace('.', '/')))) {
                sysctls.put(name, value);
            }
        });
        return new SpecPlatform(cgroupParent, read("/proc/sys/kernel/osrelease", "0.0"), cpus,
                cpuset("cpus", "0-" + (cpus - 1)), cpuset("mems", "0"), ownHardLimits(), defaultUlimits, sysctls,
                initBinary, initByDefault, noNewPrivileges, ownCapabilities());
    }

    KernelVersion kernel() {
        return KernelVersion.ofRelease(kernelRelease);
    }

    /** The root cpuset's list, from cgroup v1's cpuset hierarchy or cgroup v2's root. */
    private static String cpuset(String what, String fallback) {
        for (String file : List.of("/sys/fs/cgroup/cpuset/cpuset." + what, "/sys/fs/cgroup/cpuset." + what + ".effective")) {
            String value = read(file, "");
            if (!value.isEmpty()) {
                return value;
            }
        }
        return fallback;
    }

    /** This process's bounding set from /proc/self/status; all known capabilities if it cannot be read. */
    private static List<String> ownCapabilities() {
        return read("/proc/self/status", "").lines().filter(l -> l.startsWith("CapBnd:")).findFirst()
                .map(l -> Capabilities.inMask(Long.parseUnsignedLong(l.substring(7).strip(), 16)))
                .orElse(Capabilities.ALL);
    }

    /** This process's hard limits from /proc/self/limits. */
    private static Map<String, Long> ownHardLimits() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : read("/proc/self/limits", "").split("\n")) {
            Matcher m = LIMIT_LINE.matcher(line);
            if (m.find() && LIMIT_NAMES.containsKey(m.group(1))) {
                String hard = m.group(3);
                out.put(LIMIT_NAMES.get(m.group(1)), hard.equals("unlimited") ? -1L : Long.parseLong(hard));
            }
        }
        return out;
    }

    private static String read(String file, String fallback) {
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            return fallback;
        }
    }
}
