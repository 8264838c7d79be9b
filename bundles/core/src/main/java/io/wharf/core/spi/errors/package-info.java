/**
 * Typed errors, after moby's errdefs: throw one of these anywhere below a route and the API
 * server answers with the matching HTTP status and {@code {"message": ...}}.
 */
@Export
@Version("1.0.0")
package io.wharf.core.spi.errors;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
