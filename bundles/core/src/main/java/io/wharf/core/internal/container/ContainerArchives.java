package io.wharf.core.internal.container;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.wharf.core.internal.archive.LayerExtractor;
import io.wharf.core.internal.archive.LayerWriter;
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
    private static final int MAX_LINKS = 40;

    private final ContainerLayers layers;

    ContainerArchives(ContainerLayers layers) {
        this.layers = layers;
    }

    /** The X-Docker-Container-Path-Stat header value (base64 of the stat JSON). */
    String stat(Container c, String path) throws IOException {
        Path rootfs = layers.mount(c.id());
        try {
            Path host = resolve(rootfs, c, path, false);
            return Base64.getEncoder().encodeToString(Json.bytes(statJson(host, path)));
        } finally {
            layers.unmount(c.id());
        }
    }

    /** Writes a tar of {@code path} (its base name the top entry) and answers its stat header. */
    void get(Container c, String path, HeaderSink headers, OutputStreamSupplier body) throws IOException {
        Path rootfs = layers.mount(c.id());
        try {
            Path host = resolve(rootfs, c, path, path.endsWith("/") || path.endsWith("/."));
            headers.accept(Base64.getEncoder().encodeToString(Json.bytes(statJson(host, path))));
            LayerWriter writer = new LayerWriter(body.get(), WhiteoutFormat.AUFS);
            String name = host.equals(rootfs) ? "." : host.getFileName().toString();
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
            if (c.hostConfig().readonlyRootfs()) {
                throw new ForbiddenException("container rootfs is marked read-only");
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
     * The host path of {@code path} inside {@code rootfs}; a missing one is dockerd's 404 for
     * docker cp (see {@link #resolveIn}).
     */
    static Path resolve(Path rootfs, Container c, String path, boolean followLast) throws IOException {
        Path host = resolveIn(rootfs, path, followLast);
        if (host == null) {
            throw new NotFoundException("Could not find the file " + path + " in container " + c.name().substring(1));
        }
        return host;
    }

    /** The host path of {@code path} inside {@code rootfs}, its last part followed too; null when missing. */
    static Path resolveIn(Path rootfs, String path) throws IOException {
        return resolveIn(rootfs, path, true);
    }

    /**
     * The host path of {@code path} inside {@code rootfs}, following symbolic links within it (an
     * absolute target starts again at the root, ".." stops at the root); the last part is
     * followed only when {@code followLast}; null when a part is missing.
     */
    private static Path resolveIn(Path rootfs, String path, boolean followLast) throws IOException {
        Deque<String> todo = new ArrayDeque<>(parts(path));
        List<String> done = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.removeFirst();
            if (part.equals("..")) {
                if (!done.isEmpty()) {
                    done.removeLast();
                }
                continue;
            }
            Path here = join(rootfs, done).resolve(part);
            FileStat stat;
            try {
                stat = FileStat.of(here);
            } catch (NoSuchFileException e) {
                return null;
            }
            if (stat.isSymbolicLink() && (followLast || !todo.isEmpty())) {
                if (++links > MAX_LINKS) {
                    throw new InvalidParameterException("too many levels of symbolic links in " + path);
                }
                String target = PosixFiles.readlink(here);
                if (target.startsWith("/")) {
                    done.clear();
                }
                List<String> t = parts(target);
                for (int i = t.size() - 1; i >= 0; i--) {
                    todo.addFirst(t.get(i));
                }
                continue;
            }
            done.add(part);
        }
        return join(rootfs, done);
    }

    private static List<String> parts(String path) {
        List<String> out = new ArrayList<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty() && !p.equals(".")) {
                out.add(p);
            }
        }
        return out;
    }

    private static Path join(Path root, List<String> parts) {
        Path p = root;
        for (String part : parts) {
            p = p.resolve(part);
        }
        return p;
    }
}
