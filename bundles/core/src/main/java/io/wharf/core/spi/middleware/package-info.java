/**
 * Middleware as OSGi services, run around every route in the order of their
 * {@link io.wharf.core.spi.middleware.Middleware#ORDER} property: version (100), CORS (200),
 * user agent (300), authorization (400).
 */
@Export
@Version("1.1.0")
package io.wharf.core.spi.middleware;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
