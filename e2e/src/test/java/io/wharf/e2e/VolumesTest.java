package io.wharf.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * docker volume create, ls, inspect, rm and prune with the "local" driver, and volumes surviving a
 * daemon killed with kill -9, also in the middle of a remove. Containers using volumes come with the
 * container integration.
 */
class VolumesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static WharfDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        daemon = new WharfDaemon(dir).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null) {
            daemon.docker("volume", "prune", "-f");
            assertEquals(0, daemon.stop(), "wharfd exits 0 on SIGTERM");
        }
    }

    /** Each test starts without volumes. */
    @BeforeEach
    void removeAll() throws Exception {
        for (String name : names("volume", "ls", "-q")) {
            daemon.docker("volume", "rm", "-f", name).ok();
        }
    }

    private static List<String> names(String... args) throws Exception {
        String out = daemon.docker(args).ok().out().trim();
        return out.isEmpty() ? List.of() : Arrays.stream(out.split("\n")).sorted().toList();
    }

    private static JsonNode inspect(String name) throws Exception {
        return JSON.readTree(daemon.docker("volume", "inspect", name).ok().out()).get(0);
    }

    @Test
    void createInspectListAndRemoveANamedVolume() throws Exception {
        assertEquals("data", daemon.docker("volume", "create", "--label", "team=a", "data").ok().out().trim());
        JsonNode v = inspect("data");
        assertEquals("data", v.path("Name").asText());
        assertEquals("local", v.path("Driver").asText());
        assertEquals(daemon.dataRoot.resolve("volumes/data/_data").toString(), v.path("Mountpoint").asText());
        assertEquals("a", v.path("Labels").path("team").asText());
        assertEquals("local", v.path("Scope").asText());
        assertTrue(v.path("Options").isObject() && v.path("Options").isEmpty(), v.toString());
        assertTrue(v.path("CreatedAt").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(Z|[+-]\\d\\d:\\d\\d)"), v.toString());
        assertFalse(v.has("UsageData"), "UsageData is for system df only");
        assertTrue(Files.isDirectory(daemon.dataRoot.resolve("volumes/data/_data")));

        // the same name again is the same volume
        assertEquals("data", daemon.docker("volume", "create", "data").ok().out().trim());
        assertEquals(List.of("data"), names("volume", "ls", "-q"));
        String ls = daemon.docker("volume", "ls").ok().out();
        assertTrue(ls.matches("(?s)DRIVER\\s+VOLUME NAME\\s*\nlocal\\s+data\\s*\n"), ls);

        daemon.docker("volume", "rm", "data").ok();
        assertTrue(Files.notExists(daemon.dataRoot.resolve("volumes/data")));
        Cli.Result missing = daemon.docker("volume", "inspect", "data");
        assertNotEquals(0, missing.exitCode());
        assertTrue(missing.err().contains("get data: no such volume"), missing.err());
        Cli.Result rm = daemon.docker("volume", "rm", "data");
        assertTrue(rm.err().contains("get data: no such volume"), rm.err());
        daemon.docker("volume", "rm", "-f", "data").ok();
    }

    @Test
    void optionsAndDriversAreCheckedAtCreate() throws Exception {
        Cli.Result bad = daemon.docker("volume", "create", "-o", "foo=bar", "v1");
        assertNotEquals(0, bad.exitCode());
        assertTrue(bad.err().contains("create v1: invalid option: \"foo\""), bad.err());
        Cli.Result missing = daemon.docker("volume", "create", "-o", "type=tmpfs", "v1");
        assertTrue(missing.err().contains("missing required option: \"device\""), missing.err());
        Cli.Result noDriver = daemon.docker("volume", "create", "-d", "nope", "v1");
        assertTrue(noDriver.err().contains("plugin \"nope\" not found"), noDriver.err());
        Cli.Result shortName = daemon.docker("volume", "create", "x");
        assertTrue(shortName.err().contains("volume name is too short"), shortName.err());
        assertEquals(List.of(), names("volume", "ls", "-q"));
    }

    @Test
    void aTmpfsVolumeKeepsItsOptions() throws Exception {
        daemon.docker("volume", "create", "-d", "local", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=1m", "tv")
                .ok();
        JsonNode v = inspect("tv");
        assertEquals("tmpfs", v.path("Options").path("type").asText());
        assertEquals("tmpfs", v.path("Options").path("device").asText());
        assertEquals("size=1m", v.path("Options").path("o").asText());
        assertTrue(Files.readString(daemon.dataRoot.resolve("volumes/tv/opts.json")).contains("size=1m"));
        assertEquals(0, HostMounts.at(daemon.dataRoot.resolve("volumes/tv/_data")), "mounted only when a container uses it");
        Cli.Result badSize = daemon.docker("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=huge", "tv2");
        assertTrue(badSize.err().contains("size must be"), badSize.err());
    }

    @Test
    void listFilters() throws Exception {
        daemon.docker("volume", "create", "--label", "env=prod", "alpha").ok();
        daemon.docker("volume", "create", "--label", "env=dev", "beta").ok();
        String anon = daemon.docker("volume", "create").ok().out().trim();
        assertTrue(anon.matches("[0-9a-f]{64}"), anon);
        assertTrue(inspect(anon).path("Labels").has("com.docker.volume.anonymous"));
        assertEquals(List.of("alpha"), names("volume", "ls", "-q", "--filter", "label=env=prod"));
        assertEquals(List.of("alpha", "beta"), names("volume", "ls", "-q", "--filter", "label=env"));
        assertEquals(List.of("alpha"), names("volume", "ls", "-q", "--filter", "name=alp"));
        assertEquals(List.of(anon, "alpha", "beta").stream().sorted().toList(),
                names("volume", "ls", "-q", "--filter", "driver=local"));
        assertEquals(List.of(anon, "alpha", "beta").stream().sorted().toList(),
                names("volume", "ls", "-q", "--filter", "dangling=true"));
        assertEquals(List.of(), names("volume", "ls", "-q", "--filter", "dangling=false"));
        assertEquals(List.of(), names("volume", "ls", "-q", "--filter", "driver=other"));
        Cli.Result bad = daemon.docker("volume", "ls", "--filter", "colour=red");
        assertTrue(bad.err().contains("invalid filter 'colour'"), bad.err());
    }

    @Test
    void pruneWithLabelFiltersAndWithoutAtThisApiVersionTakesAllUnusedLocalVolumes() throws Exception {
        daemon.docker("volume", "create", "--label", "keep=yes", "kept").ok();
        daemon.docker("volume", "create", "named").ok();
        String anon = daemon.docker("volume", "create").ok().out().trim();
        daemon.docker("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "withopts").ok();
        Files.write(daemon.dataRoot.resolve("volumes/named/_data/blob"), new byte[4096]);

        String out = daemon.docker("volume", "prune", "-f", "--filter", "label!=keep").ok().out();
        assertTrue(out.contains("Deleted Volumes:"), out);
        assertTrue(out.contains("named") && out.contains(anon), out);
        assertTrue(out.contains("Total reclaimed space: 4.096kB"), out);
        // API 1.41 (this daemon's) prunes named volumes too, as dockerd does for clients before 1.42;
        // volumes with driver options are never pruned
        assertEquals(List.of("kept", "withopts"), names("volume", "ls", "-q"));
        daemon.docker("volume", "prune", "-f", "--filter", "label=keep=yes").ok();
        assertEquals(List.of("withopts"), names("volume", "ls", "-q"));
    }

    @Test
    void systemDfCountsLocalVolumes() throws Exception {
        daemon.docker("volume", "create", "dfvol").ok();
        Files.write(daemon.dataRoot.resolve("volumes/dfvol/_data/blob"), new byte[10_000]);
        String verbose = daemon.docker("system", "df", "-v").ok().out();
        assertTrue(verbose.matches("(?s).*Local Volumes space usage:\\s*\n\\s*VOLUME NAME\\s+LINKS\\s+SIZE\\s*\ndfvol\\s+0\\s+10kB.*"),
                verbose);
        String df = daemon.docker("system", "df").ok().out();
        assertTrue(df.matches("(?s).*Local Volumes\\s+1\\s+0\\s+10kB.*"), df);
    }

    @Test
    void infoListsTheLocalDriver() throws Exception {
        assertEquals("[\"local\"]", daemon.docker("info", "--format", "{{json .Plugins.Volume}}").ok().out().trim());
    }

    @Test
    void volumesSurviveKillMinus9() throws Exception {
        daemon.docker("volume", "create", "--label", "a=b", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=1m", "k1")
                .ok();
        daemon.docker("volume", "create", "k2").ok();
        String anon = daemon.docker("volume", "create").ok().out().trim();
        Files.writeString(daemon.dataRoot.resolve("volumes/k2/_data/file"), "still here");
        JsonNode before = inspect("k1");

        daemon.kill();
        daemon = new WharfDaemon(dir).start();

        assertEquals(List.of(anon, "k1", "k2").stream().sorted().toList(), names("volume", "ls", "-q"));
        JsonNode after = inspect("k1");
        assertEquals(before, after);
        assertEquals("still here", Files.readString(daemon.dataRoot.resolve("volumes/k2/_data/file")));
        assertTrue(inspect(anon).path("Labels").has("com.docker.volume.anonymous"));
    }

    @Test
    void aRemoveCutShortByKillMinus9LeavesTheVolumeWholeOrGone() throws Exception {
        daemon.docker("volume", "create", "doomed").ok();
        Path volume = daemon.dataRoot.resolve("volumes/doomed");
        // 20000 files in 100 directories: deleting them takes a while.
        for (int i = 0; i < 100; i++) {
            Path sub = Files.createDirectory(volume.resolve("_data/d" + i));
            for (int j = 0; j < 200; j++) {
                Files.writeString(sub.resolve("f" + j), "x");
            }
        }

        // Killed as soon as the volume's directory left its place: mid-delete, unless the remove is quicker than this poll.
        var rm = daemon.dockerAsync("volume", "rm", "doomed");
        Eventually.await(Duration.ofSeconds(30), () -> !Files.exists(volume) || rm.isDone(), "the remove began");
        daemon.kill();
        rm.join();
        daemon = new WharfDaemon(dir).start();

        if (names("volume", "ls", "-q").contains("doomed")) {
            assertEquals(volume + "/_data", inspect("doomed").path("Mountpoint").asText());
            try (var files = Files.walk(volume.resolve("_data"))) {
                assertEquals(20000, files.filter(Files::isRegularFile).count(), "listed, so whole");
            }
            daemon.docker("volume", "rm", "doomed").ok();
        } else {
            Cli.Result inspected = daemon.docker("volume", "inspect", "doomed");
            assertTrue(inspected.exitCode() != 0 && inspected.err().contains("no such volume"), inspected.toString());
            Cli.Result removed = daemon.docker("volume", "rm", "doomed");
            assertTrue(removed.exitCode() != 0 && removed.err().contains("no such volume"), removed.toString());
        }
        try (var left = Files.list(daemon.dataRoot.resolve("volumes"))) {
            assertEquals(List.of("_metadata"), left.map(p -> p.getFileName().toString()).toList(),
                    "nothing left of the volume, nor of the half-done remove");
        }
        daemon.docker("volume", "create", "doomed").ok();
        try (var entries = Files.list(volume.resolve("_data"))) {
            assertEquals(0, entries.count(), "made anew, empty");
        }
    }
}
