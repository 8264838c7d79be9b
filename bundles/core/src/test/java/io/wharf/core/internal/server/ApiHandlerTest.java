package io.wharf.core.internal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.SystemException;
import io.wharf.core.spi.middleware.Middleware;
import io.wharf.core.spi.router.Route;
import io.wharf.core.spi.router.Router;

/** The dispatcher and handler in memory, through Jetty's LocalConnector: routing, errors, whiteboard. */
class ApiHandlerTest {

    private final ApiDispatcher dispatcher = new ApiDispatcher();
    private Server server;
    private LocalConnector connector;

    private final Router things = () -> List.of(
            Route.get("/things/json", (req, resp) -> resp.json(200, List.of("literal"))),
            Route.get("/things/{name}/json", (req, resp) -> resp.json(200, Map.of("Name", req.pathParam("name"),
                    "All", req.boolQuery("all"), "Version", req.apiVersion().toString()))),
            Route.get("/distribution/{name:.*}/json", (req, resp) -> resp.json(200, Map.of("Name", req.pathParam("name")))),
            Route.post("/things/{name}/conflict", (req, resp) -> {
                throw new ConflictException("thing " + req.pathParam("name") + " is busy");
            }),
            Route.post("/boom", (req, resp) -> {
                throw new IllegalStateException("unexpected", new SystemException("inner"));
            }),
            Route.post("/echo", (req, resp) -> resp.json(201, req.bodyAs(Map.class))),
            Route.get("/quick", (req, resp) -> resp.text(200, "quick")).nonBlocking());

    @BeforeEach
    void start() throws Exception {
        server = new Server();
        connector = new LocalConnector(server);
        server.addConnector(connector);
        server.setHandler(new JettyApiHandler(dispatcher));
        server.setErrorHandler(new JsonErrorHandler());
        server.start();
        dispatcher.addRouter(things, Map.of(org.osgi.framework.Constants.SERVICE_ID, 1L));
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    private HttpTester.Response request(String method, String uri, String body) throws Exception {
        String raw = method + " " + uri + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n"
                + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n")
                + "\r\n" + (body == null ? "" : body);
        return HttpTester.parseResponse(connector.getResponse(raw));
    }

    @Test
    void literalAndTemplatedRoutesWithAndWithoutVersion() throws Exception {
        assertEquals("[\"literal\"]", request("GET", "/things/json", null).getContent().trim());
        HttpTester.Response r = request("GET", "/v1.30/things/abc/json?all=1", null);
        assertEquals(200, r.getStatus());
        assertTrue(r.getContent().contains("\"Name\":\"abc\""), r.getContent());
        assertTrue(r.getContent().contains("\"All\":true"), r.getContent());
        assertTrue(r.getContent().contains("\"Version\":\"1.30\""), r.getContent());
        assertTrue(request("GET", "/distribution/library/busybox/json", null).getContent()
                .contains("\"Name\":\"library/busybox\""));
    }

    @Test
    void nonBlockingRoutesAreKnownAsSuch() throws Exception {
        assertEquals("quick", request("GET", "/v1.41/quick", null).getContent());
        assertTrue(things.routes().stream().filter(r -> r.path().equals("/quick")).allMatch(Route::neverBlocks));
        assertTrue(things.routes().stream().filter(r -> !r.path().equals("/quick")).noneMatch(Route::neverBlocks));
    }

    @Test
    void unknownPathAndWrongMethodArePageNotFound() throws Exception {
        HttpTester.Response r = request("GET", "/nothing/here", null);
        assertEquals(404, r.getStatus());
        assertEquals("{\"message\":\"page not found\"}", r.getContent().trim());
        assertEquals(404, request("DELETE", "/things/json", null).getStatus());
    }

    @Test
    void typedErrorsPickTheStatus() throws Exception {
        HttpTester.Response r = request("POST", "/things/x/conflict", "");
        assertEquals(409, r.getStatus());
        assertEquals("{\"message\":\"thing x is busy\"}", r.getContent().trim());
        assertEquals("application/json", r.get("Content-Type"));
        assertEquals(500, request("POST", "/boom", "").getStatus());
    }

    @Test
    void malformedJsonBodyIsBadRequest() throws Exception {
        assertEquals(201, request("POST", "/echo", "{\"a\":1}").getStatus());
        HttpTester.Response r = request("POST", "/echo", "{\"a\":");
        assertEquals(400, r.getStatus());
        assertTrue(r.getContent().startsWith("{\"message\":\"invalid JSON"), r.getContent());
    }

    @Test
    void routesFollowTheirRouter() throws Exception {
        dispatcher.removeRouter(things, Map.of(org.osgi.framework.Constants.SERVICE_ID, 1L));
        assertEquals(404, request("GET", "/things/json", null).getStatus());
    }

    @Test
    void middlewareRunsInOrder() throws Exception {
        StringBuilder trace = new StringBuilder();
        Middleware second = (req, resp, next) -> {
            trace.append("second;");
            next.proceed(req, resp);
        };
        Middleware first = (req, resp, next) -> {
            trace.append("first;");
            resp.header("X-First", "yes");
            next.proceed(req, resp);
        };
        dispatcher.addMiddleware(second, Map.of(org.osgi.framework.Constants.SERVICE_ID, 10L, Middleware.ORDER, 200));
        dispatcher.addMiddleware(first, Map.of(org.osgi.framework.Constants.SERVICE_ID, 11L, Middleware.ORDER, 100));
        HttpTester.Response r = request("GET", "/things/json", null);
        assertEquals("first;second;", trace.toString());
        assertEquals("yes", r.get("X-First"));
    }

    @Test
    void malformedHttpGetsJsonError() throws Exception {
        HttpTester.Response r = HttpTester.parseResponse(connector.getResponse("GARBAGE\r\n\r\n"));
        assertEquals(400, r.getStatus());
        assertTrue(r.getContent().startsWith("{\"message\":"), r.getContent());
    }
}
