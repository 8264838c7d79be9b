/**
 * Image references and content digests, parsed as dockerd parses them (distribution/reference
 * and opencontainers/go-digest): "busybox" means docker.io/library/busybox. Every parse error is
 * an {@link io.wharf.core.spi.errors.InvalidParameterException} carrying dockerd's own message,
 * so the API answers 400 with the text the docker CLI expects.
 */
@Export
@Version("1.0.0")
package io.wharf.core.spi.reference;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
