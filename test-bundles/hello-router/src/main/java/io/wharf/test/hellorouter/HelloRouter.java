package io.wharf.test.hellorouter;

import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import io.wharf.core.spi.router.Route;
import io.wharf.core.spi.router.Router;

/** A router that exists only to be dropped into deploy/ and taken out again by tests. */
@Component(service = Router.class)
public final class HelloRouter implements Router {

    @Override
    public List<Route> routes() {
        return List.of(Route.get("/hello/{name}", (req, resp) -> resp.json(200,
                Map.of("Hello", req.pathParam("name"), "ApiVersion", req.apiVersion().toString()))));
    }
}
