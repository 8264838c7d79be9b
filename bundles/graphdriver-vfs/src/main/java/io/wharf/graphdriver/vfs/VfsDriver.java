package io.wharf.graphdriver.vfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import io.wharf.core.spi.graphdriver.GraphDriver;
import io.wharf.core.spi.graphdriver.LayerIds;
import io.wharf.core.spi.linux.Commands;
import io.wharf.core.spi.linux.Trees;

/**
 * Layers as plain directories under home/dir: a new layer starts as a full copy of its parent, made
 * by cp -a (owners, modes, xattrs, hard links and device nodes kept; reflinks where the filesystem
 * has them). Nothing is mounted, so get and put only hand out the directory.
 */
final class VfsDriver implements GraphDriver {

    private final Path dirs;

    VfsDriver(Path dirs) {
        this.dirs = dirs;
    }

    @Override
    public String name() {
        return "vfs";
    }

    @Override
    public void create(String id, String parent) throws IOException {
        Path dir = layer(id);
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        if (parent != null) {
            copy(layer(parent), dir);
        }
    }

    @Override
    public void createReadWrite(String id, String parent) throws IOException {
        create(id, parent);
    }

    private static void copy(Path from, Path to) throws IOException {
        Commands.run("cp", "-a", "--reflink=auto", from + "/.", to.toString());
    }

    @Override
    public void remove(String id) throws IOException {
        Trees.delete(layer(id));
    }

    @Override
    public Path get(String id) throws IOException {
        Path dir = layer(id);
        if (!Files.isDirectory(dir)) {
            throw new IOException("vfs: no layer " + id);
        }
        return dir;
    }

    @Override
    public void put(String id) {
        // nothing is mounted
    }

    @Override
    public boolean exists(String id) {
        return Files.isDirectory(layer(id));
    }

    @Override
    public List<Map.Entry<String, String>> status() {
        return List.of();
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
        return dirs.resolve(LayerIds.check("vfs", id));
    }
}
