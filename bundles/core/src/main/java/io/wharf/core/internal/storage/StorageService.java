package io.wharf.core.internal.storage;

import java.util.List;
import java.util.function.Supplier;

import io.wharf.core.spi.graphdriver.DiffDriver;
import io.wharf.core.spi.graphdriver.GraphDriver;

/**
 * The graph driver in use and its diff, offered as a service once {@link StorageSetup} has chosen
 * it; the image store and the API wait for it, as dockerd serves only after NewDaemon.
 */
public final class StorageService {

    private final GraphDriver driver;
    private final DiffDriver diff;
    private final Supplier<List<String>> presentDrivers;

    StorageService(GraphDriver driver, DiffDriver diff, Supplier<List<String>> presentDrivers) {
        this.driver = driver;
        this.diff = diff;
        this.presentDrivers = presentDrivers;
    }

    public GraphDriver driver() {
        return driver;
    }

    public DiffDriver diff() {
        return diff;
    }

    /** The names of the driver bundles present now. */
    public List<String> presentDrivers() {
        return presentDrivers.get();
    }
}
