package io.wharf.core.internal.distribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.wharf.core.spi.reference.Digest;
import io.wharf.core.spi.reference.Reference;

/**
 * The registry client's uploads against a small registry served by the JDK's HTTP server on
 * 127.0.0.1, with bearer tokens whose scopes it records: HEAD of blobs, an upload streamed in one
 * PATCH and completed by PUT with its digest, cross-repository mounts, manifests.
 */
class RegistryUploadTest {

    private HttpServer server;
    private final List<String> scopes = new CopyOnWriteArrayList<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    /** "repo digest" -> blob */
    private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    private final Map<String, ByteArrayOutputStream> uploads = new ConcurrentHashMap<>();
    /** upload id -> the _state its last Location carried, which the next request must send back */
    private final Map<String, String> states = new ConcurrentHashMap<>();
    private final Map<String, byte[]> manifests = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private int serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        int port = server.getAddress().getPort();
        String realm = "http://127.0.0.1:" + port + "/token";
        server.createContext("/token", ex -> {
            String query = ex.getRequestURI().getRawQuery();
            StringBuilder granted = new StringBuilder();
            for (String param : query.split("&")) {
                if (param.startsWith("scope=")) {
                    granted.append(granted.isEmpty() ? "" : " ").append(URLDecoder.decode(param.substring(6), StandardCharsets.UTF_8));
                }
            }
            scopes.add(granted.toString());
            reply(ex, 200, "{\"token\":\"tok " + granted.toString().replace(' ', '+') + "\",\"expires_in\":300}");
        });
        server.createContext("/v2/", ex -> {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            String path = ex.getRequestURI().getPath();
            String query = ex.getRequestURI().getRawQuery();
            requests.add(ex.getRequestMethod() + " " + path + (query == null ? "" : "?" + query));
            if (auth == null || !auth.startsWith("Bearer tok ")) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"" + realm + "\",service=\"test\"");
                reply(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
                return;
            }
            String token = auth.substring("Bearer tok ".length());
            if (path.equals("/v2/")) {
                reply(ex, 200, "{}");
                return;
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("/v2/(.+)/(blobs|manifests)/(uploads/)?(.*)").matcher(path);
            if (!m.matches()) {
                reply(ex, 404, "");
                return;
            }
            String repo = m.group(1);
            boolean push = token.contains("repository:" + repo + ":push,pull");
            switch (ex.getRequestMethod() + " " + m.group(2) + (m.group(3) == null ? "" : " upload")) {
                case "HEAD blobs" -> {
                    byte[] blob = blobs.get(repo + " " + m.group(4));
                    if (blob == null) {
                        ex.sendResponseHeaders(404, -1);
                    } else {
                        ex.getResponseHeaders().add("Content-Length", Integer.toString(blob.length));
                        ex.sendResponseHeaders(200, -1);
                    }
                    ex.close();
                }
                case "POST blobs upload" -> {
                    if (!push) {
                        reply(ex, 401, "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"no push scope\"}]}");
                        return;
                    }
                    Map<String, String> q = query(query);
                    if (q.containsKey("mount")) {
                        byte[] blob = blobs.get(q.get("from") + " " + q.get("mount"));
                        if (blob != null && token.contains("repository:" + q.get("from") + ":pull")) {
                            blobs.put(repo + " " + q.get("mount"), blob);
                            ex.getResponseHeaders().add("Location", "/v2/" + repo + "/blobs/" + q.get("mount"));
                            reply(ex, 201, "");
                            return;
                        }
                    }
                    String id = "u" + ids.incrementAndGet();
                    uploads.put(id, new ByteArrayOutputStream());
                    states.put(id, "_state=s%3D%3D");
                    ex.getResponseHeaders().add("Location", "/v2/" + repo + "/blobs/uploads/" + id + "?_state=s%3D%3D");
                    reply(ex, 202, "");
                }
                case "PATCH blobs upload" -> {
                    uploads.get(m.group(4)).write(ex.getRequestBody().readAllBytes());
                    states.put(m.group(4), "_state=t%3D%3D");
                    ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + port + "/v2/" + repo + "/blobs/uploads/"
                            + m.group(4) + "?_state=t%3D%3D");
                    reply(ex, 202, "");
                }
                case "PUT blobs upload" -> {
                    ByteArrayOutputStream upload = uploads.remove(m.group(4));
                    upload.write(ex.getRequestBody().readAllBytes());
                    String digest = query(query).get("digest");
                    if (!Digest.sha256Of(upload.toByteArray()).toString().equals(digest) || !query.contains(states.get(m.group(4)))) {
                        reply(ex, 400, "{\"errors\":[{\"code\":\"DIGEST_INVALID\",\"message\":\"digest mismatch\"}]}");
                        return;
                    }
                    blobs.put(repo + " " + digest, upload.toByteArray());
                    reply(ex, 201, "");
                }
                case "DELETE blobs upload" -> {
                    uploads.remove(m.group(4));
                    reply(ex, 204, "");
                }
                case "PUT manifests" -> {
                    manifests.put(repo + ":" + m.group(4) + " " + ex.getRequestHeaders().getFirst("Content-Type"),
                            ex.getRequestBody().readAllBytes());
                    reply(ex, 201, "");
                }
                default -> reply(ex, 405, "");
            }
        });
        server.start();
        return port;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new java.util.HashMap<>();
        if (raw != null) {
            for (String p : raw.split("&")) {
                int eq = p.indexOf('=');
                out.put(p.substring(0, eq), URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            ex.getResponseBody().write(bytes);
        }
        ex.close();
    }

    @Test
    void uploadMountAndManifest() throws Exception {
        int port = serve();
        RegistryClient client = new RegistryClient(List::of, java.time.Duration.ofMillis(300));
        RegistryClient.Repository repo = client.pushRepository(Reference.parseNormalized("127.0.0.1:" + port + "/team/app:1"),
                RegistryCredentials.NONE);

        byte[] content = new byte[3_000_000];
        new Random(1).nextBytes(content);
        Digest digest = Digest.sha256Of(content);
        assertFalse(repo.blobSize(digest).isPresent());
        URI upload = repo.startUpload();
        URI next = repo.patch(upload, new ByteArrayInputStream(content));
        repo.commit(next, digest, new byte[0]);
        assertEquals(content.length, repo.blobSize(digest).getAsLong());
        assertArrayEquals(content, blobs.get("team/app " + digest));
        assertEquals(List.of("repository:team/app:push,pull"), scopes, "one token, asked for push and pull");

        // Monolithic: the whole blob in the PUT that completes the upload.
        byte[] config = "{\"rootfs\":{}}".getBytes(StandardCharsets.UTF_8);
        repo.commit(repo.startUpload(), Digest.sha256Of(config), config);
        assertArrayEquals(config, blobs.get("team/app " + Digest.sha256Of(config)));
        RegistryException bad = assertThrows(RegistryException.class,
                () -> repo.commit(repo.startUpload(), Digest.sha256Of(new byte[1]), config));
        assertEquals("DIGEST_INVALID", bad.code());

        // Another repository mounts the blob; the token then asks for pull on the source too.
        RegistryClient.Repository other = client.pushRepository(
                Reference.parseNormalized("127.0.0.1:" + port + "/other/app:1"), RegistryCredentials.NONE);
        assertTrue(other.mount(digest, "team/app").mounted());
        assertEquals(content.length, other.blobSize(digest).getAsLong());
        assertTrue(scopes.contains("repository:other/app:push,pull repository:team/app:pull"), scopes.toString());
        RegistryClient.Mount notThere = other.mount(Digest.sha256Of(new byte[7]), "team/app");
        assertFalse(notThere.mounted());
        assertTrue(notThere.upload().getPath().startsWith("/v2/other/app/blobs/uploads/"), notThere.upload().toString());
        other.cancel(notThere.upload());

        byte[] manifest = PushService.manifest(new PushService.Blob(Digest.sha256Of(config), config.length),
                List.of(new PushService.Blob(digest, content.length)));
        repo.putManifest("1", Manifests.DOCKER_MANIFEST, manifest);
        assertArrayEquals(manifest, manifests.get("team/app:1 " + Manifests.DOCKER_MANIFEST));
    }

    @Test
    void pushWithoutPushAccessIsRefused() throws Exception {
        int port = serve();
        RegistryClient client = new RegistryClient(List::of, java.time.Duration.ofMillis(300));
        // A repository opened for pulling asks for pull only: the registry refuses the upload.
        RegistryClient.Repository pullOnly = client.repository(Reference.parseNormalized("127.0.0.1:" + port + "/team/app:1"),
                RegistryCredentials.NONE);
        RegistryException e = assertThrows(RegistryException.class, pullOnly::startUpload);
        assertEquals("DENIED", e.code());
        assertEquals("denied: no push scope", e.getMessage());
    }

    @Test
    void uploadToAClosedPortNamesTheMethod() throws Exception {
        int port = serve();
        RegistryClient client = new RegistryClient(List::of, java.time.Duration.ofMillis(300));
        RegistryClient.Repository repo = client.pushRepository(Reference.parseNormalized("127.0.0.1:" + port + "/team/app:1"),
                RegistryCredentials.NONE);
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        URI gone = URI.create("http://127.0.0.1:" + closed + "/v2/team/app/blobs/uploads/x");
        IOException e = assertThrows(IOException.class, () -> repo.patch(gone, new ByteArrayInputStream(new byte[10])));
        assertEquals("Patch \"" + gone + "\": dial tcp 127.0.0.1:" + closed + ": connect: connection refused", e.getMessage());
    }
}
