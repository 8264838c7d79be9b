package io.wharf.core.spi.graphdriver;

import java.nio.file.Path;
import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A graph driver's service, registered with its name in {@link #NAME}. The core calls
 * {@link #create} at most once per daemon run, for the driver it chose.
 */
@ConsumerType
public interface GraphDriverFactory {

    /** Service property: the driver's name as users give it to --storage-driver. */
    String NAME = "wharf.graphdriver.name";

    /**
     * Initialises the driver in {@code home} (data-root/NAME) with its --storage-opt options
     * (key to value; a key the driver does not know must be refused).
     *
     * @throws NotSupportedException when this host cannot run the driver, with the reason
     */
    GraphDriver create(Path home, Map<String, String> options) throws NotSupportedException, java.io.IOException;
}
