/**
 * Image layers as tar streams (moby's {@code pkg/archive}): apply a layer to a directory, write a
 * directory or a set of changes as a layer, and compute the changes between two directories. Used
 * by the core's layer store and by graph drivers; a driver without a native diff gets one from
 * {@link io.wharf.core.spi.archive.Changes#between} and
 * {@link io.wharf.core.spi.archive.LayerTar#writeChanges}.
 */
@Export
@Version("1.0.0")
package io.wharf.core.spi.archive;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
