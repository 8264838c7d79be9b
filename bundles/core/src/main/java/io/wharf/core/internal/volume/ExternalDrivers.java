package io.wharf.core.internal.volume;

import java.util.List;
import java.util.Optional;

import io.wharf.core.spi.volume.VolumeDriver;

/**
 * Volume drivers that are not OSGi services: external plugins found by name when the volume
 * service is asked for a driver it does not have (moby's pluginGetter behind the volume drivers
 * store).
 */
public interface ExternalDrivers {

    /** No external drivers at all. */
    ExternalDrivers NONE = new ExternalDrivers() {
        @Override
        public Optional<VolumeDriver> lookup(String name) {
            return Optional.empty();
        }

        @Override
        public List<String> active() {
            return List.of();
        }
    };

    /**
     * The driver called {@code name}, found, activated and kept for later calls, or empty when
     * there is none or it does not answer.
     */
    Optional<VolumeDriver> lookup(String name);

    /** The names of the drivers found and activated so far that still answer, sorted. */
    List<String> active();
}
