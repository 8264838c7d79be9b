/**
 * The container runtime (containerd and its OCI runtime): what it tells about itself for docker
 * version and docker info, and the calls that run containers.
 */
@Export
@Version("1.2.0")
package io.wharf.core.spi.runtime;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
