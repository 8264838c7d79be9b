/** Linux calls that drivers need and the JDK lacks (mount, unmount, directory entry types), through java.lang.foreign. */
@Export
@Version("1.3.0")
package io.wharf.core.spi.linux;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
