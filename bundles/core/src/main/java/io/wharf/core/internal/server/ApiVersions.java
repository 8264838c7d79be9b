package io.wharf.core.internal.server;

import io.wharf.core.spi.http.ApiVersion;

/** The API versions this daemon serves: every version from MIN up to the highest it implements fully. */
public final class ApiVersions {

    public static final ApiVersion MIN = new ApiVersion(1, 24);
    public static final ApiVersion MAX = new ApiVersion(1, 41);

    private ApiVersions() {
    }
}
