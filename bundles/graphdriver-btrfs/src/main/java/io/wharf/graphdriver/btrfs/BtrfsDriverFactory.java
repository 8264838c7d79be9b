package io.wharf.graphdriver.btrfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import io.wharf.core.spi.graphdriver.GraphDriver;
import io.wharf.core.spi.graphdriver.GraphDriverFactory;
import io.wharf.core.spi.graphdriver.NotSupportedException;

/** Offers btrfs when the data root is on a btrfs filesystem and btrfs-progs is installed. */
@Component(property = GraphDriverFactory.NAME + "=btrfs")
public final class BtrfsDriverFactory implements GraphDriverFactory {

    @Override
    public GraphDriver create(Path home, Map<String, String> options) throws NotSupportedException, IOException {
        for (String key : options.keySet()) {
            if (!key.equals("btrfs.min_space")) {
                throw new IllegalArgumentException("btrfs: unknown option " + key);
            }
            throw new NotSupportedException("btrfs.min_space needs btrfs quotas, which this driver does not manage");
        }
        if (!Files.readString(Path.of("/proc/filesystems")).contains("\tbtrfs\n")) {
            throw new NotSupportedException("'btrfs' not found as a supported filesystem on this host. Please ensure "
                    + "kernel is new enough and has btrfs support loaded.");
        }
        Path probe = Files.exists(home) ? home : home.getParent();
        String type = Files.getFileStore(probe).type();
        if (!type.equals("btrfs")) {
            throw new NotSupportedException("prerequisites for driver not satisfied (wrong filesystem?): "
                    + probe + " is on " + type + ", not btrfs");
        }
        BtrfsDriver driver = new BtrfsDriver(home);
        driver.checkTools();
        Files.createDirectories(home.resolve("subvolumes"));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        return driver;
    }
}
