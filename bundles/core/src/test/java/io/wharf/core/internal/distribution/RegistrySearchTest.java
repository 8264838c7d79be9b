package io.wharf.core.internal.distribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.SystemException;
import io.wharf.core.spi.http.Filters;

/**
 * docker search against a small v1 index served by the JDK's HTTP server on 127.0.0.1 (plain HTTP,
 * as 127.0.0.0/8 is insecure by default): the request it gets, the result shape and the filters.
 */
class RegistrySearchTest {

    private HttpServer server;
    private String host;
    private final List<String> queries = new ArrayList<>();
    private final List<String> authorizations = new ArrayList<>();
    private RegistrySearch search;

    private static final String RESULTS = "{\"num_results\":4,\"query\":\"busy\",\"results\":["
            + "{\"name\":\"busybox\",\"description\":\"Busybox base image.\",\"star_count\":3000,\"is_official\":true,\"is_automated\":false},"
            + "{\"name\":\"team/busy\",\"description\":\"A team's busy image\",\"star_count\":12,\"is_official\":false,\"is_automated\":true},"
            + "{\"name\":\"someone/busy-tool\",\"description\":\"\",\"star_count\":3,\"is_official\":false,\"is_automated\":false},"
            + "{\"name\":\"nostars/busy\",\"is_official\":false}]}";

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        host = "127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/v1/_ping", ex -> reply(ex, 200, "true"));
        server.createContext("/v1/search", ex -> {
            queries.add(ex.getRequestURI().getRawQuery());
            authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            String q = URLDecoder.decode(ex.getRequestURI().getRawQuery(), StandardCharsets.UTF_8);
            if (q.startsWith("q=broken")) {
                reply(ex, 200, "{\"results\": [");
            } else if (q.startsWith("q=forbidden")) {
                reply(ex, 403, "{\"detail\":\"no\"}");
            } else {
                reply(ex, 200, RESULTS);
            }
        });
        server.start();
        search = new RegistrySearch(new RegistryClient(List::of, Duration.ofMillis(300)));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    private List<Map<String, Object>> search(String term, int limit, String filters) throws IOException {
        return search.search(term, limit, Filters.parse(filters), RegistryCredentials.NONE);
    }

    @Test
    void resultsInTheApiShape() throws Exception {
        List<Map<String, Object>> results = search(host + "/busy", 0, null);
        assertEquals(List.of("q=busy&n=25"), queries, "the remote name without the index, dockerd's default limit");
        assertEquals(4, results.size());
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("star_count", 3000);
        expected.put("is_official", true);
        expected.put("name", "busybox");
        expected.put("is_automated", false);
        expected.put("description", "Busybox base image.");
        assertEquals(expected, results.get(0));
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(results.get(0).keySet()), "the Engine API's field order");
        // is_automated is always false now, as dockerd answers it; missing fields are zero values.
        assertEquals(false, results.get(1).get("is_automated"));
        assertEquals(Map.of("star_count", 0, "is_official", false, "name", "nostars/busy", "is_automated", false,
                "description", ""), results.get(3));
    }

    @Test
    void filters() throws Exception {
        assertEquals(List.of("busybox"), names(search(host + "/busy", 10, "{\"is-official\":[\"true\"]}")));
        assertEquals(List.of("team/busy", "someone/busy-tool", "nostars/busy"),
                names(search(host + "/busy", 10, "{\"is-official\":{\"false\":true}}")));
        assertEquals(List.of("busybox", "team/busy"), names(search(host + "/busy", 10, "{\"stars\":[\"3\",\"10\"]}")));
        assertEquals(List.of("busybox", "team/busy", "someone/busy-tool"), names(search(host + "/busy", 10, "{\"stars\":[\"1\"]}")));
        assertEquals(List.of("busybox", "someone/busy-tool", "nostars/busy"),
                names(search(host + "/busy", 10, "{\"is-automated\":[\"false\"]}")));
        int asked = queries.size();
        assertEquals(List.of(), search(host + "/busy", 10, "{\"is-automated\":[\"true\"]}"));
        assertEquals(asked, queries.size(), "is-automated=true answers nothing without asking");
        assertEquals("q=busy&n=10", queries.get(0));

        assertEquals("invalid filter 'label'",
                assertThrows(InvalidParameterException.class, () -> search(host + "/busy", 0, "{\"label\":[\"a\"]}")).getMessage());
        assertEquals("invalid filter 'stars=many'",
                assertThrows(InvalidParameterException.class, () -> search(host + "/busy", 0, "{\"stars\":[\"many\"]}")).getMessage());
        assertEquals("invalid filter 'is-official=maybe'", assertThrows(InvalidParameterException.class,
                () -> search(host + "/busy", 0, "{\"is-official\":[\"maybe\"]}")).getMessage());
    }

    @Test
    void errors() {
        assertEquals("limit 101 is outside the range of [1, 100]",
                assertThrows(InvalidParameterException.class, () -> search(host + "/busy", 101, null)).getMessage());
        assertEquals("invalid repository name: repository name (http://" + host + "/busy) should not have a scheme",
                assertThrows(InvalidParameterException.class, () -> search("http://" + host + "/busy", 0, null)).getMessage());
        assertEquals("unexpected status code 403 from http://" + host + "/v1/search?q=forbidden&n=25",
                assertThrows(SystemException.class, () -> search(host + "/forbidden", 0, null)).getMessage());
        assertTrue(assertThrows(SystemException.class, () -> search(host + "/broken", 0, null)).getMessage()
                .startsWith("error decoding registry search results: "));
    }

    @Test
    void aRegistryWithoutTheSearchApi() throws Exception {
        HttpServer v2only = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        v2only.createContext("/", ex -> reply(ex, 404, "404 page not found\n"));
        v2only.start();
        try {
            String registry = "127.0.0.1:" + v2only.getAddress().getPort();
            SystemException e = assertThrows(SystemException.class, () -> search(registry + "/busybox", 0, null));
            assertEquals("unexpected status code 404 from http://" + registry + "/v1/search: this registry does not offer "
                    + "the search API", e.getMessage());
        } finally {
            v2only.stop(0);
        }
    }

    @Test
    void unreachableIndex() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        InvalidParameterException e = assertThrows(InvalidParameterException.class,
                () -> search("127.0.0.1:" + port + "/busybox", 0, null));
        assertEquals("invalid registry endpoint \"http://127.0.0.1:" + port + "/v1/\". HTTPS attempt: Get \"https://127.0.0.1:"
                + port + "/v1/_ping\": dial tcp 127.0.0.1:" + port + ": connect: connection refused. HTTP attempt: Get "
                + "\"http://127.0.0.1:" + port + "/v1/_ping\": dial tcp 127.0.0.1:" + port + ": connect: connection refused",
                e.getMessage());
    }

    @Test
    void basicCredentialsGoToAPrivateIndex() throws Exception {
        search.search(host + "/busy", 0, Filters.parse(null), new RegistryCredentials("alice", "s3cret", "", ""));
        assertEquals("Basic " + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8)),
                authorizations.get(0));
    }

    @Test
    void termSplitting() {
        assertArrayEquals(new String[] {"docker.io", "busybox"}, RegistrySearch.split("busybox"));
        assertArrayEquals(new String[] {"docker.io", "team/app"}, RegistrySearch.split("team/app"));
        assertArrayEquals(new String[] {"docker.io", "team/app"}, RegistrySearch.split("index.docker.io/team/app"));
        assertArrayEquals(new String[] {"localhost", "app"}, RegistrySearch.split("localhost/app"));
        assertArrayEquals(new String[] {"registry.example:5000", "team/app"},
                RegistrySearch.split("registry.example:5000/team/app"));
    }

    private static List<String> names(List<Map<String, Object>> results) {
        return results.stream().map(r -> (String) r.get("name")).toList();
    }
}
