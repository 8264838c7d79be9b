package io.wharf.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bundles dropped into deploy/ while the daemon runs: a router answers, and removed its route is 404
 * again; a volume driver is usable at once, and removed its volumes stay listed and answer "driver
 * hotvol is not available" until it is back.
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
}
