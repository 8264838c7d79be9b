package io.wharf.core.internal.container;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.wharf.core.internal.archive.LayerExtractor;
import io.wharf.core.internal.archive.LayerWriter;
import io.wharf.core.internal.container.spec.MountPoint;
import io.wharf.core.internal.container.spec.ScopedPath;
import io.wharf.core.internal.image.ContainerLayers;
import io.wharf.core.internal.json.Json;
import io.wharf.core.internal.platform.FileStat;
import io.wharf.core.internal.platform.PosixFiles;
import io.wharf.core.spi.archive.UnsafeEntryException;
import io.wharf.core.spi.archive.WhiteoutFormat;
import io.wharf.core.spi.errors.ForbiddenException;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.NotFoundException;

/**
 * docker cp's archive routes (GET, HEAD, PUT /containers/{id}/archive): paths are resolved inside
 * the container's root filesystem as the container would see them (symbolic links, absolute ones
 * too, stay within it), and extraction refuses entries that would land outside the target, as
 * layer extraction does.
 */
final class ContainerArchives {

    /** Go's os.FileMode bits docker cp's stat carries. */
    private static final long MODE_DIR = 1L << 31;
    private static final long MODE_SYMLINK = 1L << 27;

    private final ContainerLayers layers;

    ContainerArchives(ContainerLayers layers) {
        this.layers = layers;
    }

    /** The X-Docker-Container-Path-Stat header value (base64 of the stat JSON). */
    String stat(Container c, String path) throws IOException {
        Path rootfs = layers.mount(c.id());
        try {
            Path host = resolveToRead(rootfs, c, path);
            return Base64.getEncoder().encodeToString(Json.bytes(statJson(host, path)));
        } finally {
            layers.unmount(c.id());
        }
    }

    /** Writes a tar of {@code path} (its base name the top entry) and answers its stat header. */
    void get(Container c, String path, HeaderSink headers, OutputStreamSupplier body) throws IOException {
        Path rootfs = layers.mount(c.id());
        try {
            Path host = resolveToRead(rootfs, c, path);
            headers.accept(Base64.getEncoder().encodeToString(Json.bytes(statJson(host, path))));
            LayerWriter writer = new LayerWriter(body.get(), WhiteoutFormat.AUFS);
            // A mount's own root is named as the container names it, not as its source directory is.
            Path named = Path.of("/").resolve(path).normalize().getFileName();
            String name = host.equals(rootfs) || named == null ? "."
                    : host.equals(Mounted.of(rootfs, c, path).root()) ? named.toString() : host.getFileName().toString();
            writer.addNamed(host, name);
            writer.finish();
        } finally {
            layers.unmount(c.id());
        }
    }

    /** Unpacks a tar into the directory {@code path}. */
    void put(Container c, String path, InputStream tar) throws IOException {
        Path rootfs = layers.mount(c.id());
        try {
            Path host = resolve(rootfs, c, path, true);
            FileStat stat = FileStat.of(host);
            if (!stat.isDirectory()) {
                throw new InvalidParameterException("extraction point is not a directory");
            }
            Mounted mounted = Mounted.of(rootfs, c, path);
            if (mounted.mount() == null && c.hostConfig().readonlyRootfs()) {
                throw new ForbiddenException("container rootfs is marked read-only");
            }
            if (mounted.mount() != null && !mounted.mount().rw()) {
                throw new ForbiddenException("mounted volume is marked read-only");
            }
            try {
                new LayerExtractor(host, WhiteoutFormat.AUFS).apply(tar);
            } catch (UnsafeEntryException e) {
                throw new InvalidParameterException(e.getMessage());
            }
        } finally {
            layers.unmount(c.id());
        }
    }

    @FunctionalInterface
    interface HeaderSink {
        void accept(String statHeader);
    }

    @FunctionalInterface
    interface OutputStreamSupplier {
        OutputStream get() throws IOException;
    }

    private static Map<String, Object> statJson(Path host, String path) throws IOException {
        FileStat stat = FileStat.of(host);
        long mode = stat.permissions();
        String link = "";
        if (stat.isDirectory()) {
            mode |= MODE_DIR;
        } else if (stat.isSymbolicLink()) {
            mode |= MODE_SYMLINK;
            link = PosixFiles.readlink(host);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        String name = Path.of(path).getFileName() == null ? "/" : Path.of(path).getFileName().toString();
        out.put("name", name);
        out.put("size", stat.size());
        out.put("mode", mode);
        out.put("mtime", stat.mtime().toInstant().toString());
        out.put("linkTarget", link);
        return out;
    }

    /**
     * The host path of {@code path} as the container sees it (see {@link ScopedPath}): inside the
     * bind mount or volume whose destination holds it, else inside {@code rootfs}; a last component
     * that is a link is followed only when {@code followLast} or when the path ends in "/" or "/.",
     * which also asks for a directory, as lstat(2) reads such a path. A missing path is dockerd's
     * 404 for docker cp.
     */
    static Path resolve(Path rootfs, Container c, String path, boolean followLast) throws IOException {
        boolean directory = path.endsWith("/") || path.endsWith("/.");
        Mounted mounted = Mounted.of(rootfs, c, path);
        Path host = followLast || directory ? ScopedPath.resolve(mounted.root(), mounted.rest())
                : ScopedPath.resolveNoFollow(mounted.root(), mounted.rest());
        if (!Files.exists(host, LinkOption.NOFOLLOW_LINKS)) {
            throw new NotFoundException("Could not find the file " + path + " in container " + c.name().substring(1));
        }
        return host;
    }

    /**
     * {@link #resolve} for what is read from the container (stat, get): a path that asks for a
     * directory and names something else is refused, which docker cp also reads, from a stat, as
     * "no such directory" for a copy into that path.
     */
    private static Path resolveToRead(Path rootfs, Container c, String path) throws IOException {
        Path host = resolve(rootfs, c, path, false);
        if ((path.endsWith("/") || path.endsWith("/.")) && !Files.isDirectory(host)) {
            throw new InvalidParameterException("lstat " + path + ": not a directory");
        }
        return host;
    }

    /**
     * Where a container path lives: the bind or volume with the longest destination that holds it
     * (its host source, and the path below the destination), or the root filesystem. A volume's
     * source is the one the current run mounted, else the one its driver named at registration.
     */
    private record Mounted(Path root, String rest, MountPoint mount) {

        static Mounted of(Path rootfs, Container c, String path) {
            String clean = Path.of("/").resolve(path).normalize().toString();
            List<MountPoint> mounts = new ArrayList<>();
            for (MountPoint mp : MountPoint.of(c.hostConfig())) {
                if (mp.type().equals(MountPoint.BIND)) {
                    mounts.add(mp);
                }
            }
            for (SharedBind b : c.sharedBinds()) {
                mounts.add(new MountPoint(MountPoint.BIND, b.source(), b.destination(), b.rw(), "", false, false, null, null));
            }
            Map<String, String> running = c.volumeSources();
            for (VolumeMount vm : c.volumes()) {
                String source = running.getOrDefault(vm.destination(), vm.source());
                if (source != null && !source.isEmpty()) {
                    mounts.add(new MountPoint(MountPoint.VOLUME, source, vm.destination(), vm.rw(), "", false, false,
                            null, null));
                }
            }
            MountPoint best = null;
            for (MountPoint mp : mounts) {
                String dest = mp.destination();
                boolean holds = clean.equals(dest) || clean.startsWith(dest.endsWith("/") ? dest : dest + "/");
                if (holds && (best == null || dest.length() > best.destination().length())) {
                    best = mp;
                }
            }
            if (best == null) {
                return new Mounted(rootfs, path, null);
            }
            String rest = "/" + clean.substring(best.destination().length()).replaceFirst("^/+", "");
            if (path.endsWith("/") && !rest.endsWith("/")) {
                rest += "/";
            } else if (path.endsWith("/.")) {
                rest = rest.endsWith("/") ? rest + "." : rest + "/.";
            }
            return new Mounted(Path.of(best.source()), rest, best);
        }
    }
}
