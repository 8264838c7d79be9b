package io.wharf.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `docker pull` with the real docker CLI from Debian's docker-registry on 127.0.0.1, which the
 * test starts and fills through the registry API: by tag and by digest, RepoTags and RepoDigests,
 * "Image is up to date", a missing tag, a platform from an OCI index, a corrupted blob, two pulls
 * at once, a pull cut off by a daemon kill, Basic authentication, and a container run from the
 * pulled image.
 */
class PullTest {

    private static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    private static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";

    @TempDir
    Path dir;

    /** What was pushed: the manifest's digest, the image ID and the layers' blob digests. */
    record Pushed(String manifestDigest, byte[] manifest, String imageId, List<String> layerDigests) {
    }

    @Test
    void pullFromALocalRegistry() throws Exception {
        assumeTrue(Files.isExecutable(LocalRegistry.BINARY), "docker-registry is not installed");
        byte[] rootfs = Files.readAllBytes(TestImages.busyboxRootfs(dir));
        byte[] hello = TestImages.tar(out -> TestImages.file(out, "hello.txt",
                "hello from a pulled image\n".getBytes(StandardCharsets.UTF_8), 0644));
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"), null, null, null);
                WharfDaemon d = new WharfDaemon(dir.resolve("daemon")).start("--storage-driver", "vfs")) {
            String name = registry.host() + "/test/busybox";
            Pushed busybox = push(registry, "test/busybox", "1", "amd64", DOCKER_MANIFEST, List.of(rootfs, hello));

            Cli.Result pulled = d.docker("pull", name + ":1").ok();
            assertTrue(pulled.out().contains("1: Pulling from test/busybox"), pulled.out());
            assertTrue(pulled.out().contains("Pull complete"), pulled.out());
            assertTrue(pulled.out().contains("Digest: " + busybox.manifestDigest()), pulled.out());
            assertTrue(pulled.out().contains("Status: Downloaded newer image for " + name + ":1"), pulled.out());
            assertEquals(busybox.imageId(), d.docker("inspect", "--format", "{{.Id}}", name + ":1").ok().out().trim());
            assertEquals("[" + name + ":1]", d.docker("inspect", "--format", "{{.RepoTags}}", name + ":1").ok().out().trim());
            assertEquals("[" + name + "@" + busybox.manifestDigest() + "]",
                    d.docker("inspect", "--format", "{{.RepoDigests}}", name + ":1").ok().out().trim());
            assertTrue(d.docker("images", "--digests", "--format", "{{.Repository}}:{{.Tag}} {{.Digest}}").ok().out()
                    .contains(name + ":1 " + busybox.manifestDigest()));

            // What the registry has for the reference, asked without pulling (GET /distribution/{name}/json).
            UnixHttp.Response described = UnixHttp.get(d.socket, "/v1.41/distribution/" + name + ":1/json");
            assertEquals(200, described.status(), described.body());
            assertTrue(described.body().contains("\"digest\":\"" + busybox.manifestDigest() + "\""), described.body());
            assertTrue(described.body().contains("\"Platforms\":[{\"architecture\":\"amd64\",\"os\":\"linux\"}]"),
                    described.body());
            assertEquals(404, UnixHttp.get(d.socket, "/v1.41/distribution/" + name + ":nosuchtag/json").status());

            Cli.Result again = d.docker("pull", name + ":1").ok();
            assertTrue(again.out().contains("Status: Image is up to date for " + name + ":1"), again.out());
            assertTrue(!again.out().contains("Pull complete"), again.out());

            Cli.Result run = d.docker("run", "--rm", name + ":1", "cat", "/hello.txt").ok();
            assertEquals("hello from a pulled image", run.out().trim());

            // By digest, after the image is gone: only the digest reference comes back.
            d.docker("rmi", "-f", busybox.imageId()).ok();
            Cli.Result byDigest = d.docker("pull", name + "@" + busybox.manifestDigest()).ok();
            assertTrue(byDigest.out().contains("Status: Downloaded newer image for " + name + "@"
                    + busybox.manifestDigest()), byDigest.out());
            assertEquals("[] [" + name + "@" + busybox.manifestDigest() + "]", d.docker("inspect", "--format",
                    "{{.RepoTags}} {{.RepoDigests}}", busybox.imageId()).ok().out().trim());

            Cli.Result missing = d.docker("pull", name + ":nope");
            assertNotEquals(0, missing.exitCode());
            assertTrue(missing.err().contains("manifest for " + name + ":nope not found: manifest unknown: manifest unknown"),
                    missing.err());

            // An OCI index with two platforms: this host's is chosen, --platform picks another.
            Pushed amd64 = push(registry, "test/multi", "amd64-only", "amd64", OCI_MANIFEST, List.of(rootfs));
            Pushed arm64 = push(registry, "test/multi", "arm64-only", "arm64", OCI_MANIFEST, List.of(rootfs));
            String index = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX + "\",\"manifests\":["
                    + entry(arm64, "arm64", "v8") + "," + entry(amd64, "amd64", "") + "]}";
            String indexDigest = registry.putManifest("test/multi", "1", OCI_INDEX, index.getBytes(StandardCharsets.UTF_8));
            String multi = registry.host() + "/test/multi:1";
            Cli.Result fromIndex = d.docker("pull", multi).ok();
            assertTrue(fromIndex.out().contains("Digest: " + indexDigest), fromIndex.out());
            assertEquals(amd64.imageId() + " amd64", d.docker("inspect", "--format", "{{.Id}} {{.Architecture}}", multi)
                    .ok().out().trim());
            assertTrue(d.docker("inspect", "--format", "{{.RepoDigests}}", multi).ok().out()
                    .contains(registry.host() + "/test/multi@" + indexDigest));
            d.docker("pull", "--platform", "linux/arm64", multi).ok();
            assertEquals(arm64.imageId() + " arm64", d.docker("inspect", "--format", "{{.Id}} {{.Architecture}}", multi)
                    .ok().out().trim());
            Cli.Result noMatch = d.docker("pull", "--platform", "linux/s390x", multi);
            assertNotEquals(0, noMatch.exitCode());
            assertTrue(noMatch.err().contains("no matching manifest for linux/s390x in the manifest list entries"),
                    noMatch.err());

            corruptedBlob(registry, d);
            twoPullsAtOnce(registry, d);
        }
    }

    /** A blob whose bytes do not match its digest fails the pull and leaves no image, layer or download behind. */
    private void corruptedBlob(LocalRegistry registry, WharfDaemon d) throws Exception {
        byte[] layer = TestImages.tar(out -> TestImages.file(out, "data.bin", random(200_000, 7), 0644));
        Pushed corrupt = push(registry, "test/corrupt", "1", "amd64", DOCKER_MANIFEST, List.of(layer));
        Path data = registry.blobData(corrupt.layerDigests().get(0));
        byte[] bytes = Files.readAllBytes(data);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(data, bytes);
        Path layerdb = d.dataRoot.resolve("image/vfs/layerdb/sha256");
        List<String> layersBefore = list(layerdb);

        Cli.Result failed = d.docker("pull", registry.host() + "/test/corrupt:1");
        assertNotEquals(0, failed.exitCode(), failed.out());
        assertTrue(failed.err().contains("filesystem layer verification failed for digest " + corrupt.layerDigests().get(0)),
                failed.err());
        assertEquals("", d.docker("images", "-q", registry.host() + "/test/corrupt").ok().out().trim());
        assertTrue(d.docker("inspect", corrupt.imageId()).exitCode() != 0);
        assertEquals(layersBefore, list(layerdb));
        assertEquals(List.of(), downloads(d));
    }

    /** Two clients pulling the same image at the same time: both succeed, each layer is fetched once. */
    private void twoPullsAtOnce(LocalRegistry registry, WharfDaemon d) throws Exception {
        List<byte[]> layers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            byte[] content = random(6_000_000, 100 + i);
            layers.add(TestImages.tar(out -> TestImages.file(out, "blob.bin", content, 0644)));
        }
        Pushed big = push(registry, "test/big", "1", "amd64", DOCKER_MANIFEST, layers);
        String ref = registry.host() + "/test/big:1";
        CompletableFuture<Cli.Result> first = CompletableFuture.supplyAsync(() -> pull(d, ref));
        CompletableFuture<Cli.Result> second = CompletableFuture.supplyAsync(() -> pull(d, ref));
        first.get().ok();
        second.get().ok();
        assertEquals(big.imageId(), d.docker("inspect", "--format", "{{.Id}}", ref).ok().out().trim());
        String log = registry.logText();
        for (String digest : big.layerDigests()) {
            Matcher m = Pattern.compile("\"GET /v2/test/big/blobs/" + Pattern.quote(digest) + " HTTP").matcher(log);
            int count = 0;
            while (m.find()) {
                count++;
            }
            assertEquals(1, count, "GETs of " + digest + " in the registry's access log");
        }
    }

    private static Cli.Result pull(WharfDaemon d, String ref) {
        try {
            return d.docker("pull", ref);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A pull cut off by a kill -9 of the daemon once its first layer is in and the others are still
     * downloading (through a proxy that slows the registry down to seconds): after a restart on the
     * same roots the image is not there, only whole layers are, no download is left behind, and a
     * second pull completes with the layers already in.
     */
    @Test
    void pullInterruptedByADaemonKill() throws Exception {
        assumeTrue(Files.isExecutable(LocalRegistry.BINARY), "docker-registry is not installed");
        List<byte[]> layers = new ArrayList<>(List.of(Files.readAllBytes(TestImages.busyboxRootfs(dir))));
        for (int i = 0; i < 4; i++) {
            byte[] content = random(8_000_000, 300 + i);
            String name = "data/" + i + ".bin";
            layers.add(TestImages.tar(out -> {
                TestImages.dir(out, "data/");
                TestImages.file(out, name, content, 0644);
            }));
        }
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"), null, null, null);
                SlowProxy proxy = SlowProxy.start(registry.port, 4_000_000);
                WharfDaemon d = new WharfDaemon(dir.resolve("daemon")).start("--storage-driver", "vfs")) {
            Pushed image = push(registry, "test/killed", "1", "amd64", DOCKER_MANIFEST, layers);
            String ref = "127.0.0.1:" + proxy.port() + "/test/killed:1";
            Path layerdb = d.dataRoot.resolve("image/vfs/layerdb");

            Process pull = Cli.start("unix://" + d.socket, "pull", ref);
            StringBuffer output = new StringBuffer();
            CompletableFuture<Void> reading = CompletableFuture.runAsync(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(pull.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    in.lines().forEach(line -> output.append(line).append('\n'));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            String atKill;
            try {
                Eventually.await(Duration.ofSeconds(60), () -> output.toString().contains("Pull complete"),
                        "a first layer of " + ref + " pulled");
                atKill = output.toString();
                assertTrue(!downloads(d).isEmpty(), atKill);
                d.kill();
                reading.get(30, TimeUnit.SECONDS);
                assertTrue(pull.waitFor(30, TimeUnit.SECONDS), "docker pull ended with the daemon");
            } finally {
                pull.destroyForcibly();
            }
            // Cut off mid-pull: some layer was still downloading, and the image was never stored.
            assertTrue(count(atKill, "Download complete") < layers.size(), atKill);
            assertTrue(!output.toString().contains("Digest: "), output.toString());
            assertNotEquals(0, pull.exitValue(), output.toString());

            d.start("--storage-driver", "vfs");
            assertEquals("", d.docker("images", "-a", "-q").ok().out().trim());
            assertNotEquals(0, d.docker("inspect", image.imageId()).exitCode());
            assertEquals(List.of(), downloads(d));
            assertEquals(List.of(), list(layerdb.resolve("tmp")));
            // The layers kept are whole: each has its driver layer, and no driver layer is without one.
            List<String> kept = list(layerdb.resolve("sha256"));
            assertTrue(!kept.isEmpty() && kept.size() < layers.size(), kept.toString());
            List<String> cacheIds = new ArrayList<>();
            for (String chain : kept) {
                cacheIds.add(Files.readString(layerdb.resolve("sha256").resolve(chain).resolve("cache-id")).trim());
            }
            assertEquals(cacheIds.stream().sorted().toList(), list(d.dataRoot.resolve("vfs/dir")));

            Cli.Result second = d.docker("pull", ref).ok();
            assertEquals(kept.size(), count(second.out(), ": Already exists"), second.out());
            assertTrue(second.out().contains("Status: Downloaded newer image for " + ref), second.out());
            assertEquals(image.imageId(), d.inspect("{{.Id}}", ref));
            List<String> all = list(layerdb.resolve("sha256"));
            assertEquals(layers.size(), all.size());
            assertTrue(all.containsAll(kept), all.toString());
            assertEquals("0.bin\n1.bin\n2.bin\n3.bin", d.docker("run", "--rm", ref, "ls", "/data").ok().out().trim());
        }
    }

    /** The blobs being downloaded, or left behind, in the daemon's tmp directory. */
    private static List<String> downloads(WharfDaemon d) throws Exception {
        return list(d.dataRoot.resolve("tmp")).stream().filter(f -> f.startsWith("pull-")).toList();
    }

    private static int count(String text, String literal) {
        return (int) Pattern.compile(Pattern.quote(literal)).matcher(text).results().count();
    }

    @Test
    void basicAuthentication() throws Exception {
        assumeTrue(Files.isExecutable(LocalRegistry.BINARY), "docker-registry is not installed");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/htpasswd")), "htpasswd (apache2-utils) is not installed");
        Path htpasswd = dir.resolve("htpasswd");
        Files.writeString(htpasswd, Cli.run(Map.of(), List.of("htpasswd", "-Bbn", "alice", "s3cret")).ok().out());
        byte[] rootfs = Files.readAllBytes(TestImages.busyboxRootfs(dir));
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"), htpasswd, "alice", "s3cret");
                WharfDaemon d = new WharfDaemon(dir.resolve("daemon")).start("--storage-driver", "vfs")) {
            Pushed image = push(registry, "private/busybox", "1", "amd64", DOCKER_MANIFEST, List.of(rootfs));
            String ref = registry.host() + "/private/busybox:1";

            Cli.Result anonymous = d.docker("pull", ref);
            assertNotEquals(0, anonymous.exitCode());
            assertTrue(anonymous.err().contains("no basic auth credentials"), anonymous.err());

            Path config = Files.createDirectories(dir.resolve("docker-config"));
            String wrongAuth = Base64.getEncoder().encodeToString("alice:wrong".getBytes(StandardCharsets.UTF_8));
            Files.writeString(config.resolve("config.json"), "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\""
                    + wrongAuth + "\"}}}");
            Cli.Result wrong = Cli.dockerWithEnv(Map.of("DOCKER_CONFIG", config.toString()), "unix://" + d.socket, "pull", ref);
            assertNotEquals(0, wrong.exitCode());
            assertTrue(wrong.err().contains("unauthorized: authentication required"), wrong.err());

            // docker login checks the credentials through the daemon (POST /auth) and stores them.
            Path loginConfig = Files.createDirectories(dir.resolve("login-config"));
            Map<String, String> env = Map.of("DOCKER_CONFIG", loginConfig.toString());
            Cli.Result badLogin = Cli.run(env, List.of("docker", "-H", "unix://" + d.socket, "login", "-u", "alice",
                    "--password-stdin", registry.host()), "wrong\n".getBytes(StandardCharsets.UTF_8));
            assertNotEquals(0, badLogin.exitCode());
            assertTrue(badLogin.err().contains("failed with status: 401 Unauthorized"), badLogin.err());
            Cli.Result login = Cli.run(env, List.of("docker", "-H", "unix://" + d.socket, "login", "-u", "alice",
                    "--password-stdin", registry.host()), "s3cret\n".getBytes(StandardCharsets.UTF_8)).ok();
            assertTrue(login.out().contains("Login Succeeded"), login.out());
            Cli.Result ok = Cli.dockerWithEnv(env, "unix://" + d.socket, "pull", ref).ok();
            assertTrue(ok.out().contains("Status: Downloaded newer image for " + ref), ok.out());
            assertEquals(image.imageId(), d.docker("inspect", "--format", "{{.Id}}", ref).ok().out().trim());
        }
    }

    @Test
    void unreachableRegistries() throws Exception {
        try (WharfDaemon d = new WharfDaemon(dir.resolve("daemon")).start("--storage-driver", "vfs")) {
            int port = FreePort.find();
            Cli.Result refused = d.docker("pull", "127.0.0.1:" + port + "/x/y:1");
            assertNotEquals(0, refused.exitCode());
            assertTrue(refused.err().contains("127.0.0.1:" + port + ": connect: connection refused"), refused.err());
            Cli.Result unknown = d.docker("pull", "no-such-host.invalid/x/y:1");
            assertNotEquals(0, unknown.exitCode());
            assertTrue(unknown.err().contains("lookup no-such-host.invalid: no such host"), unknown.err());
        }
    }

    private static String entry(Pushed p, String arch, String variant) {
        return "{\"mediaType\":\"" + OCI_MANIFEST + "\",\"digest\":\"" + p.manifestDigest() + "\",\"size\":"
                + p.manifest().length + ",\"platform\":{\"architecture\":\"" + arch + "\",\"os\":\"linux\""
                + (variant.isEmpty() ? "" : ",\"variant\":\"" + variant + "\"") + "}}";
    }

    /** Pushes an image of gzipped layers with a config for {@code arch}, under {@code tag}. */
    private static Pushed push(LocalRegistry registry, String repo, String tag, String arch, String mediaType,
            List<byte[]> layerTars) throws Exception {
        boolean oci = mediaType.equals(OCI_MANIFEST);
        StringBuilder diffIds = new StringBuilder();
        StringBuilder layers = new StringBuilder();
        List<String> layerDigests = new ArrayList<>();
        for (byte[] tar : layerTars) {
            byte[] gz = gzip(tar);
            String digest = registry.putBlob(repo, gz);
            layerDigests.add(digest);
            diffIds.append(diffIds.isEmpty() ? "" : ",").append("\"sha256:").append(TestImages.sha256(tar)).append('"');
            layers.append(layers.isEmpty() ? "" : ",").append("{\"mediaType\":\"").append(oci
                    ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.docker.image.rootfs.diff.tar.gzip")
                    .append("\",\"size\":").append(gz.length).append(",\"digest\":\"").append(digest).append("\"}");
        }
        byte[] config = ("{\"architecture\":\"" + arch + "\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"],"
                + "\"Labels\":{\"pushed-as\":\"" + repo + ":" + tag + "\"}},\"created\":\"2026-01-02T03:04:05Z\","
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}").getBytes(StandardCharsets.UTF_8);
        String configDigest = registry.putBlob(repo, config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + mediaType + "\",\"config\":{\"mediaType\":\""
                + (oci ? "application/vnd.oci.image.config.v1+json" : "application/vnd.docker.container.image.v1+json")
                + "\",\"size\":" + config.length + ",\"digest\":\"" + configDigest + "\"},\"layers\":[" + layers + "]}")
                .getBytes(StandardCharsets.UTF_8);
        String manifestDigest = registry.putManifest(repo, tag, mediaType, manifest);
        return new Pushed(manifestDigest, manifest, configDigest, layerDigests);
    }

    private static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(data);
        }
        return bytes.toByteArray();
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    private static List<String> list(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
