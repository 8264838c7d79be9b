package io.wharf.graphdriver.devicemapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.osgi.service.component.annotations.Component;

import io.wharf.core.spi.graphdriver.GraphDriver;
import io.wharf.core.spi.graphdriver.GraphDriverFactory;
import io.wharf.core.spi.graphdriver.NotSupportedException;

/**
 * The devicemapper driver's entry point: it validates dockerd's dm.* options and checks the
 * kernel for device-mapper. The thin-pool driver itself is not implemented yet, because no host
 * this project runs on has device-mapper to test it on; where device-mapper exists it declines
 * with that reason instead of pretending.
 */
@Component(property = GraphDriverFactory.NAME + "=devicemapper")
public final class DeviceMapperDriverFactory implements GraphDriverFactory {

    /** dockerd's devicemapper options (moby daemon/graphdriver/devmapper/deviceset.go). */
    private static final Set<String> OPTIONS = Set.of("dm.basesize", "dm.loopdatasize", "dm.loopmetadatasize", "dm.fs",
            "dm.mkfsarg", "dm.mountopt", "dm.datadev", "dm.metadatadev", "dm.thinpooldev", "dm.blocksize",
            "dm.blkdiscard", "dm.override_udev_sync_check", "dm.use_deferred_removal", "dm.use_deferred_deletion",
            "dm.min_free_space", "dm.xfs_nospace_max_retries", "dm.libdm_log_level", "dm.directlvm_device",
            "dm.thinp_percent", "dm.thinp_metapercent", "dm.thinp_autoextend_threshold", "dm.thinp_autoextend_percent");

    @Override
    public GraphDriver create(Path home, Map<String, String> options) throws NotSupportedException, IOException {
        for (Map.Entry<String, String> o : options.entrySet()) {
            if (!OPTIONS.contains(o.getKey())) {
                throw new IllegalArgumentException("devicemapper: Unknown option " + o.getKey());
            }
        }
        if (!kernelHasDeviceMapper()) {
            throw new NotSupportedException("the kernel has no device-mapper support (no device-mapper in "
                    + "/proc/devices and no /dev/mapper/control)");
        }
        throw new NotSupportedException("the devicemapper thin-pool driver is not implemented in this version of Wharf");
    }

    static boolean kernelHasDeviceMapper() throws IOException {
        return Files.readString(Path.of("/proc/devices")).contains(" device-mapper\n")
                || Files.exists(Path.of("/dev/mapper/control"));
    }
}
