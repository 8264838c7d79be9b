/**
 * The running daemon as bundles outside the core see it: its directories and the settings that
 * concern them, and a way to end a start-up that cannot go on.
 */
@Export
@Version("1.0.0")
package io.wharf.core.spi.daemon;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
