/** The daemon's event stream ({@code docker events}): publish here, clients subscribe over the API. */
@Export
@Version("1.0.0")
package io.wharf.core.spi.events;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
