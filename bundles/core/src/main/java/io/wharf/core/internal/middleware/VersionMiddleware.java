package io.wharf.core.internal.middleware;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.wharf.core.internal.daemon.DaemonContext;
import io.wharf.core.internal.daemon.WharfVersion;
import io.wharf.core.internal.server.ApiVersions;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.http.ApiRequest;
import io.wharf.core.spi.http.ApiResponse;
import io.wharf.core.spi.http.ApiVersion;
import io.wharf.core.spi.middleware.Middleware;

/** Sets the version headers on every answer and refuses API versions outside the served range. */
@Component(property = Middleware.ORDER + ":Integer=" + Middleware.ORDER_VERSION)
public final class VersionMiddleware implements Middleware {

    private final DaemonContext daemon;
    private final String serverHeader;

    @Activate
    public VersionMiddleware(@Reference DaemonContext daemon) {
        this.daemon = daemon;
        this.serverHeader = "Docker/" + WharfVersion.version() + " (linux)";
    }

    @Override
    public void handle(ApiRequest request, ApiResponse response, Chain next) throws Exception {
        response.header("Server", serverHeader);
        response.header("Api-Version", ApiVersions.MAX.toString());
        response.header("Ostype", "linux");
        response.header("Docker-Experimental", Boolean.toString(daemon.config().experimental()));
        ApiVersion v = request.apiVersion();
        if (v.lessThan(ApiVersions.MIN)) {
            throw new InvalidParameterException("client version " + v + " is too old. Minimum supported API version is "
                    + ApiVersions.MIN + ", please upgrade your client to a newer version");
        }
        if (ApiVersions.MAX.lessThan(v)) {
            throw new InvalidParameterException("client version " + v + " is too new. Maximum supported API version is "
                    + ApiVersions.MAX);
        }
        next.proceed(request, response);
    }
}
