package io.wharf.core.internal.daemon;

import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;

/** The version and git commit the core bundle was built from (its manifest says them). */
public final class WharfVersion {

    private WharfVersion() {
    }

    public static String version() {
        String v = header("Wharf-Version");
        return v == null ? "unknown" : v.replace("-SNAPSHOT", "-dev");
    }

    public static String commit() {
        String c = header("Wharf-Git-Commit");
        return c == null || c.isEmpty() ? "unknown" : c;
    }

    /** The time of the commit the core was built from, in RFC 3339 (builds are reproducible). */
    public static String buildTime() {
        String time = header("Wharf-Build-Time");
        return time == null ? "" : time;
    }

    private static String header(String name) {
        Bundle bundle = FrameworkUtil.getBundle(WharfVersion.class);
        return bundle == null ? null : bundle.getHeaders().get(name);
    }
}
