package io.wharf.core.internal.router.network;

import static io.wharf.core.internal.json.JsonFields.strings;
import static io.wharf.core.internal.json.JsonFields.text;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.wharf.core.internal.container.ContainerService;
import io.wharf.core.internal.json.Json;
import io.wharf.core.internal.network.EndpointSettings;
import io.wharf.core.internal.network.NetworkController;
import io.wharf.core.internal.network.NetworkRecord;
import io.wharf.core.internal.time.Timestamps;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.http.ApiRequest;
import io.wharf.core.spi.http.ApiResponse;
import io.wharf.core.spi.http.Filters;
import io.wharf.core.spi.router.Route;
import io.wharf.core.spi.router.Router;

/** The network routes: list, inspect, create, remove, connect, disconnect, prune (moby's api/server/router/network). */
@Component(service = Router.class)
public final class NetworkRouter implements Router {

    private final NetworkController networks;
    private final ContainerService containers;
    private final List<Route> routes;

    @Activate
    public NetworkRouter(@Reference NetworkController networks, @Reference ContainerService containers) {
        this.networks = networks;
        this.containers = containers;
        this.routes = List.of(
                Route.get("/networks", this::list),
                Route.post("/networks/create", this::create),
                Route.post("/networks/prune", this::prune),
                Route.get("/networks/{id}", this::inspect),
                Route.delete("/networks/{id}", this::remove),
                Route.post("/networks/{id}/connect", this::connect),
                Route.post("/networks/{id}/disconnect", this::disconnect));
    }

    @Override
    public List<Route> routes() {
        return routes;
    }

    private void list(ApiRequest req, ApiResponse resp) throws Exception {
        List<Object> out = new ArrayList<>();
        for (NetworkRecord n : networks.list(Filters.parse(req.query("filters").orElse(null)))) {
            out.add(json(n, Map.of()));
        }
        resp.json(200, out);
    }

    private void inspect(ApiRequest req, ApiResponse resp) throws Exception {
        NetworkRecord n = networks.get(req.pathParam("id"));
        resp.json(200, json(n, networks.sandboxes().containers(n.id())));
    }

    /** The Network object of the API: the record, with the running containers before Options as dockerd orders it. */
    private static ObjectNode json(NetworkRecord n, Map<String, Map<String, String>> running) {
        ObjectNode record = Json.MAPPER.valueToTree(n);
        ObjectNode out = Json.MAPPER.createObjectNode();
        record.fields().forEachRemaining(f -> {
            if (f.getKey().equals("Options")) {
                out.set("Containers", Json.MAPPER.valueToTree(running));
            }
            out.set(f.getKey(), f.getValue());
        });
        return out;
    }

    private void create(ApiRequest req, ApiResponse resp) throws Exception {
        JsonNode body = req.bodyAs(JsonNode.class);
        if (body == null || !body.isObject()) {
            throw new InvalidParameterException("invalid JSON: the body must be a network configuration");
        }
        NetworkRecord.Ipam ipam = body.hasNonNull("IPAM") ? Json.fromRequest(body.get("IPAM"), NetworkRecord.Ipam.class)
                : null;
        NetworkRecord n = networks.create(new NetworkController.CreateRequest(text(body, "Name"), text(body, "Driver"),
                body.path("Internal").asBoolean(false), body.path("Attachable").asBoolean(false),
                body.path("EnableIPv6").asBoolean(false), ipam, strings(body, "Options"), strings(body, "Labels")));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("Id", n.id());
        out.put("Warning", "");
        resp.json(201, out);
    }

    private void remove(ApiRequest req, ApiResponse resp) throws Exception {
        networks.remove(req.pathParam("id"));
        resp.empty(204);
    }

    private void connect(ApiRequest req, ApiResponse resp) throws Exception {
        JsonNode body = requireBody(req);
        NetworkRecord n = networks.get(req.pathParam("id"));
        JsonNode endpoint = body.get("EndpointConfig");
        EndpointSettings settings = endpoint == null || endpoint.isNull() ? EndpointSettings.empty()
                : Json.fromRequest(endpoint, EndpointSettings.class);
        containers.connect(containers.get(text(body, "Container")), n.name(), settings);
        resp.empty(200);
    }

    private void disconnect(ApiRequest req, ApiResponse resp) throws Exception {
        JsonNode body = requireBody(req);
        NetworkRecord n = networks.get(req.pathParam("id"));
        containers.disconnect(containers.get(text(body, "Container")), n.name());
        resp.empty(200);
    }

    private void prune(ApiRequest req, ApiResponse resp) throws Exception {
        Filters filters = Filters.parse(req.query("filters").orElse(null));
        Instant until = null;
        for (String value : filters.get("until")) {
            until = Timestamps.parseRelative("until", value, Instant.now());
        }
        Instant cutoff = until;
        List<String> removed = networks.prune(filters,
                n -> cutoff == null || Instant.parse(n.created()).isBefore(cutoff));
        resp.json(200, Map.of("NetworksDeleted", removed));
    }

    private static JsonNode requireBody(ApiRequest req) throws Exception {
        JsonNode body = req.bodyAs(JsonNode.class);
        if (body == null || !body.isObject()) {
            throw new InvalidParameterException("invalid JSON: the body must name a Container");
        }
        return body;
    }

}
