package io.wharf.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * Debian's docker-registry (distribution 2.8) on 127.0.0.1 with its storage under a test directory,
 * started by the test and stopped by its pid; filled through its HTTP API like a client pushes. It
 * can also serve https on a loopback address, with or without asking for client certificates.
 */
final class LocalRegistry implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/docker-registry");

    final int port;
    final Path storage;
    final Path log;
    private final String address;
    private final boolean tls;
    private final Process process;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String authorization;

    private LocalRegistry(String address, int port, boolean tls, Path storage, Path log, Process process,
            String authorization) {
        this.address = address;
        this.port = port;
        this.tls = tls;
        this.storage = storage;
        this.log = log;
        this.process = process;
        this.authorization = authorization;
    }

    /** Starts a registry in {@code dir}; with {@code htpasswd} it asks for Basic authentication as {@code user}. */
    static LocalRegistry start(Path dir, Path htpasswd, String user, String password) throws Exception {
        String auth = htpasswd == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return start(dir, "127.0.0.1", false,
                htpasswd == null ? "" : "auth:\n  htpasswd:\n    realm: wharf-e2e\n    path: " + htpasswd + "\n", auth);
    }

    /**
     * Starts a registry in {@code dir} serving https on {@code address} (an IP, "::1" for IPv6) with
     * {@code cert} and {@code key}; with {@code clientCa} it wants a client certificate that CA signed.
     * It cannot be filled through this object: fill a plain one on the same {@code dir} first.
     */
    static LocalRegistry startTls(Path dir, String address, Path cert, Path key, Path clientCa) throws Exception {
        String tls = "  tls:\n    certificate: " + cert + "\n    key: " + key + "\n"
                + (clientCa == null ? "" : "    clientcas:\n      - " + clientCa + "\n");
        return start(dir, address, true, tls, null);
    }

    private static LocalRegistry start(Path dir, String address, boolean tls, String extra, String auth) throws Exception {
        Files.createDirectories(dir);
        int port = FreePort.find();
        Path storage = dir.resolve("storage");
        String listen = (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
        String config = "version: 0.1\n"
                + "log:\n  level: info\n"
                + "storage:\n  filesystem:\n    rootdirectory: " + storage + "\n  delete:\n    enabled: true\n"
                + "http:\n  addr: \"" + listen + "\"\n  secret: wharf-e2e\n"
                + extra;
        Path configFile = dir.resolve("config.yml");
        Files.writeString(configFile, config);
        Path log = dir.resolve("registry-" + port + ".log");
        ProcessBuilder pb = new ProcessBuilder(BINARY.toString(), "serve", configFile.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("REGISTRY_"));
        Process p = pb.start();
        LocalRegistry registry = new LocalRegistry(address, port, tls, storage, log, p, auth);
        registry.awaitUp();
        return registry;
    }

    private void awaitUp() throws Exception {
        Instant deadline = Instant.now().plusSeconds(30);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new AssertionError("docker-registry exited:\n" + Files.readString(log));
            }
            try {
                if (tls) {
                    // Listening is enough: its TLS wants what the test has not handed this object.
                    new java.net.Socket(address, port).close();
                    return;
                }
                int status = http.send(HttpRequest.newBuilder(uri("/v2/")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode();
                if (status == 200 || status == 401) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new AssertionError("docker-registry did not answer within 30 s:\n" + Files.readString(log));
    }

    /** host:port as an image reference names it ("127.0.0.1:5000", "[::1]:5000"). */
    String host() {
        return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    }

    URI uri(String path) {
        return URI.create("http://" + host() + path);
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b;
    }

    /** Uploads a blob (POST an upload, then PUT it whole with its digest); returns "sha256:...". */
    String putBlob(String repo, byte[] content) throws Exception {
        String digest = "sha256:" + TestImages.sha256(content);
        HttpResponse<String> start = http.send(request(uri("/v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        check(start, 202);
        String location = start.headers().firstValue("Location").orElseThrow();
        URI upload = uri("/").resolve(location);
        URI put = URI.create(upload + (upload.getQuery() == null ? "?" : "&") + "digest=" + digest);
        check(http.send(request(put).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.ofString()), 201);
        return digest;
    }

    /** PUTs a manifest under a tag; returns its digest. */
    String putManifest(String repo, String tag, String mediaType, byte[] manifest) throws Exception {
        check(http.send(request(uri("/v2/" + repo + "/manifests/" + tag)).header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)).build(), HttpResponse.BodyHandlers.ofString()), 201);
        return "sha256:" + TestImages.sha256(manifest);
    }

    /** A manifest as the registry serves it: its bytes, Content-Type and Docker-Content-Digest. */
    record Manifest(byte[] bytes, String mediaType, String digest) {
    }

    /** GETs a manifest by tag or digest, accepting Docker schema 2 and OCI manifests. */
    Manifest getManifest(String repo, String reference) throws Exception {
        HttpResponse<byte[]> resp = http.send(request(uri("/v2/" + repo + "/manifests/" + reference))
                .header("Accept", "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json")
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        if (resp.statusCode() != 200) {
            throw new AssertionError("GET manifest " + repo + ":" + reference + ": " + resp.statusCode() + " "
                    + new String(resp.body(), StandardCharsets.UTF_8));
        }
        return new Manifest(resp.body(), resp.headers().firstValue("Content-Type").orElse(""),
                resp.headers().firstValue("Docker-Content-Digest").orElse(""));
    }

    /** Where the registry keeps a blob's bytes (distribution's filesystem layout). */
    Path blobData(String digest) {
        String hex = digest.substring("sha256:".length());
        return storage.resolve("docker/registry/v2/blobs/sha256").resolve(hex.substring(0, 2)).resolve(hex).resolve("data");
    }

    String logText() throws IOException {
        return Files.readString(log);
    }

    private static void check(HttpResponse<String> resp, int expected) {
        if (resp.statusCode() != expected) {
            throw new AssertionError(resp.request().method() + " " + resp.uri() + ": " + resp.statusCode() + " " + resp.body());
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
