package io.wharf.core.internal.router.swarm;

import java.util.ArrayList;
import java.util.List;

import org.osgi.service.component.annotations.Component;

import io.wharf.core.spi.errors.UnavailableException;
import io.wharf.core.spi.router.Route;
import io.wharf.core.spi.router.RouteHandler;
import io.wharf.core.spi.router.Router;

/**
 * Swarm's routes answer as dockerd's do on a node outside a swarm: 503 with its messages. This
 * daemon cannot create or join a swarm.
 */
@Component(service = Router.class)
public final class SwarmRouter implements Router {

    static final String NOT_A_MANAGER = "This node is not a swarm manager. Use \"docker swarm init\" or "
            + "\"docker swarm join\" to connect this node to swarm and try again.";
    static final String NOT_IN_SWARM = "This node is not part of a swarm";

    private final List<Route> routes;

    public SwarmRouter() {
        RouteHandler noManager = (req, resp) -> {
            throw new UnavailableException(NOT_A_MANAGER);
        };
        RouteHandler noSwarm = (req, resp) -> {
            throw new UnavailableException(NOT_IN_SWARM);
        };
        RouteHandler unsupported = (req, resp) -> {
            throw new UnavailableException("Swarm mode is not supported by this daemon (Wharf)");
        };
        List<Route> r = new ArrayList<>();
        r.add(Route.get("/swarm", noManager));
        r.add(Route.post("/swarm/init", unsupported));
        r.add(Route.post("/swarm/join", unsupported));
        r.add(Route.post("/swarm/leave", noSwarm));
        r.add(Route.post("/swarm/update", noManager));
        r.add(Route.get("/swarm/unlockkey", noManager));
        r.add(Route.post("/swarm/unlock", noSwarm));
        for (String kind : List.of("nodes", "services", "tasks", "secrets", "configs")) {
            r.add(Route.get("/" + kind, noManager));
            r.add(Route.get("/" + kind + "/{id}", noManager));
            r.add(Route.delete("/" + kind + "/{id}", noManager));
            r.add(Route.post("/" + kind + "/{id}/update", noManager));
        }
        r.add(Route.post("/services/create", noManager));
        r.add(Route.post("/secrets/create", noManager));
        r.add(Route.post("/configs/create", noManager));
        r.add(Route.get("/services/{id}/logs", noManager));
        r.add(Route.get("/tasks/{id}/logs", noManager));
        this.routes = List.copyOf(r);
    }

    @Override
    public List<Route> routes() {
        return routes;
    }
}
