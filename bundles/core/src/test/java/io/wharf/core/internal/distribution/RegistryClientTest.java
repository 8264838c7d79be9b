package io.wharf.core.internal.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.wharf.core.spi.errors.NotFoundException;
import io.wharf.core.spi.reference.Digest;
import io.wharf.core.spi.reference.Reference;

/**
 * The registry client against a small registry and token service served by the JDK's HTTP server
 * on 127.0.0.1 (plain HTTP, as 127.0.0.0/8 is insecure by default).
 */
class RegistryClientTest {

    private HttpServer server;
    private final AtomicInteger tokenRequests = new AtomicInteger();

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private int serve(String scheme) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        int port = server.getAddress().getPort();
        String realm = "http://127.0.0.1:" + port + "/token";
        server.createContext("/token", ex -> {
            tokenRequests.incrementAndGet();
            if (ex.getRequestMethod().equals("POST")) {
                // OAuth: the identity token as a refresh_token grant, which it rotates.
                Map<String, String> form = new HashMap<>();
                for (String pair : new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).split("&")) {
                    String[] kv = pair.split("=", 2);
                    form.put(kv[0], URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
                }
                // A pull asks for its repository, a login for no scope.
                if (!form.equals(Map.of("grant_type", "refresh_token", "refresh_token", "refresh-1", "client_id", "docker",
                        "service", "test-registry", "scope", form.getOrDefault("scope", "").isEmpty() ? ""
                                : "repository:team/app:pull"))
                        || !"application/x-www-form-urlencoded".equals(ex.getRequestHeaders().getFirst("Content-Type"))) {
                    reply(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"invalid refresh token\"}]}");
                    return;
                }
                reply(ex, 200, "{\"access_token\":\"tok-123\",\"expires_in\":300,\"refresh_token\":\"refresh-2\"}");
                return;
            }
            String query = ex.getRequestURI().getQuery();
            if (query.equals("service=test-registry&offline_token=true&client_id=docker&account=alice")
                    && basic("alice", "secret").equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                // A login, which asks for an offline token: a refresh token comes with the token.
                reply(ex, 200, "{\"token\":\"tok-123\",\"refresh_token\":\"refresh-1\"}");
                return;
            }
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (!query.contains("scope=repository:team/app:pull") || !query.contains("service=test-registry")
                    || !basic("alice", "secret").equals(auth)) {
                reply(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad credentials for the token\"}]}");
                return;
            }
            reply(ex, 200, "{\"token\":\"tok-123\",\"expires_in\":300}");
        });
        server.createContext("/v2/", ex -> {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            boolean ok = scheme.equals("bearer") ? "Bearer tok-123".equals(auth) : basic("alice", "secret").equals(auth);
            if (!ok) {
                ex.getResponseHeaders().add("WWW-Authenticate", scheme.equals("bearer")
                        ? "Bearer realm=\"" + realm + "\",service=\"test-registry\",scope=\"repository:team/app:pull\""
                        : "Basic realm=\"test\"");
                reply(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
                return;
            }
            String path = ex.getRequestURI().getPath();
            if (path.equals("/v2/")) {
                reply(ex, 200, "{}");
            } else if (path.equals("/v2/team/app/manifests/1")) {
                ex.getResponseHeaders().add("Content-Type", Manifests.DOCKER_MANIFEST);
                reply(ex, 200, "{\"schemaVersion\":2}");
            } else {
                reply(ex, 404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}");
            }
        });
        server.start();
        return port;
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    private static RegistryCredentials alice() {
        return new RegistryCredentials("alice", "secret", "", "");
    }

    @Test
    void bearerTokenIsFetchedForTheRepositoryScopeAndCached() throws Exception {
        int port = serve("bearer");
        RegistryClient client = new RegistryClient(List::of, java.time.Duration.ofMillis(300));
        Reference ref = Reference.parseNormalized("127.0.0.1:" + port + "/team/app:1");
        RegistryClient.Repository repo = client.repository(ref, alice());
        RegistryClient.Manifest m = repo.manifest("1");
        assertEquals(Manifests.DOCKER_MANIFEST, m.mediaType());
        assertEquals(Digest.sha256Of("{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8)), m.digest());
        client.repository(ref, alice()).manifest("1");
        assertEquals(1, tokenRequests.get(), "the token is cached per scope");
        RegistryException missing = assertThrows(RegistryException.class, () -> repo.manifest("nope"));
        assertEquals("MANIFEST_UNKNOWN", missing.code());
        assertEquals("manifest unknown: manifest unknown", missing.getMessage());
    }

    @Test
    void identityTokenIsARefreshTokenAndALoginAnswersOne() throws Exception {
        int port = serve("bearer");
        RegistryClient client = new RegistryClient(List::of, java.time.Duration.ofMillis(300));
        assertEquals("refresh-1", client.login("127.0.0.1:" + port, alice()));

        // The CLI keeps the identity token instead of the password and sends it back with the user name.
        Reference ref = Reference.parseNormalized("127.0.0.1:" + port + "/team/app:1");
        RegistryCredentials identity = new RegistryCredentials("alice", "", "", "refresh-1");
        assertEquals(Manifests.DOCKER_MANIFEST, client.repository(ref, identity).manifest("1").mediaType());
        RegistryException refused = assertThrows(RegistryException.class,
                () -> client.repository(ref, new RegistryCredentials("alice", "", "", "stale")).manifest("1"));
        assertEquals("unauthorized: invalid refresh token", refused.getMessage());
        // A login with an identity token answers the one the token server rotated it to.
        assertEquals("refresh-2", client.login("127.0.0.1:" + port, identity));
    }

    @Test
    void bearerTokenServiceRefusalCarriesItsMessage() throws Exception {
        int port = serve("bearer");
        RegistryClient client = new RegistryClient(List::of, java.time.Duration.ofMillis(300));
        Reference ref = Reference.parseNormalized("127.0.0.1:" + port + "/team/app:1");
        RegistryException e = assertThrows(RegistryException.class,
                () -> client.repository(ref, new RegistryCredentials("alice", "wrong", "", "")).manifest("1"));
        assertEquals("unauthorized: bad credentials for the token", e.getMessage());
    }

    @Test
    void basicAuthWithAndWithoutCredentials() throws Exception {
        int port = serve("basic");
        RegistryClient client = new RegistryClient(List::of, java.time.Duration.ofMillis(300));
        Reference ref = Reference.parseNormalized("127.0.0.1:" + port + "/team/app:1");
        assertEquals(Manifests.DOCKER_MANIFEST, client.repository(ref, alice()).manifest("1").mediaType());
        RegistryException e = assertThrows(RegistryException.class,
                () -> client.repository(ref, RegistryCredentials.NONE).manifest("1"));
        assertEquals("no basic auth credentials", e.getMessage());
        e = assertThrows(RegistryException.class,
                () -> client.repository(ref, new RegistryCredentials("alice", "wrong", "", "")).manifest("1"));
        assertEquals("unauthorized: authentication required", e.getMessage());
    }

    @Test
    void connectionRefusedNamesTheAddress() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RegistryClient client = new RegistryClient(List::of, java.time.Duration.ofMillis(300));
        IOException e = assertThrows(IOException.class,
                () -> client.repository(Reference.parseNormalized("127.0.0.1:" + port + "/x:1"), RegistryCredentials.NONE));
        assertEquals("Get \"http://127.0.0.1:" + port + "/v2/\": dial tcp 127.0.0.1:" + port
                + ": connect: connection refused", e.getMessage());
    }

    @Test
    void insecureRegistries() {
        RegistryClient client = new RegistryClient(() -> List.of("registry.example:5000", "10.1.0.0/16"));
        assertTrue(client.insecure("127.0.0.1:5000"));
        assertTrue(client.insecure("localhost:5000"));
        assertTrue(client.insecure("registry.example:5000"));
        assertTrue(client.insecure("10.1.2.3:443"));
        assertFalse(client.insecure("10.2.0.1"));
    }

    @Test
    void challengeParsing() {
        RegistryClient.Challenge c = RegistryClient.Challenge.parse(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull\"");
        assertEquals("bearer", c.scheme());
        assertEquals("https://auth.docker.io/token", c.params().get("realm"));
        assertEquals("registry.docker.io", c.params().get("service"));
        assertEquals("repository:library/busybox:pull", c.params().get("scope"));
        assertEquals("basic", RegistryClient.Challenge.parse("Basic realm=\"Registry Realm\"").scheme());
    }

    @Test
    void platformChoiceFromAnIndex() throws Exception {
        String index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + "a".repeat(64)
                + "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + "b".repeat(64)
                + "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";
        var json = Manifests.parse(index.getBytes(StandardCharsets.UTF_8));
        assertTrue(Manifests.isIndex("", json));
        assertEquals("b".repeat(64), Manifests.select(json, Manifests.Platform.parse("linux/amd64")).digest().encoded());
        assertEquals("a".repeat(64), Manifests.select(json, Manifests.Platform.parse("linux/arm64")).digest().encoded());
        assertEquals("a".repeat(64), Manifests.select(json, Manifests.Platform.parse("aarch64")).digest().encoded());
        NotFoundException none = assertThrows(NotFoundException.class,
                () -> Manifests.select(json, Manifests.Platform.parse("linux/s390x")));
        assertEquals("no matching manifest for linux/s390x in the manifest list entries", none.getMessage());
    }

    @Test
    void registryAuthHeader() {
        String header = Base64.getUrlEncoder().encodeToString(
                "{\"username\":\"bob\",\"password\":\"p?w>\",\"serveraddress\":\"127.0.0.1:5000\"}".getBytes(StandardCharsets.UTF_8));
        RegistryCredentials c = RegistryCredentials.fromHeader(header);
        assertEquals("bob", c.username());
        assertEquals("p?w>", c.password());
        assertEquals("refresh-1", RegistryCredentials.fromHeader(Base64.getUrlEncoder().encodeToString(
                "{\"username\":\"bob\",\"identitytoken\":\"refresh-1\"}".getBytes(StandardCharsets.UTF_8))).identityToken());
        assertFalse(RegistryCredentials.fromHeader(Base64.getUrlEncoder().encodeToString("{}".getBytes())).hasBasic());
        assertEquals("", RegistryCredentials.fromHeader(null).username());
    }

    @Test
    void progressBar() {
        assertEquals("1.5MB", ProgressWriter.size(1_500_000));
        assertEquals("512B", ProgressWriter.size(512));
        assertTrue(ProgressWriter.bar(50, 100).startsWith("[========================>"));
    }
}
