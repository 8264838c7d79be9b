package io.wharf.core.internal.router.container;

import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.wharf.core.internal.container.Container;
import io.wharf.core.internal.container.ContainerConfig;
import io.wharf.core.internal.container.ContainerService;
import io.wharf.core.internal.container.ContainerViews;
import io.wharf.core.internal.container.ContainerState;
import io.wharf.core.internal.container.Exec;
import io.wharf.core.internal.container.HostConfig;
import io.wharf.core.internal.container.logs.LogsOptions;
import io.wharf.core.internal.container.spec.Signals;
import io.wharf.core.internal.json.Json;
import io.wharf.core.internal.time.Timestamps;
import io.wharf.core.internal.network.EndpointSettings;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.http.ApiRequest;
import io.wharf.core.spi.http.ApiResponse;
import io.wharf.core.spi.http.Filters;
import io.wharf.core.spi.http.HijackedSession;
import io.wharf.core.spi.router.Route;
import io.wharf.core.spi.router.Router;

/** The container routes (moby's api/server/router/container) and the exec routes. */
@Component(service = Router.class)
public final class ContainerRouter implements Router {

    private static final String RAW_STREAM = "application/vnd.docker.raw-stream";
    private static final String PATH_STAT = "X-Docker-Container-Path-Stat";
    private static final Set<String> LIST_FILTERS = Set.of("ancestor", "before", "expose", "exited", "health", "id",
            "isolation", "is-task", "label", "name", "network", "publish", "since", "status", "volume");

    private final ContainerService containers;
    private final ContainerInspections inspections;
    private final List<Route> routes;

    @Activate
    public ContainerRouter(@Reference ContainerService containers) {
        this.containers = containers;
        this.inspections = new ContainerInspections(containers);
        this.routes = List.of(
                Route.post("/containers/create", this::create),
                Route.get("/containers/json", this::list),
                Route.post("/containers/prune", this::prune),
                Route.get("/containers/{name}/json", this::inspect),
                Route.get("/containers/{name}/top", (req, resp) -> resp.json(200,
                        inspections.top(container(req), req.query("ps_args").orElse("")))),
                Route.get("/containers/{name}/logs", (req, resp) -> inspections.logs(container(req), req, resp)),
                Route.get("/containers/{name}/changes", (req, resp) -> resp.json(200, inspections.changes(container(req)))),
                Route.get("/containers/{name}/stats", (req, resp) -> inspections.stats(container(req), req, resp)),
                Route.get("/containers/{name}/export", (req, resp) -> inspections.export(container(req), resp)),
                Route.post("/containers/{name}/start", this::start),
                Route.post("/containers/{name}/stop", this::stop),
                Route.post("/containers/{name}/restart", this::restart),
                Route.post("/containers/{name}/kill", this::kill),
                Route.post("/containers/{name}/pause", (req, resp) -> {
                    containers.pause(container(req));
                    resp.empty(204);
                }),
                Route.post("/containers/{name}/unpause", (req, resp) -> {
                    containers.unpause(container(req));
                    resp.empty(204);
                }),
                Route.post("/containers/{name}/wait", this::await),
                Route.post("/containers/{name}/rename", (req, resp) -> {
                    containers.rename(container(req), req.query("name").orElse(""));
                    resp.empty(204);
                }),
                Route.post("/containers/{name}/resize", (req, resp) -> {
                    containers.resize(container(req), intQuery(req, "h"), intQuery(req, "w"));
                    resp.empty(200);
                }),
                Route.post("/containers/{name}/attach", this::attach),
                Route.post("/containers/{name}/update", (req, resp) -> resp.json(200,
                        Map.of("Warnings", containers.update(container(req), objectBody(req))))),
                Route.head("/containers/{name}/archive", (req, resp) -> {
                    resp.header(PATH_STAT, containers.statPath(container(req), pathQuery(req)));
                    resp.empty(200);
                }),
                Route.get("/containers/{name}/archive", this::getArchive),
                Route.put("/containers/{name}/archive", (req, resp) -> {
                    containers.extract(container(req), pathQuery(req), req.body());
                    resp.empty(200);
                }),
                Route.post("/commit", this::commit),
                Route.post("/containers/{name}/exec", this::createExec),
                Route.delete("/containers/{name}", this::delete),
                Route.post("/exec/{id}/start", this::startExec),
                Route.post("/exec/{id}/resize", (req, resp) -> {
                    containers.execs().resize(req.pathParam("id"), intQuery(req, "h"), intQuery(req, "w"));
                    resp.empty(200);
                }),
                Route.get("/exec/{id}/json", (req, resp) -> resp.json(200, containers.execs().inspect(req.pathParam("id")))));
    }

    @Override
    public List<Route> routes() {
        return routes;
    }

    private Container container(ApiRequest req) {
        return containers.get(req.pathParam("name"));
    }

    /** A body that must be a JSON object (an update's settings). */
    private static JsonNode objectBody(ApiRequest req) {
        JsonNode body = req.bodyAs(JsonNode.class);
        if (body == null || !body.isObject()) {
            throw new InvalidParameterException("invalid JSON: the body must be an object");
        }
        return body;
    }

    private static int intQuery(ApiRequest req, String name) {
        String v = req.query(name).orElse("");
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new InvalidParameterException("strconv.Atoi: parsing \"" + v + "\": invalid syntax");
        }
    }

    private static Integer optionalInt(ApiRequest req, String name) {
        return req.query(name).filter(v -> !v.isEmpty()).map(v -> {
            try {
                return Integer.valueOf(v);
            } catch (NumberFormatException e) {
                throw new InvalidParameterException("invalid value for " + name + ": " + v);
            }
        }).orElse(null);
    }

    private void create(ApiRequest req, ApiResponse resp) throws Exception {
        JsonNode body = req.bodyAs(JsonNode.class);
        if (body == null || !body.isObject()) {
            throw new InvalidParameterException("config cannot be empty in order to create a container");
        }
        ObjectNode config = ((ObjectNode) body).deepCopy();
        JsonNode host = config.remove("HostConfig");
        JsonNode networking = config.remove("NetworkingConfig");
        ContainerConfig cfg = Json.fromRequest(config, ContainerConfig.class);
        HostConfig hostConfig = host == null || host.isNull() ? null : Json.fromRequest(host, HostConfig.class);
        Map<String, EndpointSettings> endpoints = new LinkedHashMap<>();
        JsonNode endpointsConfig = networking == null ? null : networking.get("EndpointsConfig");
        if (endpointsConfig != null && endpointsConfig.isObject()) {
            endpointsConfig.fields().forEachRemaining(e -> endpoints.put(e.getKey(), e.getValue().isNull()
                    ? EndpointSettings.empty() : Json.fromRequest(e.getValue(), EndpointSettings.class)));
        }
        List<String> warnings = new ArrayList<>();
        Container c = containers.create(req.query("name").orElse(""), cfg, hostConfig, endpoints, warnings);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("Id", c.id());
        out.put("Warnings", warnings);
        resp.json(201, out);
    }

    private void inspect(ApiRequest req, ApiResponse resp) throws Exception {
        resp.json(200, inspections.inspect(container(req), req.boolQuery("size")));
    }

    private void list(ApiRequest req, ApiResponse resp) throws Exception {
        Filters filters = Filters.parse(req.query("filters").orElse(null));
        filters.validate(LIST_FILTERS);
        boolean all = req.boolQuery("all");
        Integer limitGiven = optionalInt(req, "limit");
        int limit = limitGiven == null ? -1 : limitGiven;
        boolean size = req.boolQuery("size");
        ContainerFilter filter = new ContainerFilter(filters, containers);
        List<Container> list = new ArrayList<>(containers.all());
        list.sort(Comparator.comparing(Container::created).reversed());
        List<Map<String, Object>> out = new ArrayList<>();
        for (Container c : list) {
            ContainerState s = c.state();
            boolean listed = all || limit > 0 || s.running() || filter.selectsStopped();
            if (!listed || !filter.test(c)) {
                continue;
            }
            if (limit > 0 && out.size() >= limit) {
                break;
            }
            long[] sizes = size ? containers.sizes(c) : null;
            out.add(ContainerViews.summary(c, sizes == null ? null : sizes[0], sizes == null ? null : sizes[1]));
        }
        resp.json(200, out);
    }

    private void start(ApiRequest req, ApiResponse resp) throws Exception {
        containers.start(container(req));
        resp.empty(204);
    }

    private void stop(ApiRequest req, ApiResponse resp) throws Exception {
        containers.stop(container(req), optionalInt(req, "t"), req.query("signal").orElse(null));
        resp.empty(204);
    }

    private void restart(ApiRequest req, ApiResponse resp) throws Exception {
        containers.restart(container(req), optionalInt(req, "t"), req.query("signal").orElse(null));
        resp.empty(204);
    }

    private void kill(ApiRequest req, ApiResponse resp) throws InterruptedException {
        // The signal is read before the container is looked up, as dockerd answers a bad one first.
        String signal = req.query("signal").orElse("");
        int number = Signals.parse(signal.isEmpty() ? "KILL" : signal);
        containers.kill(container(req), number);
        resp.empty(204);
    }

    /** Headers go out at once (clients such as docker run wait for them before starting), the body on exit. */
    private void await(ApiRequest req, ApiResponse resp) throws Exception {
        Container c = container(req);
        String condition = req.query("condition").orElse("");
        if (!Set.of("", "not-running", "next-exit", "removed").contains(condition)) {
            throw new InvalidParameterException("invalid condition: \"" + condition + "\"");
        }
        resp.status(200);
        resp.header("Content-Type", "application/json");
        OutputStream out = resp.stream();
        out.flush();
        int code = containers.await(c, condition);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("StatusCode", code);
        String error = c.state().error();
        body.put("Error", error == null || error.isEmpty() ? null : Map.of("Message", error));
        out.write(Json.bytes(body));
        out.write('\n');
    }

    private void delete(ApiRequest req, ApiResponse resp) throws Exception {
        if (req.boolQuery("link")) {
            throw new InvalidParameterException("Conflict, cannot remove the default link name of the container");
        }
        containers.remove(container(req), req.boolQuery("force"), req.boolQuery("v"));
        resp.empty(204);
    }

    private void prune(ApiRequest req, ApiResponse resp) throws Exception {
        Filters filters = Filters.parse(req.query("filters").orElse(null));
        filters.validate(Set.of("until", "label", "label!"));
        Instant until = filters.has("until")
                ? Timestamps.parseRelative("until", filters.get("until").iterator().next(), Instant.now()) : null;
        List<String> deleted = new ArrayList<>();
        long reclaimed = 0;
        for (Container c : containers.all()) {
            ContainerState s = c.state();
            if (s.running() || (until != null && !c.created().isBefore(until))
                    || !filters.matchesLabels("label", c.config().labels())
                    || (filters.has("label!") && !filters.get("label!").isEmpty()
                            && filters.matchesLabels("label!", c.config().labels()))) {
                continue;
            }
            long size = containers.sizes(c)[0];
            try {
                containers.remove(c, false, false);
                deleted.add(c.id());
                reclaimed += size;
            } catch (RuntimeException e) {
                // running again or being removed meanwhile: not pruned
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ContainersDeleted", deleted.isEmpty() ? null : deleted);
        out.put("SpaceReclaimed", reclaimed);
        resp.json(200, out);
    }

    private void attach(ApiRequest req, ApiResponse resp) {
        Container c = container(req);
        if (!req.boolQuery("stream") && !req.boolQuery("logs")) {
            throw new InvalidParameterException("Bad parameters: you must choose at least one stream");
        }
        HijackedSession session = containers.attach(c, req.boolQuery("stdin"), req.boolQuery("stdout"),
                req.boolQuery("stderr"), req.query("detachKeys").orElse(""), req.boolQuery("logs"), req.boolQuery("stream"));
        resp.hijack(RAW_STREAM, session);
    }

    private static String pathQuery(ApiRequest req) {
        String path = req.query("path").orElse("");
        if (path.isEmpty()) {
            throw new InvalidParameterException("path must not be empty");
        }
        return path;
    }

    private void getArchive(ApiRequest req, ApiResponse resp) throws Exception {
        containers.archive(container(req), pathQuery(req), stat -> {
            resp.header(PATH_STAT, stat);
            resp.header("Content-Type", "application/x-tar");
            resp.status(200);
        }, resp::stream);
    }

    private void commit(ApiRequest req, ApiResponse resp) throws Exception {
        Container c = containers.get(req.query("container").orElse(""));
        String repo = req.query("repo").orElse("");
        io.wharf.core.spi.reference.Reference ref = null;
        if (!repo.isEmpty()) {
            ref = io.wharf.core.spi.reference.Reference.parseNormalized(repo);
            String tag = req.query("tag").orElse("");
            ref = tag.isEmpty() ? ref.withDefaultTag() : ref.withTag(tag);
        }
        JsonNode overrides = req.bodyAs(JsonNode.class);
        boolean pause = req.query("pause").map(v -> !v.equals("0") && !v.equalsIgnoreCase("false")).orElse(true);
        var image = containers.commit(c, ref, req.query("author").orElse(""), req.query("comment").orElse(""),
                req.queryValues("changes"), pause, overrides);
        resp.json(201, Map.of("Id", image.id().toString()));
    }

    private void createExec(ApiRequest req, ApiResponse resp) {
        Container c = container(req);
        Exec.Request request = req.bodyAs(Exec.Request.class);
        if (request == null) {
            throw new InvalidParameterException("config cannot be empty in order to create an exec");
        }
        Exec e = containers.execs().create(c, request);
        resp.json(201, Map.of("Id", e.id()));
    }

    private void startExec(ApiRequest req, ApiResponse resp) throws Exception {
        JsonNode body = req.bodyAs(JsonNode.class);
        boolean detach = body != null && body.path("Detach").asBoolean(false);
        HijackedSession session = containers.execs().start(req.pathParam("id"), detach);
        if (session == null) {
            resp.empty(200);
        } else {
            resp.hijack(RAW_STREAM, session);
        }
    }
}
