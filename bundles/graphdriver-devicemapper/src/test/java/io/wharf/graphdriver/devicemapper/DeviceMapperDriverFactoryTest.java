package io.wharf.graphdriver.devicemapper;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.spi.graphdriver.NotSupportedException;

/**
 * The devicemapper factory validates dockerd's dm.* options and declines with its reason. There is
 * no conformance run: the factory never returns a driver (the thin-pool driver is not written,
 * since no host this project runs on has device-mapper to test it on), so there is nothing to run
 * the suite against.
 */
class DeviceMapperDriverFactoryTest {

    @TempDir
    Path tempDir;

    @Test
    void declinesWithTheReason() throws Exception {
        NotSupportedException e = assertThrows(NotSupportedException.class,
                () -> new DeviceMapperDriverFactory().create(tempDir.resolve("devicemapper"), Map.of("dm.basesize", "20G")));
        if (DeviceMapperDriverFactory.kernelHasDeviceMapper()) {
            assertTrue(e.getMessage().contains("not implemented"), e.getMessage());
        } else {
            assertTrue(e.getMessage().contains("device-mapper"), "the reason mentions device-mapper: " + e.getMessage());
        }
    }

    @Test
    void refusesAnUnknownOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DeviceMapperDriverFactory().create(tempDir.resolve("devicemapper"), Map.of("dm.nonsense", "1")));
        assertTrue(e.getMessage().contains("dm.nonsense"), e.getMessage());
    }
}
