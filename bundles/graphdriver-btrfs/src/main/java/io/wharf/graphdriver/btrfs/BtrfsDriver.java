package io.wharf.graphdriver.btrfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.wharf.core.spi.graphdriver.GraphDriver;
import io.wharf.core.spi.graphdriver.LayerIds;
import io.wharf.core.spi.linux.Commands;
import io.wharf.core.spi.graphdriver.NotSupportedException;

/**
 * Layers as btrfs subvolumes under home/subvolumes: a layer is a writable snapshot of its parent
 * (copy-on-write, so instant whatever its size), a base layer a new subvolume. Subvolumes are
 * made and deleted with btrfs-progs. Nothing is mounted: the subvolume is the layer's content.
 */
final class BtrfsDriver implements GraphDriver {

    private final Path subvolumes;

    BtrfsDriver(Path home) {
        this.subvolumes = home.resolve("subvolumes");
    }

    void checkTools() throws NotSupportedException {
        try {
            btrfs("version");
        } catch (IOException e) {
            throw new NotSupportedException("btrfs-progs is needed for the btrfs driver: " + e.getMessage());
        }
    }

    @Override
    public String name() {
        return "btrfs";
    }

    @Override
    public void create(String id, String parent) throws IOException {
        if (parent == null) {
            btrfs("subvolume", "create", layer(id).toString());
        } else {
            btrfs("subvolume", "snapshot", layer(parent).toString(), layer(id).toString());
        }
    }

    @Override
    public void createReadWrite(String id, String parent) throws IOException {
        create(id, parent);
    }

    @Override
    public void remove(String id) throws IOException {
        if (Files.exists(layer(id))) {
            btrfs("subvolume", "delete", layer(id).toString());
        }
    }

    @Override
    public Path get(String id) throws IOException {
        if (!Files.isDirectory(layer(id))) {
            throw new IOException("btrfs: no layer " + id);
        }
        return layer(id);
    }

    @Override
    public void put(String id) {
        // subvolumes are always reachable; nothing to release
    }

    @Override
    public boolean exists(String id) {
        return Files.isDirectory(layer(id));
    }

    @Override
    public List<Map.Entry<String, String>> status() {
        String version;
        try {
            version = btrfs("version").trim();
        } catch (IOException e) {
            version = "unknown";
        }
        return List.of(Map.entry("Btrfs", version));
    }

    @Override
    public Map<String, String> metadata(String id) {
        return Map.of();
    }

    @Override
    public void cleanup() {
        // nothing is mounted
    }

    private Path layer(String id) {
        return subvolumes.resolve(LayerIds.check("btrfs", id));
    }

    private static String btrfs(String... args) throws IOException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "btrfs";
        System.arraycopy(args, 0, cmd, 1, args.length);
        return Commands.run(cmd);
    }
}
