package io.wharf.graphdriver.vfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import io.wharf.core.spi.graphdriver.GraphDriver;
import io.wharf.core.spi.graphdriver.GraphDriverFactory;
import io.wharf.core.spi.graphdriver.NotSupportedException;

/** Offers the vfs driver; it runs on any filesystem and takes no options. */
@Component(property = GraphDriverFactory.NAME + "=vfs")
public final class VfsDriverFactory implements GraphDriverFactory {

    @Override
    public GraphDriver create(Path home, Map<String, String> options) throws NotSupportedException, IOException {
        for (String key : options.keySet()) {
            throw new IllegalArgumentException("vfs: unknown option " + key);
        }
        Files.createDirectories(home.resolve("dir"));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        return new VfsDriver(home.resolve("dir"));
    }
}
