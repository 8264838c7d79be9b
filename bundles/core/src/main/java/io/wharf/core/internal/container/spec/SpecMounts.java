package io.wharf.core.internal.container.spec;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.wharf.core.internal.container.HostConfig;
import io.wharf.core.spi.errors.SystemException;

/**
 * The spec's mounts, put together as dockerd's setupMounts and WithMounts do: the default
 * file systems (/proc, /dev, /sys, ...), the init, then the user's mounts, the network files and
 * the tmpfs mounts sorted by depth so a mount never hides one below it. A user's mount replaces a
 * default at the same place; one at /dev replaces everything below /dev too.
 */
final class SpecMounts {

    static final String INIT_PATH = "/sbin/docker-init";

    private static final List<OciSpec.Mount> DEFAULTS = List.of(
            new OciSpec.Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")),
            new OciSpec.Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
            new OciSpec.Mount("/dev/pts", "devpts", "devpts",
                    List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
            new OciSpec.Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")),
            new OciSpec.Mount("/sys/fs/cgroup", "cgroup", "cgroup", List.of("ro", "nosuid", "noexec", "nodev")),
            new OciSpec.Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")),
            new OciSpec.Mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777")));

    /** Mounts a read-only root file system leaves writable. */
    private static final Set<String> KEEP_WRITABLE = Set.of("/proc", "/dev/pts", "/dev/shm", "/dev/mqueue", "/dev");

    private static final String SHM = "/dev/shm";
    private static final String RESOLV_CONF = "/etc/resolv.conf";
    private static final String HOSTNAME = "/etc/hostname";
    private static final String HOSTS = "/etc/hosts";

    /** The mounts, and the root's propagation when a shared or slave bind needs one. */
    record Result(List<OciSpec.Mount> mounts, String rootfsPropagation) {
    }

    /** A mount before it becomes a spec mount (moby container.Mount). */
    private record Planned(String destination, String source, boolean tmpfs, String data, boolean writable,
            String propagation, boolean nonRecursive) {

        static Planned bind(String destination, String source, boolean writable, String propagation,
                boolean nonRecursive) {
            return new Planned(destination, source, false, "", writable, propagation, nonRecursive);
        }

        static Planned tmpfs(String destination, String data) {
            return new Planned(destination, "tmpfs", true, data, true, "", false);
        }
    }

    private SpecMounts() {
    }

    static Result of(SpecInput in, List<MountPoint> mountPoints, Path initBinary) {
        HostConfig h = in.host();
        List<Planned> planned = userMounts(in, mountPoints);
        Set<String> userDestinations = new HashSet<>();
        planned.forEach(p -> userDestinations.add(p.destination));
        List<OciSpec.Mount> mounts = new ArrayList<>();
        for (OciSpec.Mount m : defaults(initBinary)) {
            if (userDestinations.contains(m.destination())
                    || userDestinations.contains("/dev") && m.destination().startsWith("/dev/")) {
                continue;
            }
            if (m.destination().equals(SHM)) {
                if (h.ipcMode().equals("none")) {
                    continue;
                }
                m = withOption(m, "size=" + h.shmSize());
            }
            mounts.add(m);
        }
        String rootfsPropagation = null;
        for (Planned p : planned) {
            mounts.add(toSpec(p));
            if (!p.tmpfs) {
                rootfsPropagation = rootPropagation(rootfsPropagation, p.propagation);
            }
        }
        if (h.readonlyRootfs()) {
            mounts.replaceAll(m -> KEEP_WRITABLE.contains(m.destination()) || userDestinations.contains(m.destination())
                    || m.options().contains("ro") ? m : withOption(m, "ro"));
        }
        if (h.privileged()) {
            mounts.replaceAll(m -> m.destination().equals("/sys") || m.type().equals("cgroup") ? withoutReadOnly(m) : m);
        }
        return new Result(List.copyOf(mounts), rootfsPropagation);
    }

    /**
     * The user's binds (their missing sources created), the network files, a bound /dev/shm and
     * the tmpfs mounts, by depth (moby setupMounts, IpcMounts, TmpfsMounts).
     */
    private static List<Planned> userMounts(SpecInput in, List<MountPoint> mountPoints) {
        HostConfig h = in.host();
        Map<String, String> tmpfsMap = h.tmpfs() == null ? Map.of() : h.tmpfs();

        // Each network file, null when the daemon gave none.
        Map<String, Path> networkFiles = new LinkedHashMap<>();
        networkFiles.put(RESOLV_CONF, in.resolvConfFile());
        networkFiles.put(HOSTNAME, in.hostnameFile());
        networkFiles.put(HOSTS, in.hostsFile());

        List<Planned> planned = new ArrayList<>();
        Map<String, MountPoint> byDestination = new LinkedHashMap<>();
        for (MountPoint mp : mountPoints) {
            byDestination.put(mp.destination(), mp);
            if (mp.type().equals(MountPoint.TMPFS) || tmpfsMap.containsKey(mp.destination())) {
                continue;
            }
            if (mp.type().equals(MountPoint.VOLUME)) {
                String source = in.volumeSources().get(mp.destination());
                if (source == null) {
                    throw new IllegalStateException("volume at " + mp.destination() + " was not mounted");
                }
                planned.add(Planned.bind(mp.destination(), source, mp.rw(), mp.propagation(), false));
                continue;
            }
            createSource(mp);
            if (networkFiles.containsKey(mp.destination())) {
                // The user's file takes the network file's place (moby TrySetNetworkMount).
                networkFiles.put(mp.destination(), Path.of(mp.source()));
            } else {
                planned.add(Planned.bind(mp.destination(), mp.source(), mp.rw(), mp.propagation(), mp.nonRecursive()));
            }
        }
        // Volumes that are no user mount of this container: the image's (VOLUME) and --volumes-from's.
        in.volumeSources().forEach((destination, source) -> {
            if (!byDestination.containsKey(destination) && !tmpfsMap.containsKey(destination)) {
                planned.add(Planned.bind(destination, source, !in.readOnlyVolumes().contains(destination), "rprivate",
                        false));
            }
        });
        networkFiles.forEach((destination, source) -> {
            if (source != null && Files.exists(source)) {
                MountPoint user = byDestination.get(destination);
                planned.add(Planned.bind(destination, source.toString(),
                        user != null ? user.rw() : !h.readonlyRootfs(), "rprivate", false));
            }
        });
        String shm = shmSource(in, byDestination.containsKey(SHM) || tmpfsMap.containsKey(SHM));
        if (shm != null) {
            planned.add(Planned.bind(SHM, shm, true, "rprivate", false));
        }
        tmpfsMap.forEach((destination, data) -> planned.add(Planned.tmpfs(destination, data)));
        for (MountPoint mp : mountPoints) {
            if (mp.type().equals(MountPoint.TMPFS)) {
                planned.add(Planned.tmpfs(mp.destination(), mp.tmpfsData()));
            }
        }
        planned.sort(Comparator.comparingInt(p -> depth(p.destination)));
        return planned;
    }

    /** A tmpfs with dockerd's options merged in, or a bind with its mode, read-only flag and propagation. */
    private static OciSpec.Mount toSpec(Planned p) {
        if (p.tmpfs) {
            return new OciSpec.Mount(p.destination, "tmpfs", p.source, TmpfsData.mountOptions(p.data));
        }
        List<String> options = new ArrayList<>();
        options.add(p.nonRecursive ? "bind" : "rbind");
        if (!p.writable) {
            options.add("ro");
        }
        if (!p.propagation.isEmpty()) {
            options.add(p.propagation);
        }
        return new OciSpec.Mount(p.destination, "bind", p.source, options);
    }

    private static List<OciSpec.Mount> defaults(Path initBinary) {
        if (initBinary == null) {
            return DEFAULTS;
        }
        List<OciSpec.Mount> out = new ArrayList<>(DEFAULTS);
        out.add(new OciSpec.Mount(INIT_PATH, "bind", initBinary.toString(), List.of("bind", "ro")));
        return out;
    }

    /**
     * The host directory to bind at /dev/shm (moby setupIpcDirs and IpcMounts): the container's own
     * shm for "shareable", the host's for "host", the given one for "container:"; null when /dev/shm
     * comes from the spec's default tmpfs or the user mounts something there.
     */
    private static String shmSource(SpecInput in, boolean userMountsShm) {
        String mode = in.host().ipcMode();
        if (userMountsShm || mode.equals("private") || mode.equals("none")) {
            return null;
        }
        if (Modes.isHost(mode)) {
            return SHM;
        }
        return in.shmDir() == null ? null : in.shmDir().toString();
    }

    /**
     * The root's propagation after a bind with {@code propagation}: a shared bind needs a shared
     * root, a slave bind at least a slave one (moby WithMounts).
     */
    private static String rootPropagation(String current, String propagation) {
        boolean shared = "shared".equals(current) || "rshared".equals(current);
        boolean slave = "slave".equals(current) || "rslave".equals(current);
        return switch (propagation) {
            case "shared", "rshared" -> shared ? current : "shared";
            case "slave", "rslave" -> shared || slave ? current : "rslave";
            default -> current;
        };
    }

    /** Creates a missing Binds source as a directory, as dockerd does; an existing file is left alone. */
    private static void createSource(MountPoint mp) {
        if (!mp.createSource()) {
            return;
        }
        try {
            Files.createDirectories(Path.of(mp.source()));
        } catch (FileAlreadyExistsException e) {
            // A file: dockerd binds it as it is.
        } catch (IOException e) {
            throw new SystemException("error while creating mount source path '" + mp.source() + "': " + e, e);
        }
    }

    private static int depth(String destination) {
        String clean = MountPoint.clean(destination);
        return (int) clean.chars().filter(c -> c == '/').count();
    }

    private static OciSpec.Mount withOption(OciSpec.Mount m, String option) {
        List<String> options = new ArrayList<>(m.options());
        options.add(option);
        return new OciSpec.Mount(m.destination(), m.type(), m.source(), options);
    }

    private static OciSpec.Mount withoutReadOnly(OciSpec.Mount m) {
        return new OciSpec.Mount(m.destination(), m.type(), m.source(),
                m.options().stream().filter(o -> !o.equals("ro")).toList());
    }
}
