package io.wharf.core.internal.middleware;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.wharf.core.internal.daemon.DaemonContext;
import io.wharf.core.spi.http.ApiRequest;
import io.wharf.core.spi.http.ApiResponse;
import io.wharf.core.spi.middleware.Middleware;

/** --api-cors-header: the CORS headers on every answer, and OPTIONS pre-flights answered. */
@Component(property = Middleware.ORDER + ":Integer=" + Middleware.ORDER_CORS)
public final class CorsMiddleware implements Middleware {

    private final DaemonContext daemon;

    @Activate
    public CorsMiddleware(@Reference DaemonContext daemon) {
        this.daemon = daemon;
    }

    @Override
    public void handle(ApiRequest request, ApiResponse response, Chain next) throws Exception {
        var origin = daemon.config().corsHeader();
        if (origin.isEmpty()) {
            next.proceed(request, response);
            return;
        }
        response.header("Access-Control-Allow-Origin", origin.get());
        response.header("Access-Control-Allow-Headers", "Origin, X-Requested-With, Content-Type, Accept, X-Registry-Auth");
        response.header("Access-Control-Allow-Methods", "HEAD, GET, POST, DELETE, PUT, OPTIONS");
        if (request.method().equals("OPTIONS")) {
            response.empty(200);
            return;
        }
        next.proceed(request, response);
    }
}
