package io.wharf.core.spi.volume;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One volume as its driver describes it.
 *
 * @param name       the volume's name
 * @param mountpoint where its data is on this host, or "" when the driver knows it only once mounted
 * @param createdAt  when the driver created it, or null when the driver does not say
 * @param status     driver-specific state shown by {@code docker volume inspect} as "Status", or empty
 */
public record Volume(String name, String mountpoint, Instant createdAt, Map<String, Object> status) {

    public Volume {
        Objects.requireNonNull(name, "name");
        mountpoint = mountpoint == null ? "" : mountpoint;
        status = status == null ? Map.of() : Map.copyOf(status);
    }
}
