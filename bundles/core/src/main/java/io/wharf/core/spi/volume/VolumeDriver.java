package io.wharf.core.spi.volume;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A volume driver (moby's volume.Driver with the methods of its volume.Volume taken by name):
 * volumes are named, created with driver options, and mounted per caller: every
 * {@link #mount(String, String)} with a caller id is matched by an {@link #unmount(String, String)}
 * with the same id, and a driver that mounts something does so on the first and undoes it on the
 * last. Methods may be called from several threads at once, also for the same volume.
 */
@ConsumerType
public interface VolumeDriver {

    /** Service property: the driver's name, as users give it to {@code docker volume create -d}. */
    String NAME = "wharf.volumedriver.name";

    /** {@link #scope()}: the driver's volumes exist on this host only. */
    String SCOPE_LOCAL = "local";

    /** {@link #scope()}: the driver's volumes are the same on every host of a cluster. */
    String SCOPE_GLOBAL = "global";

    /**
     * Creates the volume {@code name} with driver options {@code options} (key to value), or
     * returns it when the driver already has it.
     *
     * @throws io.wharf.core.spi.errors.InvalidParameterException for a name or option the driver refuses
     */
    Volume create(String name, Map<String, String> options) throws IOException;

    /**
     * Removes the volume and its data.
     *
     * @throws io.wharf.core.spi.errors.NotFoundException when the driver has no such volume
     */
    void remove(String name) throws IOException;

    /** The volume, or empty when the driver has none of that name. */
    Optional<Volume> get(String name) throws IOException;

    /** Every volume the driver has. */
    List<Volume> list() throws IOException;

    /**
     * Where the volume's data is on this host while it is mounted (for a directory volume,
     * always); may be empty when the driver only knows it once mounted.
     */
    String path(String name) throws IOException;

    /**
     * Mounts the volume for caller {@code id} (a container's id, say) and returns the host
     * directory to bind into the container.
     */
    String mount(String name, String id) throws IOException;

    /** Releases the mount of caller {@code id}; the last caller's unmount undoes the mount. */
    void unmount(String name, String id) throws IOException;

    /** {@link #SCOPE_LOCAL} or {@link #SCOPE_GLOBAL}. */
    default String scope() {
        return SCOPE_LOCAL;
    }
}
