package io.wharf.core.internal.server;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import io.wharf.core.spi.errors.NotFoundException;
import io.wharf.core.spi.http.ApiRequest;
import io.wharf.core.spi.http.ApiResponse;
import io.wharf.core.spi.middleware.Middleware;
import io.wharf.core.spi.router.Route;
import io.wharf.core.spi.router.Router;

/**
 * The whiteboard of routers and middleware. Each change builds a new route table and chain and
 * swaps it in whole, so every request sees one consistent set.
 */
@Component(service = ApiDispatcher.class)
public final class ApiDispatcher {

    /** Registration order of services (by service ID) keeps route declaration order stable. */
    private final Map<Long, Router> routers = new ConcurrentSkipListMap<>();
    private final Map<Long, Registered> middleware = new ConcurrentSkipListMap<>();
    private volatile RouteTable table = RouteTable.EMPTY;
    private volatile List<Middleware> chain = List.of();
    private volatile boolean chainBlocks;

    private record Registered(int order, boolean blocks, Middleware middleware) {
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addRouter(Router router, Map<String, Object> props) {
        routers.put(serviceId(props), router);
        rebuildRoutes();
    }

    void removeRouter(Router router, Map<String, Object> props) {
        routers.remove(serviceId(props));
        rebuildRoutes();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addMiddleware(Middleware m, Map<String, Object> props) {
        Object order = props.get(Middleware.ORDER);
        middleware.put(serviceId(props), new Registered(order instanceof Integer i ? i : Integer.MAX_VALUE,
                Boolean.TRUE.equals(props.get(Middleware.BLOCKING)), m));
        rebuildChain();
    }

    void removeMiddleware(Middleware m, Map<String, Object> props) {
        middleware.remove(serviceId(props));
        rebuildChain();
    }

    private static long serviceId(Map<String, Object> props) {
        return (Long) props.get(Constants.SERVICE_ID);
    }

    private synchronized void rebuildRoutes() {
        List<Route> all = new ArrayList<>();
        routers.values().forEach(r -> all.addAll(r.routes()));
        table = new RouteTable(all);
    }

    private synchronized void rebuildChain() {
        chainBlocks = middleware.values().stream().anyMatch(Registered::blocks);
        chain = middleware.values().stream()
                .sorted(Comparator.comparingInt(Registered::order))
                .map(Registered::middleware)
                .toList();
    }

    /** Whether the whole chain and the route of {@code request} never block (see {@link Route#nonBlocking()}). */
    boolean neverBlocks(ServerRequest request) {
        if (chainBlocks) {
            return false;
        }
        RouteTable.Match match = table.match(request.method(), request.path());
        return match != null && match.route().neverBlocks();
    }

    /** Runs the middleware chain and then the route for {@code request}. */
    void dispatch(ServerRequest request, ApiResponse response) throws Exception {
        RouteTable routes = table;
        List<Middleware> steps = chain;
        new Step(steps, 0, routes).proceed(request, response);
    }

    private record Step(List<Middleware> steps, int index, RouteTable routes) implements Middleware.Chain {
        @Override
        public void proceed(ApiRequest request, ApiResponse response) throws Exception {
            if (index < steps.size()) {
                steps.get(index).handle(request, response, new Step(steps, index + 1, routes));
                return;
            }
            ServerRequest req = (ServerRequest) request;
            RouteTable.Match match = routes.match(req.method(), req.path());
            if (match == null) {
                throw new NotFoundException("page not found");
            }
            req.setPathParams(match.params());
            match.route().handler().handle(request, response);
        }
    }
}
