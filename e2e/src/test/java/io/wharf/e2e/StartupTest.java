package io.wharf.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What wharfd does with its command line and daemon.json before it serves, as a user sees it. */
class StartupTest {

    private static final Duration EXIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private Cli.Result wharfd(WharfDaemon d, String... extra) throws Exception {
        List<String> args = new ArrayList<>(d.baseArgs());
        args.addAll(List.of(extra));
        return WharfDaemon.runToExit(dir.resolve("out.log"), EXIT, args.toArray(String[]::new));
    }

    @Test
    void malformedDaemonJsonNamesLineAndColumn() throws Exception {
        WharfDaemon d = new WharfDaemon(dir);
        Files.writeString(d.configFile(), "{\n  \"debug\": true\n  \"labels\": []\n}\n");
        Cli.Result r = wharfd(d);
        assertEquals(1, r.exitCode(), r.out());
        assertTrue(r.out().contains("unable to configure the Docker daemon with file " + d.configFile()
                + ": invalid JSON at line 3, column 3"), r.out());
    }

    @Test
    void directiveAsFlagAndInFileIsRefused() throws Exception {
        WharfDaemon d = new WharfDaemon(dir);
        Files.writeString(d.configFile(), "{\"debug\": false}\n");
        Cli.Result r = wharfd(d, "--debug");
        assertEquals(1, r.exitCode(), r.out());
        assertTrue(r.out().contains("the following directives are specified both as a flag and in the configuration "
                + "file: debug: (from flag: true, from file: false)"), r.out());
    }

    @Test
    void unknownKeyUnknownFlagAndBadCombinations() throws Exception {
        WharfDaemon d = new WharfDaemon(dir);
        Files.writeString(d.configFile(), "{\"debugg\": true}\n");
        Cli.Result r = wharfd(d);
        assertEquals(1, r.exitCode());
        assertTrue(r.out().contains("the following directives don't match any configuration option: debugg"), r.out());

        Files.writeString(d.configFile(), "{}\n");
        r = wharfd(d, "--frobnicate");
        assertEquals(1, r.exitCode());
        assertTrue(r.out().contains("unknown flag: --frobnicate"), r.out());

        r = wharfd(d, "--icc=false", "--iptables=false");
        assertEquals(1, r.exitCode());
        assertTrue(r.out().contains("You specified --iptables=false with --icc=false"), r.out());
    }

    @Test
    void versionAndHelp() throws Exception {
        Cli.Result v = WharfDaemon.runToExit(dir.resolve("v.log"), EXIT, "--version");
        assertEquals(0, v.exitCode());
        assertTrue(v.out().startsWith("Wharf version "), v.out());
        Cli.Result h = WharfDaemon.runToExit(dir.resolve("h.log"), EXIT, "--help");
        assertEquals(0, h.exitCode());
        assertTrue(h.out().contains("--data-root") && h.out().contains("--tlsverify"), h.out());
    }

    @Test
    void secondDaemonOnTheSamePidfileIsRefused() throws Exception {
        try (WharfDaemon first = new WharfDaemon(dir.resolve("a")).start()) {
            WharfDaemon second = new WharfDaemon(dir.resolve("b"));
            List<String> args = new ArrayList<>(second.baseArgs());
            args.set(args.indexOf("--pidfile") + 1, first.pidFile.toString());
            Files.writeString(second.configFile(), "{}");
            Cli.Result r = WharfDaemon.runToExit(dir.resolve("second.log"), EXIT, args.toArray(String[]::new));
            assertEquals(1, r.exitCode(), r.out());
            assertTrue(r.out().contains("pid file found, ensure wharfd is not running or delete " + first.pidFile), r.out());
            assertEquals(Long.toString(first.pid()), Files.readString(first.pidFile).trim(), "first daemon's pidfile kept");
            first.docker("version").ok();
        }
    }

    @Test
    void registryMirrorIsAHostAloneAtStartAndOnReload() throws Exception {
        WharfDaemon d = new WharfDaemon(dir);
        Files.writeString(d.configFile(), "{}\n");
        String withPath = "http://127.0.0.1:5000/hub";
        Cli.Result flag = wharfd(d, "--registry-mirror", withPath);
        assertEquals(1, flag.exitCode(), flag.out());
        assertTrue(flag.out().contains("invalid argument \"" + withPath + "\" for \"--registry-mirror\" flag: invalid "
                + "mirror: path, query, or fragment at end of the URI \"" + withPath + "\""), flag.out());

        Files.writeString(d.configFile(), "{\"registry-mirrors\": [\"https://bob:s3cret@mirror.example\"]}\n");
        Cli.Result file = wharfd(d);
        assertEquals(1, file.exitCode(), file.out());
        assertTrue(file.out().contains("invalid mirror: username/password not allowed in URI "
                + "\"https://bob:xxxxx@mirror.example\""), file.out());
        assertTrue(!file.out().contains("s3cret"), file.out());

        Files.writeString(d.configFile(), "{\"registry-mirrors\": [\"https://mirror.example\"]}\n");
        try (WharfDaemon running = d.start()) {
            Files.writeString(d.configFile(), "{\"registry-mirrors\": [\"https://mirror.example/hub\"]}\n");
            running.signal("HUP");
            // The log quotes its message as logrus does: the quotes in it are escaped.
            Eventually.await(Duration.ofSeconds(10), () -> running.logText().contains("invalid mirror: path, query, or "
                    + "fragment at end of the URI \\\"https://mirror.example/hub\\\""), "the reload refused");
            assertEquals("[\"https://mirror.example/\"]",
                    running.docker("info", "--format", "{{json .RegistryConfig.Mirrors}}").ok().out().trim());
        }
    }

    @Test
    void stalePidfileIsReplacedAndDirectoriesGetTheirModes() throws Exception {
        WharfDaemon d = new WharfDaemon(dir);
        Files.writeString(d.pidFile, "999999999\n");
        try (WharfDaemon running = d.start()) {
            assertEquals(Long.toString(running.pid()), Files.readString(d.pidFile).trim());
            assertEquals("rwx--x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(d.dataRoot)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d.execRoot)));
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(d.socket)));
            assertTrue(Files.isDirectory(d.dataRoot.resolve("tmp")));
        }
    }

    @Test
    void daemonIdSurvivesRestart() throws Exception {
        WharfDaemon d = new WharfDaemon(dir);
        String first;
        try (WharfDaemon running = d.start()) {
            first = running.docker("info", "--format", "{{.ID}}").ok().out().trim();
        }
        try (WharfDaemon running = d.start()) {
            assertEquals(first, running.docker("info", "--format", "{{.ID}}").ok().out().trim());
        }
    }

    @Test
    void severalHostsAtOnce() throws Exception {
        int port = FreePort.find();
        try (WharfDaemon d = new WharfDaemon(dir).start("-H", "tcp://127.0.0.1:" + port)) {
            d.docker("version").ok();
            Cli.Result tcp = Cli.docker("tcp://127.0.0.1:" + port, "info", "--format", "{{json .Warnings}}").ok();
            assertTrue(tcp.out().contains("API is accessible on http://127.0.0.1:" + port + " without encryption"), tcp.out());
            assertTrue(d.logText().contains("Binding to IP address without --tlsverify is insecure"), d.logText());
        }
    }

    @Test
    void sigtermWithAnEventsStreamOpenStopsPromptly() throws Exception {
        WharfDaemon d = new WharfDaemon(dir).start();
        ProcessBuilder pb = new ProcessBuilder("docker", "-H", "unix://" + d.socket, "events")
                .redirectErrorStream(true).redirectOutput(dir.resolve("events.out").toFile());
        pb.environment().put("DOCKER_CONFIG", dir.resolve("docker-config").toString());
        Process events = pb.start();
        try {
            for (int i = 0; i < 100 && !eventsConnected(d); i++) {
                Thread.sleep(50);
            }
            assertFalse(d.docker("info", "--format", "{{.Driver}}").ok().out().isBlank(), "a storage driver in use");
            long started = System.nanoTime();
            assertEquals(0, d.stop(), "exit status after SIGTERM");
            long seconds = (System.nanoTime() - started) / 1_000_000_000L;
            assertTrue(seconds < 10, "stopped in " + seconds + " s with a stream open");
            assertTrue(events.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "the events client saw the stream end");
            assertTrue(d.logText().contains("Daemon shutdown complete"), d.logText());
            assertFalse(d.logText().contains("level=error"), "a clean shutdown logs no error: " + d.logText());
        } finally {
            events.destroyForcibly();
        }
    }

    private static boolean eventsConnected(WharfDaemon d) throws Exception {
        UnixHttp.Response info = UnixHttp.get(d.socket, "/info");
        return info.body().contains("\"NEventsListener\":1");
    }
}
