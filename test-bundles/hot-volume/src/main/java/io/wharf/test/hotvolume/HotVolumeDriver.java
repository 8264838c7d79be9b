package io.wharf.test.hotvolume;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.wharf.core.spi.daemon.DaemonInfo;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.NotFoundException;
import io.wharf.core.spi.volume.Volume;
import io.wharf.core.spi.volume.VolumeDriver;

/**
 * A volume driver that exists only to be dropped into deploy/ and taken out again by tests: each
 * volume is a directory {@code data-root/hotvol/NAME}, which outlives the bundle, so its volumes
 * are whole again when it comes back.
 */
@Component(service = VolumeDriver.class, property = VolumeDriver.NAME + "=hotvol")
public final class HotVolumeDriver implements VolumeDriver {

    private final Path root;

    @Activate
    public HotVolumeDriver(@Reference DaemonInfo daemon) throws IOException {
        this.root = Files.createDirectories(daemon.dataRoot().resolve("hotvol"));
    }

    private Path dir(String name) {
        if (name.isEmpty() || name.contains("/") || name.startsWith(".")) {
            throw new InvalidParameterException("invalid volume name " + name);
        }
        return root.resolve(name);
    }

    private Volume volume(Path dir) throws IOException {
        return new Volume(dir.getFileName().toString(), dir.toString(),
                Files.readAttributes(dir, BasicFileAttributes.class).creationTime().toInstant(), Map.of());
    }

    @Override
    public Volume create(String name, Map<String, String> options) throws IOException {
        if (!options.isEmpty()) {
            throw new InvalidParameterException("hotvol takes no options");
        }
        return volume(Files.createDirectories(dir(name)));
    }

    @Override
    public void remove(String name) throws IOException {
        Path dir = dir(name);
        if (!Files.isDirectory(dir)) {
            throw new NotFoundException("no such volume");
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Override
    public Optional<Volume> get(String name) throws IOException {
        Path dir = dir(name);
        return Files.isDirectory(dir) ? Optional.of(volume(dir)) : Optional.empty();
    }

    @Override
    public List<Volume> list() throws IOException {
        List<Volume> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path d : dirs) {
                out.add(volume(d));
            }
        }
        return out;
    }

    @Override
    public String path(String name) {
        return dir(name).toString();
    }

    @Override
    public String mount(String name, String id) throws IOException {
        Path dir = dir(name);
        if (!Files.isDirectory(dir)) {
            throw new NotFoundException("no such volume");
        }
        return dir.toString();
    }

    @Override
    public void unmount(String name, String id) {
    }
}
