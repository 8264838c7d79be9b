package io.wharf.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bundles dropped into deploy/ while the daemon runs: a router answers, and removed its route is 404
 * again; a volume driver is usable at once, and removed its volumes stay listed and answer "driver
 * hotvol is not available" until it is back; the local volume driver updated in place under running
 * containers that use its volumes.
 */
class HotPlugTest {

    private static final Path HELLO_ROUTER = Path.of(System.getProperty("wharf.hellorouter.jar"));
    private static final Path HOT_VOLUME = Path.of(System.getProperty("wharf.hotvolume.jar"));

    @TempDir
    Path dir;

    private static int statusWithin(WharfDaemon d, String path, int wanted, Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        int status;
        do {
            status = UnixHttp.get(d.socket, path).status();
            if (status == wanted) {
                return status;
            }
            Thread.sleep(100);
        } while (Instant.now().isBefore(deadline));
        return status;
    }

    @Test
    void routerBundleComesAndGoesWithItsJar() throws Exception {
        try (WharfDaemon d = new WharfDaemon(dir).start()) {
            assertEquals(404, UnixHttp.get(d.socket, "/v1.41/hello/wharf").status());

            Files.copy(HELLO_ROUTER, d.deployDir.resolve("hello-router.jar"));
            assertEquals(200, statusWithin(d, "/v1.41/hello/wharf", 200, Duration.ofSeconds(20)));
            UnixHttp.Response hello = UnixHttp.get(d.socket, "/v1.30/hello/wharf");
            assertTrue(hello.body().contains("\"Hello\":\"wharf\"") && hello.body().contains("\"ApiVersion\":\"1.30\""),
                    hello.body());
            assertEquals("1.41", hello.header("Api-Version"), "the middleware chain runs for hot-plugged routes too");
            d.docker("version").ok();

            Files.delete(d.deployDir.resolve("hello-router.jar"));
            assertEquals(404, statusWithin(d, "/v1.41/hello/wharf", 404, Duration.ofSeconds(20)));
            d.docker("version").ok();
        }
    }

    /** Runs the docker command until it succeeds, or returns its last failure after {@code timeout}. */
    private static Cli.Result succeedsWithin(WharfDaemon d, Duration timeout, String... args) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        Cli.Result r;
        do {
            r = d.docker(args);
            if (r.exitCode() == 0) {
                return r;
            }
            Thread.sleep(100);
        } while (Instant.now().isBefore(deadline));
        return r;
    }

    @Test
    void volumeDriverBundleComesAndGoesWithItsJar() throws Exception {
        try (WharfDaemon d = new WharfDaemon(dir).start()) {
            assertTrue(d.docker("volume", "create", "-d", "hotvol", "hv").err().contains("plugin \"hotvol\" not found"));

            Files.copy(HOT_VOLUME, d.deployDir.resolve("hot-volume.jar"));
            assertEquals("hv\n", succeedsWithin(d, Duration.ofSeconds(20), "volume", "create", "-d", "hotvol", "hv").ok().out());
            assertEquals("hotvol", d.docker("volume", "inspect", "--format", "{{.Driver}}", "hv").ok().out().trim());
            Path data = d.dataRoot.resolve("hotvol/hv");
            assertEquals(data.toString(), d.docker("volume", "inspect", "--format", "{{.Mountpoint}}", "hv").ok().out().trim());
            Files.writeString(data.resolve("kept"), "kept");

            Files.delete(d.deployDir.resolve("hot-volume.jar"));
            assertEquals(503, statusWithin(d, "/v1.41/volumes/hv", 503, Duration.ofSeconds(20)));
            Cli.Result gone = d.docker("volume", "inspect", "hv");
            assertTrue(gone.exitCode() != 0 && gone.err().contains("get hv: driver hotvol is not available"), gone.toString());
            assertTrue(d.docker("volume", "rm", "hv").err().contains("driver hotvol is not available"));
            assertEquals("hotvol hv\n", d.docker("volume", "ls", "--format", "{{.Driver}} {{.Name}}").ok().out(),
                    "still listed without its driver");

            Files.copy(HOT_VOLUME, d.deployDir.resolve("hot-volume.jar"));
            assertEquals(data + "\n", succeedsWithin(d, Duration.ofSeconds(20), "volume", "inspect", "--format",
                    "{{.Mountpoint}}", "hv").ok().out());
            assertEquals("kept", Files.readString(data.resolve("kept")));
            d.docker("volume", "rm", "hv").ok();
            assertEquals("", d.docker("volume", "ls", "-q").ok().out());
        }
    }

    @Test
    void bridgeDriverBundleCanGoWhileContainersKeepTheirNetworkAndComeBack() throws Exception {
        WharfDaemon d = new WharfDaemon(dir);
        Path bridgeJar = d.withoutRuntimeBundle("io.wharf.network.bridge-");
        Files.copy(bridgeJar, d.deployDir.resolve("network-bridge.jar"));
        try (d) {
            d.start();
            d.docker("import", "--change", "CMD [\"sh\"]", TestImages.fullBusyboxRootfs(dir).toString(), "busybox:latest").ok();
            succeedsWithin(d, Duration.ofSeconds(20), "network", "create", "hotnet").ok();
            int port = FreePort.find();
            d.docker("run", "-d", "--name", "web", "--network", "hotnet", "-p", "127.0.0.1:" + port + ":80", "busybox",
                    "sh", "-c", "echo up > /tmp/index.html; exec httpd -f -p 80 -h /tmp").ok();
            d.docker("run", "-d", "--name", "peer", "--network", "hotnet", "busybox", "sleep", "300").ok();
            assertEquals("up\n", succeedsWithin(d, Duration.ofSeconds(10), "exec", "peer", "wget", "-qO-", "http://web/").ok().out());

            Files.delete(d.deployDir.resolve("network-bridge.jar"));
            Cli.Result refused = null;
            for (Instant deadline = Instant.now().plus(Duration.ofSeconds(20)); Instant.now().isBefore(deadline); Thread.sleep(200)) {
                refused = d.docker("run", "--rm", "busybox", "true");
                if (refused.exitCode() != 0) {
                    break;
                }
            }
            assertTrue(refused.exitCode() != 0 && refused.err().contains("network driver bridge is not available"),
                    refused.toString());
            // the running containers keep their connectivity, by name and on the published port
            assertEquals("up\n", d.docker("exec", "peer", "wget", "-qO-", "http://web/").ok().out());
            Cli.Result curl = Cli.run(java.util.Map.of(), List.of("curl", "-sS", "--max-time", "5", "http://127.0.0.1:" + port + "/"));
            assertEquals("up\n", curl.ok().out());

            Files.copy(bridgeJar, d.deployDir.resolve("network-bridge.jar"));
            assertEquals("", succeedsWithin(d, Duration.ofSeconds(20), "run", "--rm", "--network", "hotnet", "busybox", "true")
                    .ok().out());
            d.docker("rm", "-f", "web", "peer").ok();
            d.docker("network", "rm", "hotnet").ok();
        }
    }

    private static long occurrences(String text, String line) {
        return text.lines().filter(l -> l.contains(line)).count();
    }

    @Test
    void localVolumeBundleUpdatedInPlaceKeepsRunningContainersTheirVolumesAndMounts() throws Exception {
        WharfDaemon d = new WharfDaemon(dir);
        Path jar = d.deployDir.resolve("volume-local.jar");
        Files.copy(d.withoutRuntimeBundle("io.wharf.volume.local-"), jar);
        try (d) {
            d.start();
            d.docker("import", "--change", "CMD [\"sh\"]", TestImages.fullBusyboxRootfs(dir).toString(), "busybox:latest").ok();
            succeedsWithin(d, Duration.ofSeconds(20), "volume", "create", "plain").ok();
            d.docker("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=4m", "mem").ok();
            d.docker("run", "-d", "--name", "user", "-v", "plain:/p", "-v", "mem:/m", "busybox", "sh", "-c",
                    "echo before > /p/f; echo before > /m/f; exec sleep 600").ok();
            Path memData = d.dataRoot.resolve("volumes/mem/_data");
            Eventually.await(Duration.ofSeconds(10), () -> d.docker("exec", "user", "cat", "/m/f").exitCode() == 0,
                    "the container wrote its files");
            assertEquals(1, HostMounts.at(memData), "the driver mounted the tmpfs volume at its first use");
            String available = "volume driver local is available";
            assertEquals(1, occurrences(d.logText(), available));

            // FileInstall 3.7.4 updates (Bundle.update) the bundle of a jar in deploy/ whose checksum
            // changes, a CRC of the file's name, length and last-modified time: a new mtime is an
            // update with the same bytes. The bundle stops, its driver service goes, and a new
            // LocalVolumeDriver of the new revision registers.
            Files.setLastModifiedTime(jar, FileTime.from(Files.getLastModifiedTime(jar).toInstant().plusSeconds(10)));
            Eventually.await(Duration.ofSeconds(20), () -> occurrences(d.logText(), available) == 2,
                    "the local driver registered again after the update");
            assertEquals(1, occurrences(d.logText(), "volume driver local went away"));

            assertEquals("true", d.inspect("{{.State.Running}}", "user"));
            assertEquals("before\nbefore\n", d.docker("exec", "user", "cat", "/p/f", "/m/f").ok().out());
            d.docker("exec", "user", "sh", "-c", "echo after >> /p/f; echo after >> /m/f").ok();
            assertEquals(1, HostMounts.at(memData), "the tmpfs mount is kept, not mounted a second time");
            assertEquals("mem\nplain\n", d.docker("volume", "ls", "-q").ok().out());
            assertEquals("tmpfs", d.docker("volume", "inspect", "--format", "{{.Options.type}}", "mem").ok().out().trim());

            // A new container shares the running one's data, and its exit leaves the mount to the other.
            assertEquals("before\nafter\nbefore\nafter\n",
                    d.docker("run", "--rm", "-v", "plain:/p", "-v", "mem:/m", "busybox", "cat", "/p/f", "/m/f").ok().out());
            assertEquals(1, HostMounts.at(memData), "the running container still uses the tmpfs volume");
            d.docker("exec", "user", "sh", "-c", "echo again >> /m/f").ok();
            assertEquals("before\nafter\nagain\n", d.docker("run", "--rm", "-v", "mem:/m", "busybox", "cat", "/m/f").ok().out());

            Cli.Result inUse = d.docker("volume", "rm", "mem");
            assertTrue(inUse.err().contains("volume is in use"), inUse.toString());
            d.docker("rm", "-f", "user").ok();
            Eventually.await(Duration.ofSeconds(10), () -> HostMounts.at(memData) == 0, "unmounted when its last user is gone");
            d.docker("volume", "rm", "plain", "mem").ok();
            assertEquals("", d.docker("volume", "ls", "-q").ok().out());
        }
    }
}
