package io.wharf.core.internal.container;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * One volume a container mounts, as config.v2.json keeps it (moby's MountPoint of type volume).
 *
 * @param name        the volume's name (generated for an anonymous one)
 * @param driver      its volume driver
 * @param source      its directory on the host, as its driver named it when it was registered
 * @param destination where it is mounted in the container
 * @param rw          whether it is writable
 * @param anonymous   whether it was made for this container (docker rm -v and --rm remove it)
 * @param copyData    whether the image's content at the destination is still to be copied in, on
 *                    the first start, when the volume is empty (unless nocopy)
 */
@JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
public record VolumeMount(String name, String driver, String source, String destination, boolean rw,
        boolean anonymous, boolean copyData) {

    VolumeMount copied() {
        return new VolumeMount(name, driver, source, destination, rw, anonymous, false);
    }
}
