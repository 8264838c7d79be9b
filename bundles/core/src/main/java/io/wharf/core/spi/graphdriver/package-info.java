/**
 * Graph drivers, after moby's daemon/graphdriver: a driver bundle registers a
 * {@link io.wharf.core.spi.graphdriver.GraphDriverFactory} carrying its name; the core chooses one
 * driver at start-up as dockerd does and keeps layers in it. A driver without a native diff
 * implements only {@link io.wharf.core.spi.graphdriver.GraphDriver}; the core diffs for it.
 */
@Export
@Version("1.1.0")
package io.wharf.core.spi.graphdriver;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
