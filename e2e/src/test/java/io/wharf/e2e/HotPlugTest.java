package io.wharf.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A router bundle dropped into deploy/ while the daemon runs answers; removed, its route is 404 again. */
class HotPlugTest {

    private static final Path HELLO_ROUTER = Path.of(System.getProperty("wharf.hellorouter.jar"));

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
}
