package io.wharf.core.internal.container.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.wharf.core.internal.platform.FileStat;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.SystemException;

/**
 * Device nodes and devices-cgroup rules (moby oci/devices_linux.go, runc libcontainer/devices): the
 * default allow list, --device mappings read from the host's nodes, every host device for a
 * privileged container, and --device-cgroup-rule lines.
 */
final class Devices {

    /** dockerd's default rules: deny all, then null, zero, full, random, urandom, tty, console, ptmx; deny tun. */
    static final List<OciSpec.DeviceRule> DEFAULT_RULES = List.of(
            new OciSpec.DeviceRule(false, null, null, null, "rwm"),
            allow('c', 1, 5), allow('c', 1, 3), allow('c', 1, 9), allow('c', 1, 8), allow('c', 5, 0),
            allow('c', 5, 1), new OciSpec.DeviceRule(false, "c", 10L, 229L, "rwm"));

    /** The privileged container's single rule. */
    static final List<OciSpec.DeviceRule> ALLOW_ALL = List.of(new OciSpec.DeviceRule(true, null, null, null, "rwm"));

    private static final Pattern CGROUP_RULE = Pattern.compile("^([acb]) ([0-9]+|\\*):([0-9]+|\\*) ([rwm]{1,3})$");

    /** Directories under /dev runc skips when listing the host's devices. */
    private static final Set<String> SKIPPED_DIRECTORIES = Set.of("pts", "shm", "fd", "mqueue", ".lxc",
            ".lxd-mounts", ".udev");

    /** Devices to create and the cgroup rules that let the container use them. */
    record Mapped(List<OciSpec.Device> devices, List<OciSpec.DeviceRule> rules) {
    }

    private Devices() {
    }

    private static OciSpec.DeviceRule allow(char type, long major, long minor) {
        return new OciSpec.DeviceRule(true, String.valueOf(type), major, minor, "rwm");
    }

    /**
     * The devices of a --device mapping (moby DevicesFromPath): the node itself (through one level of
     * symbolic link), or every node below a directory, renamed under {@code inContainer}.
     */
    static Mapped fromPath(String onHost, String inContainer, String permissions) {
        Path resolved = Path.of(onHost);
        try {
            if (Files.isSymbolicLink(resolved)) {
                resolved = resolved.toRealPath();
            }
        } catch (IOException e) {
            // dockerd keeps the link's own path when it cannot evaluate it.
        }
        List<OciSpec.Device> devices = new ArrayList<>();
        List<OciSpec.DeviceRule> rules = new ArrayList<>();
        String reason;
        try {
            FileStat stat = FileStat.of(resolved);
            if (deviceType(stat) != null) {
                devices.add(device(inContainer, stat));
                rules.add(rule(stat, permissions));
                return new Mapped(devices, rules);
            }
            reason = "not a device node";
            if (stat.isDirectory()) {
                Path root = resolved;
                try (Stream<Path> tree = Files.walk(root)) {
                    for (Path p : (Iterable<Path>) tree::iterator) {
                        FileStat child = statOrNull(p);
                        if (child != null && deviceType(child) != null) {
                            devices.add(device(inContainer + p.toString().substring(root.toString().length()), child));
                            rules.add(rule(child, permissions));
                        }
                    }
                }
            }
        } catch (NoSuchFileException e) {
            reason = "no such file or directory";
        } catch (IOException e) {
            reason = e.getMessage();
        }
        if (devices.isEmpty()) {
            throw new SystemException("error gathering device information while adding custom device "
                    + GoFormat.quote(onHost) + ": " + reason);
        }
        return new Mapped(devices, rules);
    }

    /** Every block and character device under {@code dev} (runc HostDevices), for privileged containers. */
    static List<OciSpec.Device> host(Path dev) {
        List<OciSpec.Device> out = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dev)) {
            for (Path p : entries.sorted().toList()) {
                FileStat stat = statOrNull(p);
                if (stat == null) {
                    continue;
                }
                String name = p.getFileName().toString();
                if (stat.isDirectory()) {
                    if (!SKIPPED_DIRECTORIES.contains(name)) {
                        out.addAll(host(p));
                    }
                } else if (!name.equals("console") && (stat.isBlockDevice() || stat.isCharacterDevice())) {
                    out.add(device(p.toString(), stat));
                }
            }
        } catch (IOException e) {
            throw new SystemException("listing host devices in " + dev + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** --device-cgroup-rule lines, e.g. "c 13:* rwm", as rules (moby AppendDevicePermissionsFromCgroupRules). */
    static List<OciSpec.DeviceRule> fromCgroupRules(List<String> lines) {
        List<OciSpec.DeviceRule> out = new ArrayList<>();
        for (String line : lines == null ? List.<String>of() : lines) {
            Matcher m = CGROUP_RULE.matcher(line);
            if (!m.matches()) {
                throw new InvalidParameterException("invalid device cgroup rule format: '" + line + "'");
            }
            out.add(new OciSpec.DeviceRule(true, m.group(1), number(m.group(2), "major", line),
                    number(m.group(3), "minor", line), m.group(4)));
        }
        return out;
    }

    private static Long number(String value, String what, String line) {
        if (value.equals("*")) {
            return -1L;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new InvalidParameterException("invalid " + what + " value in device cgroup rule format: '" + line + "'");
        }
    }

    /** "b", "c" or "p" for device nodes and FIFOs (runc DeviceFromPath), null for anything else. */
    private static String deviceType(FileStat stat) {
        return stat.isBlockDevice() ? "b" : stat.isCharacterDevice() ? "c" : stat.isFifo() ? "p" : null;
    }

    private static OciSpec.Device device(String path, FileStat stat) {
        return new OciSpec.Device(path, deviceType(stat), stat.major(), stat.minor(), (long) stat.mode(), stat.uid(),
                stat.gid());
    }

    private static OciSpec.DeviceRule rule(FileStat stat, String permissions) {
        return new OciSpec.DeviceRule(true, deviceType(stat), stat.major(), stat.minor(), permissions);
    }

    private static FileStat statOrNull(Path p) {
        try {
            return FileStat.of(p);
        } catch (IOException e) {
            return null;
        }
    }
}
