package io.wharf.core.internal.router.distribution;

import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.JsonNode;

import io.wharf.core.internal.distribution.PullService;
import io.wharf.core.internal.distribution.RegistryCredentials;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.http.ApiRequest;
import io.wharf.core.spi.http.ApiResponse;
import io.wharf.core.spi.http.Filters;
import io.wharf.core.spi.router.Route;
import io.wharf.core.spi.router.Router;

/**
 * The routes that ask a registry without pulling: POST /auth (docker login's check of
 * credentials, moby's postAuth), GET /distribution/{name}/json (what a reference names there) and
 * GET /images/search (docker search, moby's getImagesSearch).
 */
@Component(service = Router.class)
public final class DistributionRouter implements Router {

    private final PullService registries;
    private final List<Route> routes;

    @Activate
    public DistributionRouter(@Reference PullService registries) {
        this.registries = registries;
        this.routes = List.of(Route.post("/auth", this::login),
                Route.get("/distribution/{name:.*}/json", (req, resp) -> resp.json(200, registries.inspect(
                        io.wharf.core.spi.reference.Reference.parseNormalized(req.pathParam("name")),
                        RegistryCredentials.fromHeader(req.header("X-Registry-Auth").orElse(null))))),
                Route.get("/images/search", this::search));
    }

    @Override
    public List<Route> routes() {
        return routes;
    }

    private void search(ApiRequest req, ApiResponse resp) throws Exception {
        int limit = 0;
        String limitParam = req.query("limit").orElse("");
        if (!limitParam.isEmpty()) {
            try {
                limit = Integer.parseInt(limitParam);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 0) {
                throw new InvalidParameterException("invalid limit specified: " + limitParam);
            }
        }
        RegistryCredentials credentials;
        try {
            credentials = RegistryCredentials.fromHeader(req.header("X-Registry-Auth").orElse(null));
        } catch (InvalidParameterException e) {
            // As dockerd: a search does not need credentials, so a header it cannot read is ignored.
            credentials = RegistryCredentials.NONE;
        }
        resp.json(200, registries.search(req.query("term").orElse(""), limit,
                Filters.parse(req.query("filters").orElse(null)), credentials));
    }

    private void login(ApiRequest req, ApiResponse resp) throws Exception {
        JsonNode body = req.bodyAs(JsonNode.class);
        if (body == null || !body.isObject()) {
            throw new InvalidParameterException("the login request needs a JSON body with username and password");
        }
        RegistryCredentials credentials = new RegistryCredentials(body.path("username").asText(""),
                body.path("password").asText(""), "", body.path("identitytoken").asText(""));
        String identityToken = registries.login(body.path("serveraddress").asText(""), credentials);
        resp.json(200, Map.of("Status", "Login Succeeded", "IdentityToken", identityToken));
    }
}
