/** What the container runtime (containerd and its OCI runtime) tells about itself for docker version and docker info. */
@Export
@Version("1.0.0")
package io.wharf.core.spi.runtime;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
