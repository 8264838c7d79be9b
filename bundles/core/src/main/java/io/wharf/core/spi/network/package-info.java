/**
 * Network drivers, after libnetwork's driverapi: a driver bundle registers a
 * {@link io.wharf.core.spi.network.NetworkDriver} service carrying its name in the service
 * property {@value io.wharf.core.spi.network.NetworkDriver#NAME}. The core keeps the networks and
 * endpoints (their ids, names, subnets, addresses and published host ports: IPAM and port
 * allocation are the core's) and each container's network namespace (its sandbox); the driver
 * makes the kernel state that connects them: devices, addresses, routes and firewall rules.
 *
 * <p>Drivers come and go at any time. When a driver arrives the core configures it and creates each
 * of its networks again (creation is idempotent); a driver that goes away leaves its kernel state
 * as it is, so running containers keep their connectivity, and new endpoints on its networks
 * answer "driver NAME is not available" until it is back.
 *
 * <p>Errors: a driver throws the typed errors of {@code io.wharf.core.spi.errors} where the user is
 * at fault ({@code InvalidParameterException} for an option it refuses, {@code ConflictException}
 * for a device name in use) and {@link java.io.IOException} for failures of the system underneath.
 */
@Export
@Version("1.0.0")
package io.wharf.core.spi.network;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
