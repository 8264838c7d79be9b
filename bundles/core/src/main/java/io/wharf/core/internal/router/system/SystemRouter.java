package io.wharf.core.internal.router.system;

import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.wharf.core.spi.http.ApiRequest;
import io.wharf.core.spi.http.ApiResponse;
import io.wharf.core.spi.router.Route;
import io.wharf.core.spi.router.Router;

/** /_ping, /version, /info, /events and /system/df. */
@Component(service = Router.class)
public final class SystemRouter implements Router {

    private final SystemBackend backend;
    private final List<Route> routes;

    @Activate
    public SystemRouter(@Reference SystemBackend backend) {
        this.backend = backend;
        EventsHandler events = new EventsHandler(backend);
        this.routes = List.of(
                Route.get("/_ping", this::ping).nonBlocking(),
                Route.head("/_ping", this::ping).nonBlocking(),
                Route.get("/version", (req, resp) -> resp.json(200, backend.version())).nonBlocking(),
                Route.get("/info", (req, resp) -> resp.json(200, backend.info())),
                Route.get("/events", events::handle),
                Route.get("/system/df", (req, resp) -> resp.json(200, backend.diskUsage())));
    }

    @Override
    public List<Route> routes() {
        return routes;
    }

    private void ping(ApiRequest request, ApiResponse response) {
        backend.pingHeaders().forEach(response::header);
        response.header("Cache-Control", "no-cache, no-store, must-revalidate");
        response.header("Pragma", "no-cache");
        if (request.method().equals("HEAD")) {
            response.header("Content-Type", "text/plain; charset=utf-8");
            response.header("Content-Length", "0");
            response.empty(200);
        } else {
            response.text(200, "OK");
        }
    }
}
