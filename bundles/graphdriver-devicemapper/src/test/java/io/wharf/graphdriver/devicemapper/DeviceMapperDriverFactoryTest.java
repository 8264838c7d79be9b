package io.wharf.graphdriver.devicemapper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.spi.graphdriver.NotSupportedException;

/** The devicemapper factory checks dockerd's dm.* options first, then declines, with its reason, where it cannot run. */
class DeviceMapperDriverFactoryTest {

    @TempDir
    Path tempDir;

    @Test
    void declinesOnAKernelWithoutDeviceMapper() throws Exception {
        assumeFalse(DeviceMapperDriverFactory.kernelHasDeviceMapper(),
                "this kernel has device-mapper, so the factory does not decline for want of it");
        Path home = tempDir.resolve("devicemapper");
        NotSupportedException e = assertThrows(NotSupportedException.class,
                () -> new DeviceMapperDriverFactory().create(home, Map.of("dm.basesize", "20G")));
        assertEquals("the kernel has no device-mapper support (no device-mapper in /proc/devices and no /dev/mapper/control)",
                e.getMessage());
        assertFalse(Files.exists(home), "declining left " + home + " behind");
    }

    @Test
    void refusesAnUnknownOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DeviceMapperDriverFactory().create(tempDir.resolve("devicemapper"), Map.of("dm.nonsense", "1")));
        assertTrue(e.getMessage().contains("dm.nonsense"), e.getMessage());
    }

    @Test
    void declinesAnOptionItDoesNotImplementSayingSo() {
        NotSupportedException e = assertThrows(NotSupportedException.class,
                () -> new DeviceMapperDriverFactory().create(tempDir.resolve("devicemapper"), Map.of("dm.directlvm_device", "/dev/sdb")));
        assertTrue(e.getMessage().contains("direct-lvm"), e.getMessage());
    }
}
