package io.wharf.core.spi.router;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/** A group of API routes (container, image, system, ...), registered as a service. */
@ConsumerType
public interface Router {

    /** The routes, in matching order: literal paths before patterns like {@code {name:.*}}. */
    List<Route> routes();
}
