package io.wharf.core.internal.container;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * A bind mount a container has from another through --volumes-from, as config.v2.json keeps it:
 * moby copies the other container's bind mount points along with its volumes.
 *
 * @param source      the host path
 * @param destination where it is mounted in the container
 * @param rw          whether it is writable
 */
@JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
public record SharedBind(String source, String destination, boolean rw) {
}
