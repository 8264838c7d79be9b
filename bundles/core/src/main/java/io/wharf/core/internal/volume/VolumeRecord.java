package io.wharf.core.internal.volume;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the core keeps of one volume (moby's volumeMetadata plus its references): the driver that
 * has its data, the labels and driver options it was created with, when, and the containers using
 * it. {@code createdAt} is an ISO-8601 instant.
 */
record VolumeRecord(String name, String driver, Map<String, String> labels, Map<String, String> options,
        String createdAt, List<String> references) {

    VolumeRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(driver, "driver");
        labels = labels == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
        options = options == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(options));
        references = references == null ? List.of() : List.copyOf(references);
    }

    VolumeRecord withReferences(List<String> refs) {
        return new VolumeRecord(name, driver, labels, options, createdAt, refs);
    }
}
