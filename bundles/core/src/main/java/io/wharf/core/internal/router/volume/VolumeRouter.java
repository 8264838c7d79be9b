package io.wharf.core.internal.router.volume;

import static io.wharf.core.internal.json.JsonFields.strings;
import static io.wharf.core.internal.json.JsonFields.text;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.JsonNode;

import io.wharf.core.internal.volume.VolumeService;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.http.ApiRequest;
import io.wharf.core.spi.http.ApiResponse;
import io.wharf.core.spi.http.ApiVersion;
import io.wharf.core.spi.http.Filters;
import io.wharf.core.spi.router.Route;
import io.wharf.core.spi.router.Router;

/** The volume routes: create, list, inspect, remove, prune (moby's api/server/router/volume). */
@Component(service = Router.class)
public final class VolumeRouter implements Router {

    private final VolumeService volumes;
    private final List<Route> routes;

    @Activate
    public VolumeRouter(@Reference VolumeService volumes) {
        this.volumes = volumes;
        this.routes = List.of(
                Route.get("/volumes", this::list),
                Route.post("/volumes/create", this::create),
                Route.post("/volumes/prune", this::prune),
                Route.get("/volumes/{name}", this::inspect),
                Route.delete("/volumes/{name}", this::remove));
    }

    @Override
    public List<Route> routes() {
        return routes;
    }

    private void list(ApiRequest req, ApiResponse resp) throws Exception {
        List<String> warnings = new ArrayList<>();
        List<Map<String, Object>> out = new ArrayList<>();
        for (VolumeService.View v : volumes.list(Filters.parse(req.query("filters").orElse(null)), warnings)) {
            out.add(json(v));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Volumes", out);
        body.put("Warnings", warnings);
        resp.json(200, body);
    }

    private void create(ApiRequest req, ApiResponse resp) throws Exception {
        JsonNode body = req.bodyAs(JsonNode.class);
        if (body == null || !body.isObject()) {
            body = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        }
        VolumeService.View v = volumes.create(text(body, "Name"), text(body, "Driver"), strings(body, "DriverOpts"),
                strings(body, "Labels"));
        resp.json(201, json(v));
    }


    private void inspect(ApiRequest req, ApiResponse resp) throws Exception {
        resp.json(200, json(volumes.get(req.pathParam("name"))));
    }

    private void remove(ApiRequest req, ApiResponse resp) throws Exception {
        volumes.remove(req.pathParam("name"), req.boolQuery("force"));
        resp.empty(204);
    }

    private void prune(ApiRequest req, ApiResponse resp) throws Exception {
        Filters filters = Filters.parse(req.query("filters").orElse(null));
        // API 1.42 made prune take anonymous volumes only; older clients keep pruning all (dockerd's rule).
        boolean all = req.apiVersion().lessThan(ApiVersion.parse("1.42"));
        VolumeService.PruneReport report = volumes.prune(filters, all);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("VolumesDeleted", report.deleted());
        body.put("SpaceReclaimed", report.spaceReclaimed());
        resp.json(200, body);
    }

    /** The Volume object of the API; UsageData only for system df. */
    public static Map<String, Object> json(VolumeService.View v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("CreatedAt", v.createdAt() == null ? "0001-01-01T00:00:00Z"
                : DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(
                        v.createdAt().truncatedTo(ChronoUnit.SECONDS).atZone(ZoneId.systemDefault()).toOffsetDateTime()));
        m.put("Driver", v.driver());
        m.put("Labels", v.labels());
        m.put("Mountpoint", v.mountpoint());
        m.put("Name", v.name());
        m.put("Options", v.options());
        m.put("Scope", v.scope());
        if (!v.status().isEmpty()) {
            m.put("Status", v.status());
        }
        return m;
    }
}
