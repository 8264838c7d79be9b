package io.wharf.graphdriver.overlay2;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.wharf.core.spi.archive.Change;
import io.wharf.core.spi.archive.LayerTar;
import io.wharf.core.spi.archive.WhiteoutFormat;
import io.wharf.core.spi.graphdriver.DiffDriver;
import io.wharf.core.spi.graphdriver.GraphDriver;
import io.wharf.core.spi.graphdriver.NaiveDiffDriver;
import io.wharf.core.spi.graphdriver.LayerIds;
import io.wharf.core.spi.linux.Mounts;
import io.wharf.core.spi.linux.Trees;

/**
 * moby's overlay2 layout: home/ID/{diff,link,lower,work,merged}. Each layer's diff directory is
 * also reachable as home/l/SHORT (a 26-character symlink), and the lower file lists a layer's
 * ancestors as l/SHORT entries, nearest first, so that the mount options of deep images stay
 * under the kernel's one-page limit. The diff directory is the layer's own content in overlayfs'
 * whiteout format, which makes it the native diff.
 */
final class Overlay2Driver implements GraphDriver, DiffDriver {

    static final String LINK_DIR = "l";
    private static final int MAX_MOUNT_DATA = 4095;
    private static final String SHORT_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path home;
    private final String backingFs;
    private final Map<String, Integer> mountCounts = new HashMap<>();
    private final NaiveDiffDriver naive = new NaiveDiffDriver(this);

    Overlay2Driver(Path home, String backingFs) {
        this.home = home;
        this.backingFs = backingFs;
    }

    @Override
    public String name() {
        return "overlay2";
    }

    /** Mounts a throw-away overlay with two lower layers, as dockerd checks before using overlay2. */
    void checkMultipleLowers() throws io.wharf.core.spi.graphdriver.NotSupportedException, IOException {
        Path probe = Files.createTempDirectory(home, "check-overlayfs-support");
        try {
            for (String d : List.of("lower1", "lower2", "upper", "work", "merged")) {
                Files.createDirectory(probe.resolve(d));
            }
            String data = "lowerdir=" + probe.resolve("lower2") + ":" + probe.resolve("lower1") + ",upperdir="
                    + probe.resolve("upper") + ",workdir=" + probe.resolve("work");
            try {
                Mounts.mount("overlay", probe.resolve("merged"), "overlay", 0, data);
            } catch (IOException e) {
                throw new io.wharf.core.spi.graphdriver.NotSupportedException("failed to mount overlay: " + e.getMessage());
            }
            Mounts.unmount(probe.resolve("merged"), 0);
        } finally {
            Trees.delete(probe);
        }
    }

    @Override
    public void create(String id, String parent) throws IOException {
        Path dir = layerDir(id);
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Files.createDirectory(dir.resolve("diff"));
        Files.setPosixFilePermissions(dir.resolve("diff"), PosixFilePermissions.fromString("rwxr-xr-x"));
        String shortId = newShortId();
        Files.createSymbolicLink(home.resolve(LINK_DIR).resolve(shortId), Path.of("..", id, "diff"));
        Files.writeString(dir.resolve("link"), shortId);
        if (parent != null) {
            String parentShort = Files.readString(layerDir(parent).resolve("link")).trim();
            Path parentLower = layerDir(parent).resolve("lower");
            String lower = LINK_DIR + "/" + parentShort
                    + (Files.exists(parentLower) ? ":" + Files.readString(parentLower).trim() : "");
            Files.writeString(dir.resolve("lower"), lower);
            Files.createDirectory(dir.resolve("work"));
        }
    }

    @Override
    public void createReadWrite(String id, String parent) throws IOException {
        create(id, parent);
    }

    private static String newShortId() {
        StringBuilder sb = new StringBuilder(26);
        for (int i = 0; i < 26; i++) {
            sb.append(SHORT_ID_CHARS.charAt(RANDOM.nextInt(SHORT_ID_CHARS.length())));
        }
        return sb.toString();
    }

    @Override
    public synchronized void remove(String id) throws IOException {
        Path dir = layerDir(id);
        if (!Files.exists(dir)) {
            return;
        }
        Mounts.unmount(dir.resolve("merged"), Mounts.MNT_DETACH);
        mountCounts.remove(id);
        Path link = dir.resolve("link");
        if (Files.exists(link)) {
            Files.deleteIfExists(home.resolve(LINK_DIR).resolve(Files.readString(link).trim()));
        }
        Trees.delete(dir);
    }

    @Override
    public synchronized Path get(String id) throws IOException {
        Path dir = layerDir(id);
        if (!Files.isDirectory(dir)) {
            throw new IOException("overlay2: no layer " + id);
        }
        if (!Files.exists(dir.resolve("lower"))) {
            // A base layer is its diff directory; nothing to mount.
            return dir.resolve("diff");
        }
        Path merged = dir.resolve("merged");
        int count = mountCounts.getOrDefault(id, 0);
        if (count == 0 && Files.isDirectory(merged) && Mounts.isMountPoint(merged)) {
            // Mounted by an earlier run of the daemon (killed, or leaving live-restored containers
            // running): that mount is used, not stacked over.
            mountCounts.put(id, 1);
            return merged;
        }
        if (count == 0) {
            Files.createDirectories(merged);
            StringBuilder lowers = new StringBuilder();
            for (String l : Files.readString(dir.resolve("lower")).trim().split(":")) {
                lowers.append(lowers.isEmpty() ? "" : ":").append(home.resolve(l));
            }
            String data = "lowerdir=" + lowers + ",upperdir=" + dir.resolve("diff") + ",workdir=" + dir.resolve("work");
            if (data.length() <= MAX_MOUNT_DATA) {
                Mounts.mount("overlay", merged, "overlay", 0, data);
            } else {
                // As moby does: the same mount with paths relative to home, which the short l/ links
                // keep within one page for 128 layers, mounted from home.
                String relative = "lowerdir=" + Files.readString(dir.resolve("lower")).trim() + ",upperdir=" + id
                        + "/diff,workdir=" + id + "/work";
                if (relative.length() > MAX_MOUNT_DATA) {
                    throw new IOException("overlay2: layer " + id + " has too many lower layers for one mount ("
                            + relative.length() + " bytes of mount options)");
                }
                Mounts.mountFrom(home, "overlay", merged, "overlay", 0, relative);
            }
        }
        mountCounts.put(id, count + 1);
        return merged;
    }

    @Override
    public synchronized void put(String id) throws IOException {
        Integer count = mountCounts.get(id);
        if (count == null) {
            return;
        }
        if (count > 1) {
            mountCounts.put(id, count - 1);
            return;
        }
        mountCounts.remove(id);
        Mounts.unmount(layerDir(id).resolve("merged"), Mounts.MNT_DETACH);
    }

    @Override
    public boolean exists(String id) {
        return Files.isDirectory(layerDir(id));
    }

    @Override
    public List<Map.Entry<String, String>> status() {
        return List.of(Map.entry("Backing Filesystem", backingFs.startsWith("ext") ? "extfs" : backingFs),
                Map.entry("Supports d_type", "true"), Map.entry("Using metacopy", "false"),
                Map.entry("Native Overlay Diff", "true"), Map.entry("userxattr", "false"));
    }

    @Override
    public Map<String, String> metadata(String id) throws IOException {
        Path dir = layerDir(id);
        Map<String, String> m = new LinkedHashMap<>();
        Path lower = dir.resolve("lower");
        if (Files.exists(lower)) {
            List<String> lowers = new ArrayList<>();
            for (String l : Files.readString(lower).trim().split(":")) {
                lowers.add(home.resolve(l).toRealPath().toString());
            }
            m.put("LowerDir", String.join(":", lowers));
            m.put("MergedDir", dir.resolve("merged").toString());
            m.put("WorkDir", dir.resolve("work").toString());
        }
        m.put("UpperDir", dir.resolve("diff").toString());
        return m;
    }

    @Override
    public synchronized void cleanup() throws IOException {
        for (String id : List.copyOf(mountCounts.keySet())) {
            Mounts.unmount(layerDir(id).resolve("merged"), Mounts.MNT_DETACH);
        }
        mountCounts.clear();
    }

    /**
     * Whether {@code parent} is the layer's own parent, whose difference its diff directory holds;
     * against any other layer the differences are computed as the naive driver does, as moby's.
     */
    private boolean isParent(String id, String parent) throws IOException {
        Path lower = layerDir(id).resolve("lower");
        if (parent == null || parent.isEmpty()) {
            return !Files.exists(lower);
        }
        if (!Files.exists(lower)) {
            return false;
        }
        String nearest = Files.readString(lower).trim().split(":")[0];
        return nearest.equals(LINK_DIR + "/" + Files.readString(layerDir(parent).resolve("link")).trim());
    }

    @Override
    public void diff(String id, String parent, OutputStream out) throws IOException {
        if (!isParent(id, parent)) {
            naive.diff(id, parent, out);
            return;
        }
        LayerTar.write(layerDir(id).resolve("diff"), out, WhiteoutFormat.OVERLAY);
    }

    @Override
    public List<Change> changes(String id, String parent) throws IOException {
        return naive.changes(id, parent);
    }

    @Override
    public long applyDiff(String id, String parent, InputStream diff) throws IOException {
        if (!isParent(id, parent)) {
            return naive.applyDiff(id, parent, diff);
        }
        return LayerTar.apply(diff, layerDir(id).resolve("diff"), WhiteoutFormat.OVERLAY);
    }

    @Override
    public long diffSize(String id, String parent) throws IOException {
        if (!isParent(id, parent)) {
            return naive.diffSize(id, parent);
        }
        try (Stream<Path> walk = Files.walk(layerDir(id).resolve("diff"))) {
            return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        }
    }

    private Path layerDir(String id) {
        return home.resolve(LayerIds.check("overlay2", id));
    }

}
