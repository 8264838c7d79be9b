package io.wharf.volume.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.wharf.core.spi.daemon.DaemonInfo;
import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.NotFoundException;
import io.wharf.core.spi.linux.Mounts;
import io.wharf.core.spi.linux.Trees;
import io.wharf.core.spi.volume.Volume;
import io.wharf.core.spi.volume.VolumeDriver;

/**
 * The "local" volume driver, as dockerd's volume/local: each volume is {@code ROOT/NAME} with its
 * data in {@code ROOT/NAME/_data} (ROOT is data-root/volumes). Without options the data is that
 * directory; with type/o/device it is a mount(2) on {@code _data}, made at the first
 * {@link #mount} and undone at the last {@link #unmount}. The options live in
 * {@code ROOT/NAME/opts.json}. A volume is made under a hidden name and renamed into place, and
 * removed by renaming it aside first, so a daemon killed at any moment finds it whole or gone.
 *
 * <p>Mounts outlive the bundle: a bundle update or daemon restart finds a volume's mount in place
 * and counts it mounted, with no users until they mount it again (moby's restoreIfMounted).
 */
@Component(service = VolumeDriver.class, property = VolumeDriver.NAME + "=local")
public final class LocalVolumeDriver implements VolumeDriver {

    private static final Logger LOG = LoggerFactory.getLogger(LocalVolumeDriver.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
    private static final String DATA = "_data";
    private static final String OPTS = "opts.json";

    private final Path root;
    private final Map<String, LocalVolume> volumes = new HashMap<>();

    /** One volume and its users. */
    private static final class LocalVolume {
        final String name;
        final Path dir;
        final LocalOptions options;
        /** The directory's ctime, read once: a list of a thousand volumes would stat each of them. */
        final Instant createdAt;
        final Map<String, Integer> users = new HashMap<>();
        boolean mounted;

        LocalVolume(String name, Path dir, LocalOptions options) throws IOException {
            this.name = name;
            this.dir = dir;
            this.options = options;
            this.createdAt = changedAt(dir);
        }

        Path data() {
            return dir.resolve(DATA);
        }
    }

    @Activate
    public LocalVolumeDriver(@Reference DaemonInfo daemon) throws IOException {
        this(daemon.dataRoot().resolve("volumes"));
    }

    /** A driver keeping its volumes under {@code root}. */
    public LocalVolumeDriver(Path root) throws IOException {
        this.root = root;
        Files.createDirectories(root);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx-----x"));
        restore();
    }

    private void restore() throws IOException {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (name.startsWith(".") && (name.endsWith(".creating") || name.endsWith(".removing"))) {
                    discard(dir); // a create or remove that a crash cut short
                    continue;
                }
                if (!NAME.matcher(name).matches() || !Files.isDirectory(dir.resolve(DATA), LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                LocalOptions options = LocalOptions.NONE;
                Path opts = dir.resolve(OPTS);
                if (Files.exists(opts)) {
                    try {
                        Map<?, ?> m = JSON.readValue(opts.toFile(), Map.class);
                        options = new LocalOptions(str(m.get("MountType")), str(m.get("MountOpts")), str(m.get("MountDevice")));
                    } catch (IOException e) {
                        LOG.warn("volume {}: unreadable {}: {}", name, opts, e.getMessage());
                    }
                }
                LocalVolume v = new LocalVolume(name, dir, options);
                v.mounted = options.needsMount() && Mounts.isMountPoint(v.data());
                volumes.put(name, v);
            }
        }
    }

    private static String str(Object o) {
        return o == null ? "" : o.toString();
    }

    @Override
    public synchronized Volume create(String name, Map<String, String> options) throws IOException {
        checkName(name);
        LocalVolume existing = volumes.get(name);
        if (existing != null) {
            return describe(existing);
        }
        LocalOptions opts = LocalOptions.parse(options);
        Path dir = root.resolve(name);
        Path tmp = root.resolve("." + name + ".creating");
        discard(tmp);
        Files.createDirectory(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.createDirectory(tmp.resolve(DATA));
        Files.setPosixFilePermissions(tmp.resolve(DATA), PosixFilePermissions.fromString("rwxr-xr-x"));
        if (opts.needsMount()) {
            Map<String, Object> saved = new LinkedHashMap<>();
            saved.put("MountType", opts.type());
            saved.put("MountOpts", opts.o());
            saved.put("MountDevice", opts.device());
            saved.put("Quota", Map.of("Size", 0));
            writeSynced(tmp.resolve(OPTS), JSON.writeValueAsBytes(saved));
            sync(tmp);
        }
        // The rename makes the volume whole at once for a killed daemon. A plain volume's two empty
        // directories are not flushed here, as dockerd's local driver does not flush them: the core's
        // metadata write that follows commits the filesystem's journal (ext4, xfs) with them, and a
        // volume that a power loss took all the same is made anew by the core's next create.
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        if (opts.needsMount()) {
            sync(root);
        }
        LocalVolume v = new LocalVolume(name, dir, opts);
        volumes.put(name, v);
        return describe(v);
    }

    /** moby's validateName for local volumes, with its messages. */
    private static void checkName(String name) {
        if (name.length() == 1) {
            throw new InvalidParameterException(
                    "volume name is too short, names should be at least two alphanumeric characters");
        }
        if (!NAME.matcher(name).matches()) {
            throw new InvalidParameterException("\"" + name + "\" includes invalid characters for a local volume name, only "
                    + "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path");
        }
    }

    @Override
    public synchronized void remove(String name) throws IOException {
        LocalVolume v = volumes.get(name);
        if (v == null) {
            throw new NotFoundException("no such volume");
        }
        if (!v.users.isEmpty()) {
            throw new ConflictException("volume has active mounts");
        }
        if (v.mounted || (v.options.needsMount() && Mounts.isMountPoint(v.data()))) {
            Mounts.unmount(v.data(), 0);
            v.mounted = false;
        }
        if (Mounts.isMountPoint(v.data())) {
            throw new IOException("remove " + name + ": " + v.data() + " is still a mount point");
        }
        Path aside = root.resolve("." + name + ".removing");
        discard(aside);
        Files.move(v.dir, aside, StandardCopyOption.ATOMIC_MOVE); // not flushed: see create
        volumes.remove(name);
        discard(aside);
    }

    /** Deletes a directory of this driver's, never across a mount point: a mount left in it is unmounted first. */
    private static void discard(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Path data = dir.resolve(DATA);
        if (Mounts.isMountPoint(data)) {
            Mounts.unmount(data, 0);
        }
        if (Mounts.isMountPoint(data)) {
            throw new IOException(data + " is a mount point; not deleting it");
        }
        Trees.delete(dir);
    }

    @Override
    public synchronized Optional<Volume> get(String name) throws IOException {
        LocalVolume v = volumes.get(name);
        return v == null ? Optional.empty() : Optional.of(describe(v));
    }

    @Override
    public synchronized List<Volume> list() throws IOException {
        List<Volume> out = new ArrayList<>();
        for (LocalVolume v : new TreeMap<>(volumes).values()) {
            out.add(describe(v));
        }
        return out;
    }

    @Override
    public synchronized String path(String name) {
        return require(name).data().toString();
    }

    @Override
    public synchronized String mount(String name, String id) throws IOException {
        LocalVolume v = require(name);
        if (v.options.needsMount() && !v.mounted) {
            if (v.options.device().isEmpty()) {
                throw new IOException("missing device in volume options");
            }
            try {
                Mounts.mount(v.options.device(), v.data(), v.options.isBind() && v.options.type().isEmpty() ? "none"
                        : v.options.type(), v.options.flags(), v.options.data());
            } catch (IOException e) {
                throw new IOException("failed to mount local volume: " + e.getMessage(), e);
            }
            v.mounted = true;
        }
        v.users.merge(id, 1, Integer::sum);
        return v.data().toString();
    }

    @Override
    public synchronized void unmount(String name, String id) throws IOException {
        LocalVolume v = require(name);
        Integer n = v.users.get(id);
        if (n == null) {
            return;
        }
        if (n > 1) {
            v.users.put(id, n - 1);
            return;
        }
        v.users.remove(id);
        if (v.users.isEmpty() && v.mounted) {
            Mounts.unmount(v.data(), 0);
            v.mounted = false;
        }
    }

    private LocalVolume require(String name) {
        LocalVolume v = volumes.get(name);
        if (v == null) {
            throw new NotFoundException("no such volume");
        }
        return v;
    }

    private static Volume describe(LocalVolume v) {
        return new Volume(v.name, v.data().toString(), v.createdAt, Map.of());
    }

    private static Instant changedAt(Path dir) throws IOException {
        try {
            return ((FileTime) Files.getAttribute(dir, "unix:ctime", LinkOption.NOFOLLOW_LINKS)).toInstant();
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return Files.getLastModifiedTime(dir).toInstant();
        }
    }

    private static void writeSynced(Path file, byte[] content) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
    }

    private static void sync(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
