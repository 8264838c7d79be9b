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
import io.wharf.core.spi.router.Route;
import io.wharf.core.spi.router.Router;

/**
 * The routes that ask a registry without pulling: POST /auth (docker login's check of
 * credentials, moby's postAuth) and GET /distribution/{name}/json (what a reference names there).
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
                        RegistryCredentials.fromHeader(req.header("X-Registry-Auth").orElse(null))))));
    }

    @Override
    public List<Route> routes() {
        return routes;
    }

    private void login(ApiRequest req, ApiResponse resp) throws Exception {
        JsonNode body = req.bodyAs(JsonNode.class);
        if (body == null || !body.isObject()) {
            throw new InvalidParameterException("the login request needs a JSON body with username and password");
        }
        RegistryCredentials credentials = new RegistryCredentials(body.path("username").asText(""),
                body.path("password").asText(""), "");
        registries.login(body.path("serveraddress").asText(""), credentials);
        resp.json(200, Map.of("Status", "Login Succeeded", "IdentityToken", ""));
    }
}
