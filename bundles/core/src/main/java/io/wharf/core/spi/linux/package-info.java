/** Linux calls that drivers need and the JDK lacks (mount, unmount, directory entry types, network namespaces), through java.lang.foreign. */
@Export
@Version("1.5.0")
package io.wharf.core.spi.linux;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
