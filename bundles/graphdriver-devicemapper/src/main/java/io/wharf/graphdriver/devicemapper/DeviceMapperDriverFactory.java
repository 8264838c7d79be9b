package io.wharf.graphdriver.devicemapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import io.wharf.core.spi.graphdriver.GraphDriver;
import io.wharf.core.spi.graphdriver.GraphDriverFactory;
import io.wharf.core.spi.graphdriver.NotSupportedException;

/**
 * Offers devicemapper where dockerd would: the kernel has device-mapper and answers dmsetup, and
 * the tools the driver runs are installed. Layers live in a thin pool: dm.thinpooldev's, or
 * loop-lvm's, made over sparse files in home/devicemapper when no pool is given.
 */
@Component(property = GraphDriverFactory.NAME + "=devicemapper")
public final class DeviceMapperDriverFactory implements GraphDriverFactory {

    @Override
    public GraphDriver create(Path home, Map<String, String> options) throws NotSupportedException, IOException {
        DmOptions dmOptions = DmOptions.parse(options);
        if (!kernelHasDeviceMapper()) {
            throw new NotSupportedException("the kernel has no device-mapper support (no device-mapper in "
                    + "/proc/devices and no /dev/mapper/control)");
        }
        List<String> missing = missingTools(dmOptions);
        if (!missing.isEmpty()) {
            throw new NotSupportedException("devicemapper needs " + String.join(", ", missing)
                    + " (Debian packages dmsetup, mount, util-linux, e2fsprogs or xfsprogs)");
        }
        Host host = new SystemHost();
        try {
            new Dmsetup(host).driverVersion();
        } catch (IOException e) {
            throw new NotSupportedException("the kernel's device-mapper does not answer: " + e.getMessage());
        }
        Files.createDirectories(home);
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        return new DeviceMapperDriver(home, DeviceSet.open(home, dmOptions, host), host);
    }

    static boolean kernelHasDeviceMapper() throws IOException {
        return Files.readString(Path.of("/proc/devices")).contains(" device-mapper\n")
                || Files.exists(Path.of("/dev/mapper/control"));
    }

    private static List<String> missingTools(DmOptions options) {
        List<String> tools = new ArrayList<>(List.of("dmsetup", "blkid", "mount", "umount"));
        if (options.loopLvm()) {
            tools.add("losetup");
        }
        if (options.filesystem().equals("xfs")) {
            tools.add("mkfs.xfs");
        } else {
            tools.addAll(List.of("mkfs.ext4", "tune2fs"));
        }
        return tools.stream().filter(t -> !onPath(t)).toList();
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
