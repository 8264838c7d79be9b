/**
 * The request and response a route handler or middleware sees: a narrow view over the HTTP
 * server, so that routers in other bundles never depend on Jetty.
 */
@Export
@Version("1.1.0")
package io.wharf.core.spi.http;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
