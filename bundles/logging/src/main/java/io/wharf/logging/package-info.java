/**
 * The daemon's log output: dockerd's text ({@code time="..." level=info msg="..."}) or JSON
 * lines on standard error, with a level that can change while the daemon runs.
 */
@Export
@Version("1.0.0")
package io.wharf.logging;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
