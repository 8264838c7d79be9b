package io.wharf.graphdriver.overlay2;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

import org.osgi.service.component.annotations.Component;

import io.wharf.core.spi.graphdriver.GraphDriver;
import io.wharf.core.spi.graphdriver.GraphDriverFactory;
import io.wharf.core.spi.graphdriver.NotSupportedException;
import io.wharf.core.spi.linux.DirectoryEntries;
import io.wharf.core.spi.linux.Trees;

/**
 * Offers overlay2 where dockerd would: the kernel has overlayfs, the backing filesystem is one
 * overlayfs can sit on and fills in d_type, and an overlay mount with two lower layers works here.
 */
@Component(property = GraphDriverFactory.NAME + "=overlay2")
public final class Overlay2DriverFactory implements GraphDriverFactory {

    /** Filesystems overlayfs cannot use as its upper layer (moby's backing-filesystem check). */
    private static final Set<String> UNSUPPORTED_BACKING = Set.of("overlay", "aufs", "ecryptfs", "zfs", "nfs", "fuse");

    @Override
    public GraphDriver create(Path home, Map<String, String> options) throws NotSupportedException, IOException {
        for (Map.Entry<String, String> o : options.entrySet()) {
            switch (o.getKey()) {
                case "overlay2.override_kernel_check" -> {
                    // accepted and ignored, as in dockerd since 20.10
                }
                case "overlay2.size" -> throw new NotSupportedException(
                        "Storage option overlay2.size not supported. Filesystem does not support Project Quota");
                default -> throw new IllegalArgumentException("overlay2: unknown option " + o.getKey());
            }
        }
        if (!Files.readString(Path.of("/proc/filesystems")).contains("\toverlay\n")) {
            throw new NotSupportedException("the kernel does not support overlay filesystem");
        }
        boolean fresh = !Files.exists(home);
        Files.createDirectories(home.resolve(Overlay2Driver.LINK_DIR));
        try {
            Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx--x--x"));
            String backing = Files.getFileStore(home).type();
            if (UNSUPPORTED_BACKING.contains(backing) || backing.startsWith("fuse")) {
                throw new NotSupportedException("'overlay2' is not supported over " + backing);
            }
            if (!DirectoryEntries.supportsDType(home)) {
                throw new NotSupportedException("overlay2: the backing " + backing
                        + " filesystem is formatted without d_type support, which leads to incorrect behavior");
            }
            Overlay2Driver driver = new Overlay2Driver(home, backing);
            driver.checkMultipleLowers();
            return driver;
        } catch (NotSupportedException | IOException | RuntimeException e) {
            // A home made only to be checked is no prior state: left behind, it would make the next
            // start choose overlay2 as the driver already in use.
            if (fresh) {
                Trees.delete(home);
            }
            throw e;
        }
    }
}
