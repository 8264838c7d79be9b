package io.wharf.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The daemon's containerd: its own child with config and state under the daemon's roots, shown by
 * docker version and info with the installed versions, restarted when it dies, stopped with the
 * daemon; or, with --containerd, one that the test runs.
 */
class ContainerdTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void daemonStartsRestartsAndStopsItsOwnContainerd() throws Exception {
        WharfDaemon d = new WharfDaemon(dir);
        Path state = d.execRoot.resolve("containerd");
        long first;
        long second;
        try (WharfDaemon running = d.start()) {
            String toml = Files.readString(state.resolve("containerd.toml"));
            assertTrue(toml.contains("version = 2\n"), toml);
            assertTrue(toml.contains("root = \"" + d.dataRoot.resolve("containerd/daemon") + "\"\n"), toml);
            assertTrue(toml.contains("state = \"" + state.resolve("daemon") + "\"\n"), toml);
            assertTrue(toml.contains("address = \"" + state.resolve("containerd.sock") + "\"\n"), toml);
            assertTrue(toml.contains("disabled_plugins = [\"io.containerd.grpc.v1.cri\"]"), toml);

            first = containerdPid(state);
            ProcessHandle containerd = ProcessHandle.of(first).orElseThrow();
            assertEquals(running.pid(), containerd.parent().map(ProcessHandle::pid).orElse(-1L),
                    "containerd is the daemon's child");
            assertEquals(List.of("--config", state.resolve("containerd.toml").toString()),
                    List.of(containerd.info().arguments().orElseThrow()).subList(0, 2));
            assertTrue(Files.exists(state.resolve("containerd.sock")));
            assertVersionsShown(running);
            assertInfoShowsCommitsAndRuntimes(running);

            // A containerd that dies is started again, and the daemon goes on answering.
            Cli.run(Map.of(), List.of("kill", "-KILL", Long.toString(first))).ok();
            Eventually.await(Duration.ofSeconds(20), () -> {
                Optional<Long> pid = readPid(state);
                return pid.isPresent() && pid.get() != first && alive(pid.get())
                        && running.logText().contains("containerd restarted (pid " + pid.get() + ")");
            }, "containerd restarted");
            second = containerdPid(state);
            assertNotEquals(first, second);
            assertFalse(alive(first));
            assertEquals(running.pid(), ProcessHandle.of(second).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)
                    .orElse(-1L));
            assertTrue(running.logText().contains("containerd (pid " + first + ") exited with status 137; restarting it"),
                    running.logText());
            assertVersionsShown(running);
        }
        assertFalse(alive(second), "containerd stops with the daemon");
        assertFalse(Files.exists(state.resolve("containerd.pid")));
    }

    @Test
    void killedDaemonTakesItsContainerdAlong() throws Exception {
        WharfDaemon d = new WharfDaemon(dir);
        long containerd;
        try (WharfDaemon running = d.start()) {
            containerd = containerdPid(d.execRoot.resolve("containerd"));
            running.kill();
        }
        // dockerd's Pdeathsig: no containerd is left behind by a daemon that did not stop cleanly.
        Eventually.await(Duration.ofSeconds(10), () -> !alive(containerd), "containerd gone after the daemon's SIGKILL");
    }

    @Test
    void containerdFlagUsesOneThatIsRunning() throws Exception {
        Path own = dir.resolve("containerd");
        Files.createDirectories(own);
        Path socket = own.resolve("c.sock");
        Path config = own.resolve("config.toml");
        Files.writeString(config, "version = 2\nroot = \"" + own.resolve("root") + "\"\nstate = \"" + own.resolve("state")
                + "\"\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n[grpc]\n  address = \"" + socket + "\"\n");
        Process containerd = new ProcessBuilder("containerd", "--config", config.toString()).redirectErrorStream(true)
                .redirectOutput(own.resolve("containerd.log").toFile()).start();
        try {
            Eventually.await(Duration.ofSeconds(15), () -> Files.exists(socket), "the test's containerd serves");
            WharfDaemon d = new WharfDaemon(dir.resolve("daemon"));
            try (WharfDaemon running = d.start("--containerd", socket.toString())) {
                assertVersionsShown(running);
                assertTrue(running.logText().contains("using containerd"), running.logText());
                assertFalse(Files.exists(d.execRoot.resolve("containerd/containerd.toml")), "no containerd of its own");
            }
            assertTrue(containerd.isAlive(), "the daemon leaves a containerd it did not start running");
        } finally {
            containerd.destroy();
            if (!containerd.waitFor(15, TimeUnit.SECONDS)) {
                containerd.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void containerdThatDoesNotAnswerFailsTheStart() throws Exception {
        WharfDaemon d = new WharfDaemon(dir);
        Files.writeString(d.configFile(), "{}\n");
        List<String> args = new ArrayList<>(d.baseArgs());
        args.addAll(List.of("--containerd", dir.resolve("nobody.sock").toString()));
        Cli.Result r = WharfDaemon.runToExit(dir.resolve("out.log"), Duration.ofSeconds(90), args.toArray(String[]::new));
        assertEquals(1, r.exitCode(), r.out());
        assertTrue(r.out().contains("failed to start daemon: failed to dial \"" + dir.resolve("nobody.sock")
                + "\": containerd did not answer within 15 s"), r.out());
    }

    /** docker version lists containerd and runc with what the installed binaries say of themselves. */
    private static void assertVersionsShown(WharfDaemon daemon) throws Exception {
        // "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3"
        String[] containerd = Cli.run(Map.of(), List.of("containerd", "--version")).ok().out().trim().split("\\s+");
        String[] runc = runcVersion();
        JsonNode components = JSON.readTree(daemon.docker("version", "--format", "{{json .Server.Components}}").ok().out());
        assertEquals(3, components.size(), components.toString());
        assertEquals("Engine", components.path(0).path("Name").asText());
        assertEquals("containerd", components.path(1).path("Name").asText());
        assertEquals(containerd[2], components.path(1).path("Version").asText());
        assertEquals(containerd[3], components.path(1).path("Details").path("GitCommit").asText());
        assertEquals("runc", components.path(2).path("Name").asText());
        assertEquals(runc[0], components.path(2).path("Version").asText());
        assertEquals(runc[1], components.path(2).path("Details").path("GitCommit").asText());
        String text = daemon.docker("version").ok().out();
        assertTrue(text.matches("(?s).*\n containerd:\n  Version:\\s+" + java.util.regex.Pattern.quote(containerd[2])
                + "\n.*\n runc:\n  Version:\\s+" + java.util.regex.Pattern.quote(runc[0]) + "\n.*"), text);
    }

    private static void assertInfoShowsCommitsAndRuntimes(WharfDaemon daemon) throws Exception {
        String[] containerd = Cli.run(Map.of(), List.of("containerd", "--version")).ok().out().trim().split("\\s+");
        JsonNode info = JSON.readTree(daemon.docker("info", "--format", "{{json .}}").ok().out());
        assertEquals(containerd[3], info.path("ContainerdCommit").path("ID").asText());
        assertEquals(runcVersion()[1], info.path("RuncCommit").path("ID").asText());
        assertEquals("runc", info.path("DefaultRuntime").asText());
        assertEquals("runc", info.path("Runtimes").path("runc").path("path").asText(), info.path("Runtimes").toString());
        String text = daemon.docker("info").ok().out();
        assertTrue(text.contains("containerd version: " + containerd[3]), text);
        assertTrue(text.contains("Default Runtime: runc"), text);
    }

    /** runc's version and commit from "runc version X" and "commit: Y". */
    private static String[] runcVersion() throws Exception {
        String version = "";
        String commit = "";
        for (String line : Cli.run(Map.of(), List.of("runc", "--version")).ok().out().split("\n")) {
            if (line.startsWith("runc version ")) {
                version = line.substring("runc version ".length()).trim();
            } else if (line.startsWith("commit: ")) {
                commit = line.substring("commit: ".length()).trim();
            }
        }
        return new String[] { version, commit };
    }

    private static long containerdPid(Path state) throws Exception {
        return readPid(state).orElseThrow(() -> new AssertionError("no " + state.resolve("containerd.pid")));
    }

    private static Optional<Long> readPid(Path state) {
        try {
            return Optional.of(Long.parseLong(Files.readString(state.resolve("containerd.pid")).trim()));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

}
