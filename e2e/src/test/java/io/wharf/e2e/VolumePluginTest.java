package io.wharf.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * An external volume plugin with Docker's legacy plugin protocol: a separate process (the test's
 * VolumePlugin.java, run by this JVM's java) listening on a unix socket in a --plugin-dir,
 * keeping each volume as a directory. The daemon finds it by name, uses it for create, ls, inspect,
 * run -v and rm; killed, its volumes answer "driver testplugin is not available"; restarted, they
 * work again.
 */
class VolumePluginTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** The plugin process, listening on {@code socket} and keeping its volumes under {@code root}. */
    private static Process startPlugin(Path socket, Path root) throws Exception {
        Path source = Path.of(VolumePluginTest.class.getResource("/VolumePlugin.java").toURI());
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Files.deleteIfExists(socket);
        Process p = new ProcessBuilder(java.toString(), source.toString(), socket.toString(), root.toString())
                .redirectErrorStream(true).redirectOutput(root.resolveSibling("plugin.log").toFile()).start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (!Files.exists(socket)) {
            if (!p.isAlive() || Instant.now().isAfter(deadline)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("the plugin did not listen: " + Files.readString(root.resolveSibling("plugin.log")));
            }
            Thread.sleep(50);
        }
        return p;
    }

    private static void kill(Process p) throws InterruptedException {
        if (p != null) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static List<String> calls(Path root) throws IOException {
        Path log = root.resolve("calls.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    @Test
    void aPluginVolumeRoundTrip() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Path root = Files.createDirectories(dir.resolve("plugin/root"));
        Path socket = plugins.resolve("testplugin.sock");
        Process plugin = startPlugin(socket, root);
        try (WharfDaemon d = new WharfDaemon(dir.resolve("daemon")).start("--plugin-dir", plugins.toString())) {
            d.docker("import", "--change", "CMD [\"sh\"]", TestImages.busyboxRootfs(dir).toString(), "busybox:latest").ok();

            assertEquals("v1", d.docker("volume", "create", "-d", "testplugin", "v1").ok().out().trim());
            assertTrue(calls(root).contains("VolumeDriver.Create v1"), calls(root).toString());
            assertTrue(Files.isDirectory(root.resolve("volumes/v1")));
            assertEquals("testplugin v1\n", d.docker("volume", "ls", "--format", "{{.Driver}} {{.Name}}").ok().out());
            JsonNode v = JSON.readTree(d.docker("volume", "inspect", "v1").ok().out()).get(0);
            assertEquals("testplugin", v.path("Driver").asText());
            assertEquals(root.resolve("volumes/v1").toString(), v.path("Mountpoint").asText());
            assertEquals("test", v.path("Status").path("plugin").asText(), v.toString());
            assertTrue(d.docker("info", "--format", "{{json .Plugins.Volume}}").ok().out().contains("testplugin"));
            Cli.Result unknown = d.docker("volume", "create", "-d", "nosuchplugin", "v2");
            assertTrue(unknown.err().contains("error looking up volume plugin nosuchplugin: plugin \"nosuchplugin\" not found"),
                    unknown.toString());

            d.docker("run", "--rm", "-v", "v1:/data", "busybox", "sh", "-c", "echo through-the-plugin > /data/f").ok();
            assertEquals("through-the-plugin\n", Files.readString(root.resolve("volumes/v1/f")));
            List<String> calls = calls(root);
            assertTrue(calls.contains("VolumeDriver.Mount v1") && calls.contains("VolumeDriver.Unmount v1"), calls.toString());

            kill(plugin);
            for (String[] cmd : List.of(new String[] {"volume", "inspect", "v1"},
                    new String[] {"run", "--rm", "-v", "v1:/data", "busybox", "true"},
                    new String[] {"volume", "rm", "v1"})) {
                Cli.Result r = d.docker(cmd);
                assertNotEquals(0, r.exitCode(), r.toString());
                assertTrue(r.err().contains("driver testplugin is not available"), r.toString());
            }
            assertTrue(d.docker("volume", "ls", "-q").ok().out().contains("v1"), "still listed without its plugin");

            plugin = startPlugin(socket, root);
            assertEquals("through-the-plugin\n", d.docker("run", "--rm", "-v", "v1:/data", "busybox", "cat", "/data/f").ok().out());
            d.docker("volume", "rm", "v1").ok();
            assertTrue(calls(root).contains("VolumeDriver.Remove v1"), calls(root).toString());
            assertFalse(Files.exists(root.resolve("volumes/v1")));
            assertEquals("", d.docker("volume", "ls", "-q").ok().out());
        } finally {
            kill(plugin);
        }
    }
}
