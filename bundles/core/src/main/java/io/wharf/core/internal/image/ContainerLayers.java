package io.wharf.core.internal.image;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.fs.AtomicFiles;
import io.wharf.core.spi.archive.Change;
import io.wharf.core.spi.graphdriver.DiffDriver;
import io.wharf.core.spi.graphdriver.GraphDriver;
import io.wharf.core.spi.linux.Trees;
import io.wharf.core.spi.reference.Digest;

/**
 * Containers' read-write layers in moby's layout, layerdb/mounts/CONTAINER/ with the files
 * mount-id, init-id and parent. Each container gets an init layer on its image's top layer, holding
 * the mount points and files the daemon manages (moby's initlayer), and its read-write layer on
 * that. The record's directory is made first on create and mount-id written last; on remove
 * mount-id goes first. A record without mount-id is a create or remove cut short: its driver
 * layers, named after the container, go with it.
 */
public final class ContainerLayers {

    private static final Logger LOG = LoggerFactory.getLogger(ContainerLayers.class);

    /** Directories and files every container has, so that their mounts find a target (moby's initlayer). */
    private static final List<String> INIT_DIRS = List.of("dev/pts", "dev/shm", "proc", "sys", "etc");
    private static final List<String> INIT_FILES = List.of(".dockerenv", "etc/resolv.conf", "etc/hosts",
            "etc/hostname", "dev/console");

    private final Path root;
    private final GraphDriver driver;
    private final DiffDriver diff;
    private final LayerStore layers;

    ContainerLayers(Path root, GraphDriver driver, DiffDriver diff, LayerStore layers) throws IOException {
        this.root = root;
        this.driver = driver;
        this.diff = diff;
        this.layers = layers;
        Files.createDirectories(root);
    }

    /** Creates the init and read-write layers of a container on {@code parent} (null: an empty image). */
    public synchronized void create(String containerId, Digest parent) throws IOException {
        String mountId = containerId;
        String initId = mountId + "-init";
        String parentCache = parent == null ? null : layers.get(parent).cacheId();
        Path dir = root.resolve(containerId);
        // The record's directory first: a create cut short leaves it without mount-id, and the
        // sweep at the next start (removeAllBut) removes what the driver had made by then.
        Files.createDirectories(dir);
        removeDriverLayer(mountId);
        removeDriverLayer(initId);
        driver.createReadWrite(initId, parentCache);
        Path init = driver.get(initId);
        try {
            for (String d : INIT_DIRS) {
                Files.createDirectories(init.resolve(d));
            }
            for (String f : INIT_FILES) {
                Path p = init.resolve(f);
                if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createFile(p);
                }
            }
        } finally {
            driver.put(initId);
        }
        driver.createReadWrite(mountId, initId);
        AtomicFiles.write(dir.resolve("init-id"), initId.getBytes(StandardCharsets.US_ASCII));
        if (parent != null) {
            AtomicFiles.write(dir.resolve("parent"), parent.toString().getBytes(StandardCharsets.US_ASCII));
        }
        AtomicFiles.write(dir.resolve("mount-id"), mountId.getBytes(StandardCharsets.US_ASCII));
    }

    /** Mounts the container's root filesystem (reference counted) and answers where it is. */
    public Path mount(String containerId) throws IOException {
        return driver.get(mountId(containerId));
    }

    public void unmount(String containerId) throws IOException {
        driver.put(mountId(containerId));
    }

    /** What the container changed on its image (docker diff). */
    public List<Change> changes(String containerId) throws IOException {
        return diff.changes(mountId(containerId), initId(containerId));
    }

    /** The size of what the container changed (SizeRw). */
    public long changesSize(String containerId) throws IOException {
        return diff.diffSize(mountId(containerId), initId(containerId));
    }

    /** Writes the tar of the container's changes, the layer `docker commit` makes. */
    public void diff(String containerId, OutputStream out) throws IOException {
        diff.diff(mountId(containerId), initId(containerId), out);
    }

    /** Removes both layers of a container; one that has none is not an error. */
    public synchronized void remove(String containerId) throws IOException {
        Path dir = root.resolve(containerId);
        if (!Files.exists(dir.resolve("mount-id"))) {
            // a create cut short: its driver layers, if it made any, have the names create gives them
            removeDriverLayer(containerId);
            removeDriverLayer(containerId + "-init");
            Trees.delete(dir);
            return;
        }
        String mountId = mountId(containerId);
        String initId = initId(containerId);
        Files.delete(dir.resolve("mount-id"));
        removeDriverLayer(mountId);
        removeDriverLayer(initId);
        Trees.delete(dir);
    }

    private void removeDriverLayer(String id) throws IOException {
        if (driver.exists(id)) {
            driver.remove(id);
        }
    }

    /** The image layers containers stand on: a layer in this set must not be removed. */
    synchronized Set<Digest> parents() throws IOException {
        Set<Digest> parents = new HashSet<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.toList()) {
                String parent = read(dir.resolve("parent"));
                if (parent != null) {
                    parents.add(Digest.parse(parent));
                }
            }
        }
        return parents;
    }

    /** Removes the layers of containers that no longer exist (e.g. removed by a daemon that was killed). */
    public synchronized void removeAllBut(Set<String> containerIds) throws IOException {
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.toList()) {
                String id = dir.getFileName().toString();
                if (!containerIds.contains(id)) {
                    LOG.info("removing the layers of container {}, which no longer exists", id);
                    remove(id);
                }
            }
        }
    }

    private String mountId(String containerId) throws IOException {
        String id = read(root.resolve(containerId).resolve("mount-id"));
        if (id == null) {
            throw new NoSuchFileException("container " + containerId + " has no read-write layer");
        }
        return id;
    }

    private String initId(String containerId) throws IOException {
        return read(root.resolve(containerId).resolve("init-id"));
    }

    private static String read(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
