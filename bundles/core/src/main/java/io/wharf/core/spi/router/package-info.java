/**
 * API routes as OSGi services: register a {@link io.wharf.core.spi.router.Router} and its
 * routes answer at once, bare and under /v1.NN; unregister it and they are 404 again.
 */
@Export
@Version("1.1.0")
package io.wharf.core.spi.router;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
