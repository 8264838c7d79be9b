/**
 * Volume drivers, after moby's volume.Driver and volume.Volume: a driver bundle registers a
 * {@link io.wharf.core.spi.volume.VolumeDriver} service carrying its name in the service property
 * {@value io.wharf.core.spi.volume.VolumeDriver#NAME}. The core keeps each volume's metadata (name,
 * driver, labels, options, creation time) and the containers that use it; the driver keeps the
 * data. Drivers come and go at any time: a volume whose driver is absent stays listed and answers
 * "driver NAME is not available" until the driver is back.
 *
 * <p>Errors: a driver throws the typed errors of {@code io.wharf.core.spi.errors} where the user
 * is at fault or the state forbids the call ({@code InvalidParameterException} for a bad option,
 * {@code NotFoundException} for a volume it does not have, {@code ConflictException}) and
 * {@link java.io.IOException} for failures of the system underneath (mount(2), the disk).
 */
@Export
@Version("1.0.0")
package io.wharf.core.spi.volume;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
