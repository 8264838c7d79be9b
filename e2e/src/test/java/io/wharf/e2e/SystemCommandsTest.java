package io.wharf.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** docker version, info, events and the swarm commands against one running daemon. */
class SystemCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static WharfDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        daemon = new WharfDaemon(dir);
        Files.writeString(daemon.configFile(), "{\"labels\": [\"stage=e2e\"], \"debug\": false}\n");
        daemon.start("--api-cors-header", "*");
    }

    @AfterAll
    static void stop() throws Exception {
        assertEquals(0, daemon.stop(), "wharfd exits 0 on SIGTERM");
        assertTrue(Files.notExists(daemon.pidFile), "pidfile removed at shutdown");
        assertTrue(Files.notExists(daemon.socket), "socket removed at shutdown");
    }

    @Test
    void dockerVersionShowsTheEngineAndNegotiatedApi() throws Exception {
        String out = daemon.docker("version").ok().out();
        assertTrue(out.contains("Server: Wharf Engine"), out);
        assertTrue(out.matches("(?s).*API version:\\s+1\\.41 \\(minimum version 1\\.24\\).*"), out);
        assertTrue(out.matches("(?s).*API version:\\s+1\\.41 \\(downgraded from.*"), out);
        JsonNode v = JSON.readTree(daemon.docker("version", "--format", "{{json .Server}}").ok().out());
        assertEquals("Engine", v.path("Components").path(0).path("Name").asText());
        assertEquals("linux", v.path("Os").asText());
    }

    @Test
    void dockerInfoHasTheFullShape() throws Exception {
        String out = daemon.docker("info").ok().out();
        assertTrue(out.contains("Docker Root Dir: " + daemon.dataRoot), out);
        assertTrue(out.contains("Swarm: inactive"), out);
        assertTrue(out.contains("Labels:\n  stage="), out);
        JsonNode info = JSON.readTree(daemon.docker("info", "--format", "{{json .}}").ok().out());
        for (String field : new String[] { "ID", "Containers", "Images", "Driver", "DriverStatus", "Plugins", "MemTotal",
                "NCPU", "KernelVersion", "OperatingSystem", "OSType", "Architecture", "RegistryConfig", "Swarm", "Runtimes",
                "DefaultRuntime", "SecurityOptions", "CgroupDriver", "CgroupVersion", "ServerVersion", "Name",
                "LiveRestoreEnabled", "Warnings" }) {
            assertTrue(info.has(field), "info has " + field + ": " + info);
        }
        assertEquals("inactive", info.path("Swarm").path("LocalNodeState").asText());
        assertTrue(info.path("NCPU").asInt() > 0);
        assertTrue(info.path("MemTotal").asLong() > 0);
        assertEquals(Files.readString(daemon.dataRoot.resolve("engine-id")).trim(), info.path("ID").asText());
    }

    @Test
    void tooOldApiVersionIsRefusedWithDockerdsMessage() throws Exception {
        Cli.Result r = Cli.dockerWithEnv(Map.of("DOCKER_API_VERSION", "1.23"), "unix://" + daemon.socket, "version");
        assertNotEquals(0, r.exitCode());
        assertTrue(r.err().contains("client version 1.23 is too old. Minimum supported API version is 1.24"), r.err());
        UnixHttp.Response tooNew = UnixHttp.get(daemon.socket, "/v1.99/version");
        assertEquals(400, tooNew.status());
        assertTrue(tooNew.body().contains("client version 1.99 is too new. Maximum supported API version is 1.41"));
    }

    @Test
    void pingCarriesVersionAndCorsHeaders() throws Exception {
        UnixHttp.Response ping = UnixHttp.request(daemon.socket, "HEAD", "/_ping", Map.of());
        assertEquals(200, ping.status());
        assertEquals("1.41", ping.header("Api-Version"));
        assertEquals("linux", ping.header("Ostype"));
        assertEquals("no-cache, no-store, must-revalidate", ping.header("Cache-Control"));
        assertEquals("*", ping.header("Access-Control-Allow-Origin"));
        assertEquals("OK", UnixHttp.get(daemon.socket, "/v1.24/_ping").body());
        UnixHttp.Response missing = UnixHttp.get(daemon.socket, "/v1.41/no/such/route");
        assertEquals(404, missing.status());
        assertEquals("{\"message\":\"page not found\"}", missing.body().trim());
    }

    @Test
    void eventsBetweenSinceAndUntilShowTheReload() throws Exception {
        Instant before = Instant.now().minusSeconds(1);
        Files.writeString(daemon.configFile(), "{\"labels\": [\"stage=reloaded\"], \"debug\": false}\n");
        daemon.signal("HUP");
        String info = "";
        for (int i = 0; i < 100 && !info.contains("stage=reloaded"); i++) {
            Thread.sleep(100);
            info = daemon.docker("info", "--format", "{{json .Labels}}").ok().out();
        }
        assertTrue(info.contains("stage=reloaded"), "labels reloaded on SIGHUP: " + info);
        Instant after = Instant.now().plusSeconds(1);
        Thread.sleep(1100);
        String events = daemon.docker("system", "events", "--since", Long.toString(before.getEpochSecond()),
                "--until", Long.toString(after.getEpochSecond()), "--filter", "type=daemon").ok().out();
        assertTrue(events.contains("daemon reload"), events);
        assertTrue(events.contains("stage=reloaded"), events);
        String none = daemon.docker("system", "events", "--since", Long.toString(before.getEpochSecond()),
                "--until", Long.toString(after.getEpochSecond()), "--filter", "type=container").ok().out();
        assertEquals("", none.trim());
    }

    @Test
    void badConfigOnReloadKeepsTheRunningOne() throws Exception {
        String before = daemon.docker("info", "--format", "{{json .Labels}}").ok().out();
        Files.writeString(daemon.configFile(), "{\"labels\": [\"stage=broken\"],,}\n");
        daemon.signal("HUP");
        String log = "";
        for (int i = 0; i < 100 && !log.contains("Error reloading the configuration"); i++) {
            Thread.sleep(100);
            log = daemon.logText();
        }
        assertTrue(log.contains("Error reloading the configuration, keeping the current one"), log);
        assertEquals(before, daemon.docker("info", "--format", "{{json .Labels}}").ok().out());
        Files.writeString(daemon.configFile(), "{\"labels\": [\"stage=e2e\"], \"debug\": false}\n");
    }

    @Test
    void swarmCommandsAnswerAsOutsideASwarm() throws Exception {
        Cli.Result r = daemon.docker("node", "ls");
        assertNotEquals(0, r.exitCode());
        assertTrue(r.err().contains("This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\""),
                r.err());
        Cli.Result leave = daemon.docker("swarm", "leave");
        assertTrue(leave.err().contains("This node is not part of a swarm"), leave.err());
    }

    @Test
    void threadDumpOnSigusr1() throws Exception {
        daemon.signal("USR1");
        Path dump = null;
        for (int i = 0; i < 100 && dump == null; i++) {
            Thread.sleep(100);
            try (var files = Files.list(daemon.execRoot)) {
                dump = files.filter(p -> p.getFileName().toString().startsWith("thread-dump-")).findFirst().orElse(null);
            }
        }
        assertTrue(dump != null, "a thread dump under the exec root");
        assertTrue(Files.readString(dump).contains("\"api-"), "the dump lists the API threads");
        assertTrue(daemon.logText().contains("thread dump written to " + dump));
    }
}
