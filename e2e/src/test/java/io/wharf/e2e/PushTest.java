package io.wharf.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `docker push` with the real docker CLI to Debian's docker-registry on 127.0.0.1, started by the
 * test: busybox pushed, pushed again (its layer already there), pushed to another repository
 * (mounted), removed and pulled back byte for byte, and run; the manifest digest the push prints
 * is the one the registry stores and the one a pull reports; a pulled image pushes its registry's
 * own blobs; errors; uploads at most --max-concurrent-uploads and downloads at most
 * --max-concurrent-downloads at a time, as the registry's log shows them; Basic authentication
 * after `docker login`.
 */
class PushTest {

    private static final Pattern DIGEST_LINE = Pattern.compile("(?m)^(\\S+): digest: (sha256:[0-9a-f]{64}) size: (\\d+)$");

    @TempDir
    Path dir;

    @Test
    void pushPullBackAndRun() throws Exception {
        assumeTrue(Files.isExecutable(LocalRegistry.BINARY), "docker-registry is not installed");
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"), null, null, null);
                WharfDaemon d = new WharfDaemon(dir.resolve("daemon")).start("--storage-driver", "vfs")) {
            String name = registry.host() + "/test/busybox";
            d.docker("import", "--change", "CMD [\"sh\"]", TestImages.fullBusyboxRootfs(dir).toString(), name + ":1").ok();
            String imageId = d.docker("inspect", "--format", "{{.Id}}", name + ":1").ok().out().trim();
            String diffId = d.docker("inspect", "--format", "{{index .RootFS.Layers 0}}", name + ":1").ok().out().trim();
            String layerId = diffId.substring("sha256:".length(), "sha256:".length() + 12);

            Cli.Result pushed = d.docker("push", name + ":1").ok();
            assertTrue(pushed.out().contains("The push refers to repository [" + name + "]"), pushed.out());
            assertTrue(pushed.out().contains(layerId + ": Pushed"), pushed.out());
            Matcher line = DIGEST_LINE.matcher(pushed.out());
            assertTrue(line.find(), pushed.out());
            assertEquals("1", line.group(1));
            String digest = line.group(2);
            int size = Integer.parseInt(line.group(3));

            // What the registry stores and serves is what the push printed.
            LocalRegistry.Manifest stored = registry.getManifest("test/busybox", "1");
            assertEquals(digest, stored.digest());
            assertEquals(digest, "sha256:" + TestImages.sha256(stored.bytes()));
            assertEquals(size, stored.bytes().length);
            assertEquals("application/vnd.docker.distribution.manifest.v2+json", stored.mediaType());
            assertArrayEquals(stored.bytes(), Files.readAllBytes(registry.blobData(digest)));
            String manifest = new String(stored.bytes(), StandardCharsets.UTF_8);
            assertTrue(manifest.contains("\"digest\": \"" + imageId + "\""), manifest);
            assertTrue(manifest.contains("\"mediaType\": \"application/vnd.docker.image.rootfs.diff.tar.gzip\""), manifest);
            assertEquals("[" + name + "@" + digest + "]", d.docker("inspect", "--format", "{{.RepoDigests}}", name + ":1")
                    .ok().out().trim());

            // Again: the registry has the layer (a HEAD says so), and the manifest is the same.
            Cli.Result again = d.docker("push", name + ":1").ok();
            assertTrue(again.out().contains(layerId + ": Layer already exists"), again.out());
            assertTrue(again.out().contains("1: digest: " + digest + " size: " + size), again.out());

            // Another repository of the registry: the layer is mounted from the first, not uploaded.
            d.docker("tag", name + ":1", registry.host() + "/other/busybox:1").ok();
            Cli.Result mounted = d.docker("push", registry.host() + "/other/busybox:1").ok();
            assertTrue(mounted.out().contains(layerId + ": Mounted from test/busybox"), mounted.out());
            assertTrue(mounted.out().contains("1: digest: " + digest), mounted.out());
            assertEquals(1, count(registry.logText(), "\"PATCH /v2/[^ ]*/blobs/uploads/"), "one layer upload in all");

            // Removed (its digest references with its tags), pulled back: the same manifest, image and content.
            Cli.Result removed = d.docker("rmi", name + ":1", registry.host() + "/other/busybox:1").ok();
            assertTrue(removed.out().contains("Deleted: " + imageId), removed.out());
            assertEquals("", d.docker("images", "-q", "-a").ok().out().trim());
            Cli.Result pulled = d.docker("pull", name + ":1").ok();
            assertTrue(pulled.out().contains("Pull complete"), pulled.out());
            assertTrue(pulled.out().contains("Digest: " + digest), pulled.out());
            assertEquals(imageId, d.docker("inspect", "--format", "{{.Id}}", name + ":1").ok().out().trim());
            assertEquals("hello from busybox", d.docker("run", "--rm", "--pull", "never", name + ":1", "echo", "hello from busybox")
                    .ok().out().trim());

            // An image pulled from a registry pushes that registry's blobs (known from the pull), not recompressed ones.
            byte[] layer = TestImages.tar(out -> TestImages.file(out, "hello.txt", "pulled\n".getBytes(StandardCharsets.UTF_8), 0644));
            String blob = putImage(registry, "pulled/image", "1", layer);
            d.docker("pull", registry.host() + "/pulled/image:1").ok();
            d.docker("tag", registry.host() + "/pulled/image:1", registry.host() + "/copied/image:1").ok();
            Cli.Result copied = d.docker("push", registry.host() + "/copied/image:1").ok();
            assertTrue(copied.out().contains("Mounted from pulled/image"), copied.out());
            assertTrue(new String(registry.getManifest("copied/image", "1").bytes(), StandardCharsets.UTF_8)
                    .contains("\"digest\": \"" + blob + "\""));

            Cli.Result missing = d.docker("push", registry.host() + "/test/nothing:1");
            assertNotEquals(0, missing.exitCode());
            assertTrue(missing.out().contains("The push refers to repository [" + registry.host() + "/test/nothing]"),
                    missing.out());
            assertTrue(missing.err().contains("An image does not exist locally with the tag: " + registry.host()
                    + "/test/nothing"), missing.err());
            Cli.Result noTag = d.docker("push", name + ":nope");
            assertNotEquals(0, noTag.exitCode());
            assertTrue(noTag.err().contains("tag does not exist: " + name + ":nope"), noTag.err());

            int closed = FreePort.find();
            d.docker("tag", name + ":1", "127.0.0.1:" + closed + "/x/y:1").ok();
            Cli.Result refused = d.docker("push", "127.0.0.1:" + closed + "/x/y:1");
            assertNotEquals(0, refused.exitCode());
            assertTrue(refused.err().contains("127.0.0.1:" + closed + ": connect: connection refused"), refused.err());
        }
    }

    @Test
    void uploadsRunConcurrentlyUpToTheLimit() throws Exception {
        assumeTrue(Files.isExecutable(LocalRegistry.BINARY), "docker-registry is not installed");
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"), null, null, null)) {
            for (int limit : new int[] {5, 1}) {
                String repo = "test/big" + limit;
                String name = registry.host() + "/" + repo + ":1";
                try (WharfDaemon d = new WharfDaemon(dir.resolve("daemon" + limit))) {
                    if (limit == 5) {
                        d.start("--storage-driver", "vfs"); // the default limit
                    } else {
                        d.start("--storage-driver", "vfs", "--max-concurrent-uploads", Integer.toString(limit),
                                "--max-concurrent-downloads", Integer.toString(limit));
                    }
                    Path archive = TestImages.bigArchive(Files.createDirectories(dir.resolve("image" + limit)), name, 8, 3_000_000)
                            .file();
                    d.docker("load", "-i", archive.toString()).ok();
                    Cli.Result pushed = d.docker("push", name).ok();
                    assertEquals(8, count(pushed.out(), ": Pushed"), pushed.out());
                    if (limit == 1) {
                        assertTrue(pushed.out().contains(": Waiting"), pushed.out());
                    }
                    List<Instant[]> uploads = requests(registry.logText(), "PATCH", repo + "/blobs/uploads/");
                    assertEquals(8, uploads.size(), "PATCHes of " + repo + " in the registry's log");
                    int overlap = maxOverlap(uploads);
                    System.out.println("--max-concurrent-uploads " + limit + ": the registry saw at most " + overlap
                            + " of 8 layer uploads at once");
                    assertTrue(overlap <= limit, "at most " + limit + " uploads at once, the registry saw " + overlap);
                    if (limit == 5) {
                        assertTrue(overlap >= 2, "uploads ran one at a time under the default limit of 5");
                    }
                    // Pulls back as the same image, downloading at most --max-concurrent-downloads (3 by default) at once.
                    String id = d.docker("inspect", "--format", "{{.Id}}", name).ok().out().trim();
                    d.docker("rmi", name).ok();
                    d.docker("pull", name).ok();
                    assertEquals(id, d.docker("inspect", "--format", "{{.Id}}", name).ok().out().trim());
                    List<Instant[]> downloads = requests(registry.logText(), "GET", repo + "/blobs/sha256:");
                    assertTrue(downloads.size() >= 8, downloads.size() + " blob GETs of " + repo + " in the registry's log");
                    int downloadLimit = limit == 5 ? 3 : limit;
                    int downloading = maxOverlap(downloads);
                    System.out.println("--max-concurrent-downloads " + downloadLimit + ": the registry saw at most "
                            + downloading + " blob downloads at once");
                    assertTrue(downloading <= downloadLimit,
                            "at most " + downloadLimit + " downloads at once, the registry saw " + downloading);
                }
            }
        }
    }

    @Test
    void basicAuthenticationAfterLogin() throws Exception {
        assumeTrue(Files.isExecutable(LocalRegistry.BINARY), "docker-registry is not installed");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/htpasswd")), "htpasswd (apache2-utils) is not installed");
        Path htpasswd = dir.resolve("htpasswd");
        Files.writeString(htpasswd, Cli.run(Map.of(), List.of("htpasswd", "-Bbn", "alice", "s3cret")).ok().out());
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"), htpasswd, "alice", "s3cret");
                WharfDaemon d = new WharfDaemon(dir.resolve("daemon")).start("--storage-driver", "vfs")) {
            String name = registry.host() + "/private/busybox:1";
            d.docker("import", TestImages.busyboxRootfs(dir).toString(), name).ok();

            Cli.Result anonymous = d.docker("push", name);
            assertNotEquals(0, anonymous.exitCode());
            assertTrue(anonymous.err().contains("no basic auth credentials"), anonymous.err());

            Path config = Files.createDirectories(dir.resolve("login-config"));
            Map<String, String> env = Map.of("DOCKER_CONFIG", config.toString());
            Cli.run(env, List.of("docker", "-H", "unix://" + d.socket, "login", "-u", "alice", "--password-stdin",
                    registry.host()), "s3cret\n".getBytes(StandardCharsets.UTF_8)).ok();
            Cli.Result pushed = Cli.dockerWithEnv(env, "unix://" + d.socket, "push", name).ok();
            assertTrue(pushed.out().contains(": Pushed"), pushed.out());
            Matcher line = DIGEST_LINE.matcher(pushed.out());
            assertTrue(line.find(), pushed.out());
            assertEquals(line.group(2), registry.getManifest("private/busybox", "1").digest());
        }
    }

    /** Pushes a one-layer image through the registry API, the layer gzipped by the JDK; the layer blob's digest. */
    private static String putImage(LocalRegistry registry, String repo, String tag, byte[] layer) throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(layer);
        }
        String blob = registry.putBlob(repo, gz.toByteArray());
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[\"sha256:" + TestImages.sha256(layer) + "\"]}}").getBytes(StandardCharsets.UTF_8);
        String configDigest = registry.putBlob(repo, config);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":" + config.length
                + ",\"digest\":\"" + configDigest + "\"},\"layers\":[{\"mediaType\":"
                + "\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":" + gz.size() + ",\"digest\":\"" + blob + "\"}]}";
        registry.putManifest(repo, tag, "application/vnd.docker.distribution.manifest.v2+json",
                manifest.getBytes(StandardCharsets.UTF_8));
        return blob;
    }

    private static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /**
     * The requests of {@code method} to paths under /v2/{@code pathPrefix} (a repository's uploads,
     * its blobs) as [start, end] from the registry's "response
     * completed" log lines: end is the line's time (RFC 3339, nanoseconds), start that less the
     * request's duration.
     */
    static List<Instant[]> requests(String log, String method, String pathPrefix) {
        Pattern p = Pattern.compile("time=\"([^\"]+)\" level=info msg=\"response completed\".*http\\.request\\.method="
                + method + " .*http\\.request\\.uri=\"?/v2/" + Pattern.quote(pathPrefix)
                + ".*http\\.response\\.duration=\"?([0-9.]+[a-zµ]+)");
        List<Instant[]> out = new ArrayList<>();
        for (String line : log.split("\n")) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                Instant end = Instant.parse(m.group(1));
                out.add(new Instant[] {end.minusNanos(goDurationNanos(m.group(2))), end});
            }
        }
        return out;
    }

    /** Go's time.Duration text with one unit ("170.620176ms", "959.546µs", "1.2s"), in nanoseconds. */
    static long goDurationNanos(String text) {
        Matcher m = Pattern.compile("([0-9.]+)(ns|µs|us|ms|s|m)").matcher(text);
        if (!m.matches()) {
            throw new AssertionError("a duration of several units: " + text);
        }
        double v = Double.parseDouble(m.group(1));
        double unit = switch (m.group(2)) {
            case "ns" -> 1;
            case "µs", "us" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            default -> 60e9;
        };
        return (long) (v * unit);
    }

    /** The most intervals open at one instant (an interval ending as another starts does not overlap it). */
    static int maxOverlap(List<Instant[]> intervals) {
        List<long[]> events = new ArrayList<>();
        for (Instant[] i : intervals) {
            events.add(new long[] {i[0].getEpochSecond() * 1_000_000_000L + i[0].getNano(), 1});
            events.add(new long[] {i[1].getEpochSecond() * 1_000_000_000L + i[1].getNano(), -1});
        }
        events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int open = 0;
        int max = 0;
        for (long[] e : events) {
            open += (int) e[1];
            max = Math.max(max, open);
        }
        return max;
    }
}
