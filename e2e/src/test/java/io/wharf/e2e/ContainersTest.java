package io.wharf.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Containers as `docker run` users know them, through the real docker CLI against the built
 * daemon with its own containerd and runc, on busybox-static imported as busybox:latest.
 */
class ContainersTest {

    @TempDir
    Path dir;

    /** Starts a daemon with {@code flags} and imports the test's busybox image as busybox:latest. */
    private WharfDaemon daemonWithBusybox(String... flags) throws Exception {
        return withBusybox(new WharfDaemon(dir).start(flags));
    }

    private WharfDaemon withBusybox(WharfDaemon d) throws Exception {
        d.docker("import", "--change", "CMD [\"sh\"]", TestImages.fullBusyboxRootfs(dir).toString(), "busybox:latest").ok();
        return d;
    }

    private static String quiet(WharfDaemon d, String... args) {
        try {
            return d.docker(args).out().trim();
        } catch (Exception e) {
            return "";
        }
    }

    @Test
    void runPrintsOutputExitCodesAndRemovesWithRm() throws Exception {
        try (WharfDaemon d = daemonWithBusybox()) {
            Cli.Result hello = d.docker("run", "--rm", "busybox", "echo", "hello").ok();
            assertEquals("hello\n", hello.out());
            assertEquals("x\n", d.docker("run", "--rm", "--entrypoint", "", "busybox", "echo", "x").ok().out(),
                    "--entrypoint \"\" runs the command alone");
            assertEquals("", d.docker("ps", "-aq").ok().out(), "--rm removed the container");

            Cli.Result failed = d.docker("run", "--name", "fails", "busybox", "sh", "-c", "echo oops >&2; exit 3");
            assertEquals(3, failed.exitCode(), failed.toString());
            assertTrue(failed.err().contains("oops"), failed.err());
            assertEquals("exited 3", d.inspect("{{.State.Status}} {{.State.ExitCode}}", "fails"));
            assertTrue(d.docker("ps", "-a", "--format", "{{.Names}} {{.Status}}").ok().out().contains("fails Exited (3)"));

            Cli.Result piped = Cli.run(Map.of(), List.of("docker", "-H", "unix://" + d.socket, "run", "-i", "--rm",
                    "busybox", "sh", "-c", "cat; echo end"), "from stdin\n".getBytes(StandardCharsets.UTF_8)).ok();
            assertEquals("from stdin\nend\n", piped.out());

            Cli.Result missing = d.docker("run", "--rm", "--pull", "never", "nosuchimage:1", "true");
            assertNotEquals(0, missing.exitCode());
            assertTrue(missing.err().contains("No such image: nosuchimage:1"), missing.err());
            Cli.Result conflict = d.docker("create", "--name", "fails", "busybox");
            assertTrue(conflict.err().contains("Conflict. The container name \"/fails\" is already in use"), conflict.err());
            d.docker("rm", "fails").ok();
        }
    }

    @Test
    void aCommandThatCannotRunExitsWithDockerdsCodes() throws Exception {
        try (WharfDaemon d = daemonWithBusybox()) {
            Cli.Result notFound = d.docker("run", "--rm", "busybox", "nosuchcmd");
            assertEquals(127, notFound.exitCode(), notFound.toString());
            assertTrue(notFound.err().contains("exec: \"nosuchcmd\": executable file not found in $PATH"), notFound.err());
            assertFalse(notFound.err().contains("Error waiting for container"),
                    "the removal of the --rm container ends its wait without an error: " + notFound.err());
            assertEquals("", d.docker("ps", "-aq").ok().out(), "--rm removed the container that did not start");

            Cli.Result notExecutable = d.docker("run", "--name", "passwd", "busybox", "/etc/passwd");
            assertEquals(126, notExecutable.exitCode(), notExecutable.toString());
            assertEquals("created 126", d.inspect("{{.State.Status}} {{.State.ExitCode}}", "passwd"));
            UnixHttp.Response start = UnixHttp.request(d.socket, "POST", "/v1.41/containers/passwd/start", Map.of());
            assertEquals(400, start.status(), "a command that cannot run is the caller's mistake");
            assertEquals("126\n", d.docker("wait", "passwd").ok().out());

            Path file = Files.writeString(dir.resolve("a-file"), "x");
            Cli.Result fileOntoDirectory = d.docker("run", "--name", "file-on-dir", "-v", file + ":/etc", "busybox", "true");
            assertTrue(fileOntoDirectory.err().contains("Are you trying to mount a directory onto a file (or vice-versa)?"),
                    fileOntoDirectory.err());
            assertEquals("127", d.inspect("{{.State.ExitCode}}", "file-on-dir"));
        }
    }

    @Test
    void refusedRequestsHaveDockerdsStatusesAndWords() throws Exception {
        try (WharfDaemon d = daemonWithBusybox()) {
            // docker run pulls the image on a 404 from create: whatever else is missing is a 400.
            for (String hostConfig : List.of("{'NetworkMode':'nosuchnet'}", "{'NetworkMode':'container:nosuch'}",
                    "{'NetworkMode':'none','PidMode':'container:nosuch'}", "{'NetworkMode':'none','IpcMode':'container:nosuch'}",
                    "{'NetworkMode':'none','VolumesFrom':['nosuch']}", "{'NetworkMode':'none','Links':['nosuch:db']}")) {
                String body = ("{'Image':'busybox','Cmd':['true'],'HostConfig':" + hostConfig + "}").replace('\'', '"');
                UnixHttp.Response r = UnixHttp.request(d.socket, "POST", "/v1.41/containers/create",
                        Map.of("Content-Type", "application/json"), body.getBytes(StandardCharsets.UTF_8));
                assertEquals(400, r.status(), hostConfig + ": " + r.body());
                assertTrue(r.body().contains("nosuch"), r.body());
            }
            UnixHttp.Response image = UnixHttp.request(d.socket, "POST", "/v1.41/containers/create",
                    Map.of("Content-Type", "application/json"), "{\"Image\":\"nosuchimage\"}".getBytes(StandardCharsets.UTF_8));
            assertEquals(404, image.status(), image.body());
            Cli.Result twoNetworks = d.docker("create", "--network", "none", "--network", "host", "busybox", "true");
            assertTrue(twoNetworks.err().contains("Container cannot be connected to network endpoints: "), twoNetworks.toString());
            UnixHttp.Response badType = UnixHttp.request(d.socket, "POST", "/v1.41/containers/create",
                    Map.of("Content-Type", "application/json"),
                    "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"Memory\":\"lots\"}}".getBytes(StandardCharsets.UTF_8));
            assertEquals(400, badType.status(), badType.body());
            assertTrue(badType.body().contains("invalid JSON: Memory: expected a number"), badType.body());
            assertEquals("", d.docker("ps", "-aq").ok().out(), "no container was left by the refused creates");
            // moby's StrSlice: a command given as one string.
            UnixHttp.Response oneString = UnixHttp.request(d.socket, "POST", "/v1.41/containers/create?name=one-string",
                    Map.of("Content-Type", "application/json"),
                    "{\"Image\":\"busybox\",\"Cmd\":\"true\",\"HostConfig\":{\"NetworkMode\":\"none\"}}".getBytes(StandardCharsets.UTF_8));
            assertEquals(201, oneString.status(), oneString.body());
            assertEquals("[\"true\"]", d.inspect("{{json .Config.Cmd}}", "one-string"));

            assertEquals(400, UnixHttp.get(d.socket, "/v1.41/containers/json?limit=abc").status());
            UnixHttp.Response noStream = UnixHttp.get(d.socket, "/v1.41/containers/one-string/logs");
            assertEquals(400, noStream.status(), noStream.body());
            assertTrue(noStream.body().contains("Bad parameters: you must choose at least one stream"), noStream.body());
            UnixHttp.Response notAnObject = UnixHttp.request(d.socket, "POST", "/v1.41/containers/one-string/update",
                    Map.of("Content-Type", "application/json"), "[1]".getBytes(StandardCharsets.UTF_8));
            assertEquals(400, notAnObject.status(), notAnObject.body());
            Cli.Result badName = d.docker("rename", "one-string", "bad/name");
            assertTrue(badName.err().contains("Error when allocating new name: Invalid container name (bad/name)"), badName.err());
        }
    }

    @Test
    void aBuildRewritingTheRuntimeInPlaceLeavesARunningDaemonWhole() throws Exception {
        WharfDaemon fresh = new WharfDaemon(dir);
        Path bundles = fresh.withCopiedRuntime();
        try (WharfDaemon d = withBusybox(fresh.start())) {
            d.docker("run", "-d", "--name", "long", "busybox", "sleep", "60").ok();
            // What a rebuild does to the jars a daemon was started from: rewritten where they are.
            try (var jars = Files.list(bundles)) {
                for (Path jar : jars.toList()) {
                    try (FileChannel ch = FileChannel.open(jar, StandardOpenOption.WRITE)) {
                        ch.write(ByteBuffer.allocate((int) ch.size()), 0);
                    }
                }
            }
            // Paths whose classes the daemon had not loaded yet.
            d.docker("cp", "long:/etc/passwd", dir.resolve("passwd").toString()).ok();
            d.docker("commit", "long", "snapshot:1").ok();
            d.docker("top", "long").ok();
            d.docker("stats", "--no-stream", "long").ok();
            assertEquals(0, d.stop(), "exit status after SIGTERM");
            assertTrue(d.logText().contains("Daemon shutdown complete"), d.logText());
            assertFalse(d.logText().contains("level=error"), d.logText());
        }
    }

    @Test
    void detachedContainerLifecycle() throws Exception {
        try (WharfDaemon d = daemonWithBusybox()) {
            String id = d.docker("run", "-d", "--name", "web", "busybox", "sh", "-c",
                    "echo started; trap 'echo bye; exit 0' TERM; while true; do sleep 0.1; done").ok().out().trim();
            assertEquals(64, id.length());
            assertTrue(d.docker("ps", "--format", "{{.ID}} {{.Names}} {{.Status}}").ok().out()
                    .startsWith(id.substring(0, 12) + " web Up"));
            Eventually.await(Duration.ofSeconds(10), () -> quiet(d, "logs", "web").contains("started"), "logs show the output");

            assertEquals("hi\n", d.docker("exec", "web", "echo", "hi").ok().out());
            assertEquals(7, d.docker("exec", "web", "sh", "-c", "exit 7").exitCode());
            assertEquals("null", d.inspect("{{json .ExecIDs}}", "web"), "execs that ended are not listed, as with dockerd");
            assertTrue(d.docker("top", "web").ok().out().contains("while true"));
            Cli.Result badPs = d.docker("top", "web", "--nope");
            assertTrue(badPs.err().contains("Error response from daemon: ps: error: unknown gnu long option\n"), badPs.toString());

            d.docker("pause", "web").ok();
            assertEquals("paused", d.inspect("{{.State.Status}}", "web"));
            assertTrue(d.docker("ps", "--format", "{{.Status}}").ok().out().contains("(Paused)"));
            d.docker("unpause", "web").ok();
            assertEquals("running", d.inspect("{{.State.Status}}", "web"));

            String stats = d.docker("stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}} {{.PIDs}}", "web").ok().out();
            assertTrue(stats.startsWith("web "), stats);
            assertFalse(stats.contains(" 0B /"), stats);

            d.docker("rename", "web", "web2").ok();
            d.docker("create", "--name", "other", "busybox", "true").ok();
            Cli.Result taken = d.docker("rename", "web2", "other");
            assertTrue(taken.err().contains("Error when allocating new name: Conflict. The container name \"/other\" is already in use"),
                    taken.err());
            d.docker("rm", "other").ok();
            long beforeStop = System.currentTimeMillis() / 1000;
            long t0 = System.nanoTime();
            d.docker("stop", "-t", "5", "web2").ok();
            assertTrue(Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 5, "stop returned before its timeout");
            assertEquals("0\n", d.docker("wait", "web2").ok().out());
            assertTrue(d.docker("logs", "web2").ok().out().contains("bye"));
            String stopEvents = d.docker("events", "--since", Long.toString(beforeStop), "--until",
                    Long.toString(System.currentTimeMillis() / 1000 + 1), "--filter", "container=web2",
                    "--format", "{{.Action}} {{.Actor.Attributes.signal}}").ok().out();
            assertTrue(stopEvents.contains("kill 15\ndie <no value>\nstop <no value>\n"), "stop's events as dockerd's: " + stopEvents);

            d.docker("start", "web2").ok();
            assertEquals("true", d.inspect("{{.State.Running}}", "web2"));
            String pidBefore = d.inspect("{{.State.Pid}}", "web2");
            d.docker("restart", "-t", "2", "web2").ok();
            assertEquals("true", d.inspect("{{.State.Running}}", "web2"));
            assertNotEquals(pidBefore, d.inspect("{{.State.Pid}}", "web2"), "restart runs a new process");
            // exec -d runs in the background; its effect shows up afterwards.
            d.docker("exec", "-d", "web2", "sh", "-c", "sleep 0.3; echo done > /tmp/bg").ok();
            Eventually.await(Duration.ofSeconds(10), () -> quiet(d, "exec", "web2", "cat", "/tmp/bg").equals("done"), "exec -d ran");
            d.docker("kill", "-s", "KILL", "web2").ok();
            assertEquals("137\n", d.docker("wait", "web2").ok().out());
            assertEquals("exited 137", d.inspect("{{.State.Status}} {{.State.ExitCode}}", "web2"));

            // A process that ignores SIGTERM is killed once the stop timeout passes.
            d.docker("run", "-d", "--name", "stubborn", "busybox", "sh", "-c", "trap '' TERM; while true; do sleep 0.1; done").ok();
            t0 = System.nanoTime();
            d.docker("stop", "-t", "1", "stubborn").ok();
            long took = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            assertTrue(took >= 900 && took < 8000, "stop took " + took + " ms");
            assertEquals("137", d.inspect("{{.State.ExitCode}}", "stubborn"));

            d.docker("rm", "web2", "stubborn").ok();
            assertEquals("", d.docker("ps", "-aq").ok().out());
        }
    }

    @Test
    void listFiltersLogsPruneAndExport() throws Exception {
        try (WharfDaemon d = daemonWithBusybox()) {
            d.docker("run", "--name", "zero", "--label", "team=a", "busybox", "sh", "-c",
                    "for i in 1 2 3 4 5; do echo line $i; done").ok();
            d.docker("run", "--name", "three", "--label", "team=b", "busybox", "sh", "-c", "exit 3");
            d.docker("create", "--name", "fresh", "busybox", "true").ok();
            d.docker("run", "-d", "--name", "talker", "busybox", "sh", "-c",
                    "echo oops >&2; while true; do echo more; sleep 1; done").ok();

            assertEquals("talker", names(d, "ps"));
            assertEquals("fresh talker three zero", names(d, "ps", "-a"));
            assertEquals("three", names(d, "ps", "-a", "--filter", "exited=3"));
            assertEquals("fresh", names(d, "ps", "-a", "--filter", "status=created"));
            assertEquals("zero", names(d, "ps", "-a", "--filter", "label=team=a"));
            assertEquals("fresh talker three zero", names(d, "ps", "-a", "--filter", "ancestor=busybox"));
            assertEquals("fresh talker", names(d, "ps", "-a", "--filter", "since=three"));
            assertEquals("talker", names(d, "ps", "-a", "--filter", "name=talk"));
            assertEquals("talker", names(d, "ps", "-a", "--filter", "name=^/talker$"));
            d.docker("create", "--name", "porter", "--expose", "8080", "-v", dir + ":/host", "busybox", "true").ok();
            assertEquals("porter", names(d, "ps", "-a", "--filter", "expose=8000-8100"));
            assertEquals("porter", names(d, "ps", "-a", "--filter", "volume=/host"));
            assertEquals("", names(d, "ps", "-a", "--filter", "expose=8080/udp"));
            d.docker("rm", "porter").ok();
            assertEquals(1, d.docker("ps", "-a", "-n", "1", "-q").ok().out().lines().count());

            assertEquals("line 4\nline 5\n", d.docker("logs", "--tail", "2", "zero").ok().out());
            Eventually.await(Duration.ofSeconds(10), () -> quiet(d, "logs", "talker").contains("more"), "output logged");
            Cli.Result logs = d.docker("logs", "talker");
            assertTrue(logs.err().contains("oops") && !logs.out().contains("oops"), logs.toString());
            assertTrue(d.docker("logs", "-t", "zero").ok().out().matches("(?s)\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z line 1\n.*"));
            Process follow = new ProcessBuilder("docker", "-H", "unix://" + d.socket, "logs", "-f", "talker")
                    .redirectErrorStream(true).start();
            Thread.sleep(1500);
            d.docker("stop", "-t", "1", "talker").ok();
            assertTrue(follow.waitFor(10, TimeUnit.SECONDS), "logs -f ends when the container stops");
            assertTrue(new String(follow.getInputStream().readAllBytes(), StandardCharsets.UTF_8).contains("more"));

            // A follower whose client is killed while the container is quiet is let go, as dockerd does.
            d.docker("run", "-d", "--name", "quiet", "busybox", "sleep", "60").ok();
            Set<String> before = socketConnections(d);
            Process quietFollow = new ProcessBuilder("docker", "-H", "unix://" + d.socket, "logs", "-f", "quiet")
                    .redirectErrorStream(true).start();
            Set<String> follower = new HashSet<>();
            Eventually.await(Duration.ofSeconds(10), () -> {
                follower.addAll(socketConnections(d));
                follower.removeAll(before);
                return !follower.isEmpty();
            }, "logs -f connected");
            quietFollow.destroyForcibly().waitFor();
            Eventually.await(Duration.ofSeconds(5), () -> Collections.disjoint(socketConnections(d), follower),
                    "the daemon closed the quiet follower's connection");
            d.docker("rm", "-f", "quiet").ok();

            // docker attach (without stdin) streams what the container writes until it exits.
            d.docker("run", "-d", "--name", "chatty", "busybox", "sh", "-c",
                    "sleep 1; for i in 1 2 3; do echo tick $i; sleep 0.2; done").ok();
            assertEquals("tick 1\ntick 2\ntick 3\n", d.docker("attach", "--no-stdin", "chatty").ok().out());
            d.docker("rm", "chatty").ok();

            assertTrue(d.docker("ps", "-a", "-s", "--filter", "name=zero", "--format", "{{.Size}}").ok().out()
                    .contains("virtual"));
            String df = d.docker("system", "df", "--format", "{{.Type}} {{.TotalCount}}").ok().out();
            assertTrue(df.contains("Containers 4"), df);

            Path exported = dir.resolve("export.tar");
            d.docker("export", "-o", exported.toString(), "zero").ok();
            assertTrue(Files.size(exported) > Files.size(TestImages.BUSYBOX));

            d.docker("container", "prune", "-f", "--filter", "label=team=a").ok();
            assertEquals("fresh talker three", names(d, "ps", "-a"));
            d.docker("container", "prune", "-f").ok();
            assertEquals("", names(d, "ps", "-a"));
        }
    }

    private static String names(WharfDaemon d, String... psArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of(psArgs));
        args.addAll(List.of("--format", "{{.Names}}"));
        return String.join(" ", d.docker(args.toArray(String[]::new)).ok().out().lines().sorted().toList());
    }

    @Test
    void interactiveTerminalThroughAPseudoTerminal() throws Exception {
        try (WharfDaemon d = daemonWithBusybox()) {
            String docker = "docker -H unix://" + d.socket;
            Cli.Result run = Cli.run(Map.of(), List.of("script", "-qec", docker
                    + " run -it --rm busybox sh -c 'tty; echo in-tty'", "/dev/null")).ok();
            assertTrue(run.out().contains("/dev/pts/0"), run.out());
            assertTrue(run.out().contains("in-tty"), run.out());

            d.docker("run", "-d", "--name", "box", "busybox", "sleep", "60").ok();
            Cli.Result exec = Cli.run(Map.of(), List.of("script", "-qec", docker
                    + " exec -it box sh -c 'tty; echo exec-tty'", "/dev/null")).ok();
            assertTrue(exec.out().contains("/dev/pts/"), exec.out());
            assertTrue(exec.out().contains("exec-tty"), exec.out());
            d.docker("rm", "-f", "box").ok();
        }
    }

    @Test
    void restartPolicyRetriesOnFailure() throws Exception {
        try (WharfDaemon d = daemonWithBusybox()) {
            d.docker("run", "-d", "--name", "flaky", "--restart", "on-failure:3", "busybox", "sh", "-c", "exit 2").ok();
            Eventually.await(Duration.ofSeconds(20), () -> quiet(d, "inspect", "--format", "{{.RestartCount}} {{.State.Status}}", "flaky")
                    .equals("3 exited"), "three restarts, then it stays exited");
            Thread.sleep(1500);
            assertEquals("3 exited 2", d.inspect("{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}", "flaky"));
            d.docker("rm", "flaky").ok();
        }
    }

    @Test
    void securityOptionsAndResourceLimitsHold() throws Exception {
        try (WharfDaemon d = daemonWithBusybox()) {
            Cli.Result readOnly = d.docker("run", "--rm", "--read-only", "busybox", "touch", "/file");
            assertNotEquals(0, readOnly.exitCode());
            assertTrue(readOnly.err().contains("Read-only file system"), readOnly.err());

            Cli.Result capDrop = d.docker("run", "--rm", "--cap-drop", "ALL", "busybox", "chown", "1000", "/tmp");
            assertNotEquals(0, capDrop.exitCode());
            assertTrue(capDrop.err().contains("Operation not permitted"), capDrop.err());
            d.docker("run", "--rm", "busybox", "chown", "1000", "/tmp").ok();

            assertEquals("uid=1000(app) gid=1000(app) groups=1000(app),2000(extra)\n",
                    d.docker("run", "--rm", "--user", "app", "busybox", "id").ok().out());

            Cli.Result pids = d.docker("run", "--rm", "--pids-limit", "5", "busybox", "sh", "-c",
                    "for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; wait");
            assertTrue(pids.err().contains("can't fork"), pids.toString());

            Cli.Result oom = d.docker("run", "--name", "hog", "--memory", "16m", "--memory-swap", "16m", "busybox",
                    "dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1");
            assertEquals(137, oom.exitCode(), oom.toString());
            assertEquals("true", d.inspect("{{.State.OOMKilled}}", "hog"));
            d.docker("rm", "hog").ok();

            assertEquals("1024\n", d.docker("run", "--rm", "--ulimit", "nofile=1024:1024", "busybox", "sh", "-c", "ulimit -n")
                    .ok().out());
            assertTrue(d.docker("run", "--rm", "--shm-size", "16m", "busybox", "df", "-k", "/dev/shm").ok().out()
                    .contains("16384"));
            assertEquals("1\n", d.docker("run", "--rm", "--sysctl", "net.ipv4.ip_forward=1", "busybox", "cat",
                    "/proc/sys/net/ipv4/ip_forward").ok().out());
            d.docker("run", "--rm", "--privileged", "busybox", "mount", "-t", "tmpfs", "none", "/tmp").ok();
            assertNotEquals(0, d.docker("run", "--rm", "busybox", "mount", "-t", "tmpfs", "none", "/tmp").exitCode());

            // With --init, docker-init is PID 1 and reaps orphans: none is left a zombie.
            String ps = d.docker("run", "--rm", "--init", "busybox", "sh", "-c",
                    "(sleep 0.2 &); sleep 1; ps -o pid,stat,comm").ok().out();
            assertTrue(ps.lines().anyMatch(l -> l.trim().startsWith("1 ") && l.contains("docker-init")), ps);
            assertFalse(ps.lines().anyMatch(l -> l.trim().split("\\s+")[1].startsWith("Z")), ps);
        }
    }

    @Test
    void mountsDevicesSeccompAndNetworkModes() throws Exception {
        try (WharfDaemon d = daemonWithBusybox()) {
            Path shared = dir.resolve("shared");
            Files.createDirectories(shared);
            Files.writeString(shared.resolve("f"), "from the host\n");
            assertEquals("from the host\n", d.docker("run", "--rm", "-v", shared + ":/data:ro", "busybox", "cat", "/data/f")
                    .ok().out());
            Cli.Result readOnlyBind = d.docker("run", "--rm", "-v", shared + ":/data:ro", "busybox", "touch", "/data/g");
            assertTrue(readOnlyBind.err().contains("Read-only file system"), readOnlyBind.toString());
            d.docker("run", "--rm", "--mount", "type=bind,src=" + shared + ",dst=/data", "busybox", "sh", "-c",
                    "echo from the container > /data/g").ok();
            assertEquals("from the container\n", Files.readString(shared.resolve("g")));
            assertTrue(d.docker("run", "--rm", "--tmpfs", "/scratch", "--mount", "type=tmpfs,dst=/t", "busybox", "sh", "-c",
                    "grep -E ' /(scratch|t) ' /proc/mounts").ok().out().lines().allMatch(l -> l.startsWith("tmpfs ")));
            d.docker("create", "--name", "tmpfs-mounts", "--tmpfs", "/scratch", "--mount", "type=tmpfs,dst=/t", "busybox").ok();
            assertEquals("tmpfs /t", d.inspect("{{range .Mounts}}{{.Type}} {{.Destination}}{{end}}", "tmpfs-mounts"),
                    "a --tmpfs is not a mount point in inspect, as with dockerd");
            d.docker("rm", "tmpfs-mounts").ok();

            assertTrue(d.docker("run", "--rm", "--device", "/dev/null:/dev/mynull", "busybox", "sh", "-c",
                    "echo x > /dev/mynull && ls -l /dev/mynull").ok().out().startsWith("crw"));

            assertEquals("Seccomp:\t2\n", d.docker("run", "--rm", "busybox", "grep", "^Seccomp:", "/proc/self/status").ok().out());
            assertEquals("Seccomp:\t0\n", d.docker("run", "--rm", "--security-opt", "seccomp=unconfined", "busybox", "grep",
                    "^Seccomp:", "/proc/self/status").ok().out());
            assertEquals("NoNewPrivs:\t1\n", d.docker("run", "--rm", "--security-opt", "no-new-privileges", "busybox", "grep",
                    "^NoNewPrivs:", "/proc/self/status").ok().out());

            assertEquals(Files.readString(Path.of("/proc/sys/kernel/hostname")),
                    d.docker("run", "--rm", "--network", "host", "busybox", "hostname").ok().out());
            String interfaces = d.docker("run", "--rm", "--network", "none", "busybox", "cat", "/proc/net/dev").ok().out();
            assertTrue(interfaces.contains("lo:") && interfaces.lines().count() == 3, interfaces);
            String bridge = d.docker("run", "--rm", "--network", "bridge", "busybox", "cat", "/proc/net/dev").ok().out();
            assertTrue(bridge.contains("lo:") && bridge.contains("eth0:"), bridge);
        }
    }

    @Test
    void daemonWideInitCgroupParentNoNewPrivilegesUlimitsAndShmSize() throws Exception {
        String parent = "/wharf-e2e-" + ProcessHandle.current().pid();
        try (WharfDaemon d = daemonWithBusybox("--init", "--cgroup-parent", parent, "--no-new-privileges",
                "--default-ulimit", "nofile=1024:2048", "--default-shm-size", "32m")) {
            String out = d.docker("run", "--rm", "busybox", "sh", "-c",
                    "cat /proc/1/comm; grep NoNewPrivs /proc/self/status; grep ':memory:' /proc/self/cgroup").ok().out();
            assertTrue(out.startsWith("docker-init\nNoNewPrivs:\t1\n"), out);
            assertTrue(out.contains(":memory:" + parent + "/"), out);

            assertEquals("1024 2048\n", d.docker("run", "--rm", "busybox", "sh", "-c", "echo $(ulimit -n) $(ulimit -Hn)")
                    .ok().out(), "--default-ulimit applies to containers without their own");
            assertEquals("512 2048\n", d.docker("run", "--rm", "--ulimit", "nofile=512:2048", "busybox", "sh", "-c",
                    "echo $(ulimit -n) $(ulimit -Hn)").ok().out(), "a container's own --ulimit wins");
            String shm = d.docker("run", "--rm", "busybox", "df", "-k", "/dev/shm").ok().out();
            assertTrue(shm.lines().skip(1).anyMatch(l -> l.split("\\s+")[1].equals("32768")), shm);
            String created = d.docker("create", "busybox", "true").ok().out().trim();
            assertEquals("33554432", d.inspect("{{.HostConfig.ShmSize}}", created));
            d.docker("rm", created).ok();
        }
        assertFalse(Files.exists(Path.of("/sys/fs/cgroup/memory" + parent)), "the empty parent goes with the daemon");
    }

    @Test
    void copyChangesCommitAndUpdate() throws Exception {
        try (WharfDaemon d = daemonWithBusybox()) {
            Path file = dir.resolve("greeting.txt");
            Files.writeString(file, "hello from the host\n");
            d.docker("run", "-d", "--name", "box", "busybox", "sleep", "60").ok();
            d.docker("cp", file.toString(), "box:/tmp/greeting.txt").ok();
            assertEquals("hello from the host\n", d.docker("exec", "box", "cat", "/tmp/greeting.txt").ok().out());
            d.docker("exec", "box", "sh", "-c", "echo made inside > /root/inside.txt").ok();
            Path out = dir.resolve("out");
            Files.createDirectories(out);
            d.docker("cp", "box:/root/inside.txt", out.toString()).ok();
            assertEquals("made inside\n", Files.readString(out.resolve("inside.txt")));
            // A path ending in "/" names a directory, both ways.
            Cli.Result fileAsDirectory = d.docker("cp", "box:/root/inside.txt/", out.resolve("nothing").toString());
            assertTrue(fileAsDirectory.err().contains("lstat /root/inside.txt/: not a directory"), fileAsDirectory.toString());
            Cli.Result intoFile = d.docker("cp", file.toString(), "box:/root/inside.txt/");
            assertTrue(intoFile.err().contains("no such directory"), intoFile.toString());
            assertEquals("made inside\n", d.docker("exec", "box", "cat", "/root/inside.txt").ok().out(), "left as it was");
            String diff = d.docker("diff", "box").ok().out();
            assertTrue(diff.contains("A /root/inside.txt"), diff);
            assertTrue(diff.contains("A /tmp/greeting.txt"), diff);

            // docker cp into and out of a bind mount goes through the mount, as the container sees it
            Path shared = dir.resolve("shared");
            Path readOnly = dir.resolve("ro");
            Files.createDirectories(shared);
            Files.createDirectories(readOnly);
            Files.writeString(shared.resolve("from-host.txt"), "bound\n");
            d.docker("run", "-d", "--name", "bound", "-v", shared + ":/data", "-v", readOnly + ":/ro:ro", "busybox",
                    "sleep", "60").ok();
            d.docker("cp", file.toString(), "bound:/data/greeting.txt").ok();
            assertEquals("hello from the host\n", Files.readString(shared.resolve("greeting.txt")), "written through the bind");
            assertFalse(d.docker("diff", "bound").ok().out().contains("/data/greeting.txt"), "not into the container's layer");
            d.docker("cp", "bound:/data/from-host.txt", out.toString()).ok();
            assertEquals("bound\n", Files.readString(out.resolve("from-host.txt")));
            d.docker("cp", "bound:/data", out.resolve("copied").toString()).ok();
            assertTrue(Files.exists(out.resolve("copied/greeting.txt")), "the mount's root copies under the container's name for it");
            Cli.Result ro = d.docker("cp", file.toString(), "bound:/ro/greeting.txt");
            assertTrue(ro.exitCode() != 0 && ro.err().contains("mounted volume is marked read-only"), ro.toString());
            d.docker("rm", "-f", "bound").ok();

            d.docker("update", "--restart", "on-failure:2", "box").ok();
            d.docker("update", "--memory", "64m", "--memory-swap", "128m", "box").ok();
            assertEquals("67108864", d.inspect("{{.HostConfig.Memory}}", "box"));
            assertEquals("on-failure 2", d.inspect("{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}",
                    "box"), "an update of other settings keeps the restart policy");
            assertEquals("67108864\n", d.docker("exec", "box", "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes").ok().out());

            d.docker("commit", "-c", "CMD [\"cat\", \"/root/inside.txt\"]", "box", "committed:1").ok();
            assertEquals("made inside\n", d.docker("run", "--rm", "committed:1").ok().out());
            assertTrue(d.docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", "committed:1").ok().out().startsWith("sleep 60\n"),
                    "the history names the container's command, as dockerd's does");

            // An image a container uses is not removed from under it.
            Cli.Result byName = d.docker("rmi", "busybox");
            assertTrue(byName.err().contains("unable to remove repository reference \"busybox:latest\" (must force) - container"),
                    byName.err());
            String imageId = d.inspect("{{.Id}}", "busybox").substring(7);
            Cli.Result forced = d.docker("rmi", "-f", imageId);
            assertTrue(forced.err().contains("(cannot be forced) - image is being used by running container"), forced.err());
            d.docker("rm", "-f", "box").ok();
            d.docker("rmi", "busybox").ok();
        }
    }

    @Test
    void healthChecksShowInInspectPsAndEvents() throws Exception {
        try (WharfDaemon d = daemonWithBusybox()) {
            long since = System.currentTimeMillis() / 1000;
            d.docker("run", "-d", "--name", "checked", "--health-cmd", "test -f /tmp/ok", "--health-interval", "1s",
                    "--health-retries", "2", "busybox", "sh", "-c", "sleep 4; touch /tmp/ok; sleep 60").ok();
            assertEquals("starting", d.inspect("{{.State.Health.Status}}", "checked"));
            Eventually.await(Duration.ofSeconds(15), () -> quiet(d, "inspect", "--format", "{{.State.Health.Status}}", "checked")
                    .equals("unhealthy"), "two failed probes make it unhealthy");
            Eventually.await(Duration.ofSeconds(15), () -> quiet(d, "inspect", "--format", "{{.State.Health.Status}}", "checked")
                    .equals("healthy"), "a passing probe makes it healthy");
            assertEquals("checked", d.docker("ps", "--filter", "health=healthy", "--format", "{{.Names}}").ok().out().trim());
            assertTrue(d.docker("ps", "--format", "{{.Status}}").ok().out().contains("(healthy)"));
            String log = d.inspect("{{json .State.Health.Log}}", "checked");
            assertTrue(log.contains("\"ExitCode\":0") && log.contains("\"ExitCode\":1"), log);
            String events = d.docker("events", "--since", Long.toString(since), "--until",
                    Long.toString(System.currentTimeMillis() / 1000 + 1), "--filter", "container=checked",
                    "--format", "{{.Action}}").ok().out();
            assertTrue(events.contains("health_status: unhealthy") && events.contains("health_status: healthy"), events);
            assertTrue(events.contains("create") && events.contains("start"), events);
            d.docker("rm", "-f", "checked").ok();
        }
    }

    @Test
    void runsOnVfsAndRefusesCopyPathTricks() throws Exception {
        try (WharfDaemon d = daemonWithBusybox("--storage-driver", "vfs")) {
            assertEquals("on vfs\n", d.docker("run", "--rm", "busybox", "echo", "on vfs").ok().out());
            d.docker("run", "-d", "--name", "box", "busybox", "sleep", "60").ok();
            assertTrue(d.docker("info", "--format", "{{.Driver}} {{.ContainersRunning}}").ok().out().startsWith("vfs 1"));
            Path outside = dir.resolve("outside");
            Files.createDirectories(outside);
            for (String trick : List.of("../../../../../escaped", "hop/through")) {
                byte[] tar = TestImages.tar(out -> {
                    if (trick.startsWith("hop")) {
                        TestImages.symlink(out, "hop", outside.toString());
                    }
                    TestImages.file(out, trick, "pwned\n".getBytes(StandardCharsets.UTF_8), 0644);
                });
                UnixHttp.Response r = UnixHttp.request(d.socket, "PUT", "/v1.41/containers/box/archive?path=/tmp",
                        Map.of("Content-Type", "application/x-tar"), tar);
                assertEquals(400, r.status(), trick + ": " + r.body());
            }
            try (var files = Files.list(outside)) {
                assertEquals(0, files.count(), "nothing written outside the container");
            }
            assertFalse(Files.exists(d.dataRoot.resolve("escaped")));
            assertFalse(d.docker("exec", "box", "ls", "/tmp").ok().out().contains("through"));
            d.docker("rm", "-f", "box").ok();
        }
    }

    @Test
    void liveRestoreKeepsContainersAcrossADaemonKill() throws Exception {
        WharfDaemon d = daemonWithBusybox("--live-restore");
        try {
            d.docker("run", "-d", "--name", "survivor", "busybox", "sh", "-c",
                    "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done").ok();
            String pid = d.inspect("{{.State.Pid}}", "survivor");
            d.kill();
            d.start("--live-restore");
            assertEquals("running " + pid, d.inspect("{{.State.Status}} {{.State.Pid}}", "survivor"));
            assertEquals("alive\n", d.docker("exec", "survivor", "echo", "alive").ok().out());
            int before = (int) d.docker("logs", "survivor").ok().out().lines().count();
            Eventually.await(Duration.ofSeconds(10), () -> quiet(d, "logs", "survivor").lines().count() > before + 2,
                    "logs continue after the restart");
            // The shell is PID 1 of its namespace and ignores TERM; KILL ends it, and the exit is seen.
            d.docker("kill", "survivor").ok();
            assertEquals("137\n", d.docker("wait", "survivor").ok().out());
            d.docker("rm", "survivor").ok();
        } finally {
            quiet(d, "rm", "-f", "survivor");
            d.close();
        }
    }

    @Test
    void restartFinishesWhatAKilledDaemonLeftHalfDone() throws Exception {
        WharfDaemon d = daemonWithBusybox();
        try {
            String unfinished = d.docker("create", "--name", "unfinished", "busybox", "true").ok().out().trim();
            String removing = d.docker("create", "--name", "removing", "busybox", "true").ok().out().trim();
            String kept = d.docker("create", "--name", "kept", "busybox", "true").ok().out().trim();
            d.kill();
            // The states a kill -9 leaves: a create before its config.v2.json (written last), and a
            // removal after its state was saved as "removing".
            Path containers = d.dataRoot.resolve("containers");
            Files.delete(containers.resolve(unfinished).resolve("config.v2.json"));
            Path config = containers.resolve(removing).resolve("config.v2.json");
            Files.writeString(config, Files.readString(config).replace("\"Status\":\"created\"", "\"Status\":\"removing\""));
            d.start();
            assertEquals("kept", names(d, "ps", "-a"));
            assertFalse(Files.exists(containers.resolve(unfinished)));
            assertFalse(Files.exists(containers.resolve(removing)));
            d.docker("create", "--name", "unfinished", "busybox", "true").ok();
            assertEquals(kept, d.docker("inspect", "--format", "{{.Id}}", "kept").ok().out().trim());
            d.docker("rm", "kept", "unfinished").ok();
        } finally {
            d.close();
        }
    }

    @Test
    void withoutLiveRestoreTheRestartPolicyBringsContainersBack() throws Exception {
        WharfDaemon d = daemonWithBusybox();
        try {
            d.docker("run", "-d", "--name", "always", "--restart", "always", "busybox", "sleep", "600").ok();
            d.docker("run", "-d", "--name", "once", "busybox", "sleep", "600").ok();
            String pid = d.inspect("{{.State.Pid}}", "always");
            d.kill();
            d.start();
            Eventually.await(Duration.ofSeconds(30), () -> quiet(d, "inspect", "--format", "{{.State.Status}}", "always")
                    .equals("running") && !quiet(d, "inspect", "--format", "{{.State.Pid}}", "always").equals(pid),
                    "the always container runs again, as a new process");
            assertEquals("exited", d.inspect("{{.State.Status}}", "once"));
            d.docker("rm", "-f", "always", "once").ok();
        } finally {
            quiet(d, "rm", "-f", "always", "once");
            d.close();
        }
    }

    @Test
    void dockerPyRunsAContainerAndReadsItsLogs() throws Exception {
        try (WharfDaemon d = daemonWithBusybox()) {
            String script = """
                    import docker, sys
                    client = docker.DockerClient(base_url="unix://" + sys.argv[1])
                    c = client.containers.run("busybox", ["sh", "-c", "echo from docker-py; echo to stderr >&2"], detach=True)
                    print(c.wait()["StatusCode"])
                    # stdout and stderr are copied side by side: their order in the log is not fixed
                    print("".join(sorted(c.logs(stdout=True, stderr=True).decode().splitlines(True))), end="")
                    # attach with logs=1: the log replayed over a hijacked connection
                    print("".join(sorted(c.attach(stdout=True, stderr=True, logs=True).decode().splitlines(True))), end="")
                    c.remove()
                    print(len(client.containers.list(all=True)))
                    """;
            Path py = dir.resolve("client.py");
            Files.writeString(py, script);
            Cli.Result r = Cli.run(Map.of(), List.of("/usr/bin/python3", py.toString(), d.socket.toString())).ok();
            assertEquals("0\nfrom docker-py\nto stderr\nfrom docker-py\nto stderr\n0\n", r.out());
        }
    }

    /** The daemon's ends of the connections open on its API socket: their inodes, as /proc/net/unix lists them. */
    private static Set<String> socketConnections(WharfDaemon d) throws IOException {
        Set<String> inodes = new HashSet<>();
        for (String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
            String[] f = line.trim().split("\\s+");
            // Num RefCount Protocol Flags Type St Inode Path; the listening socket has flag __SO_ACCEPTCON.
            if (f.length == 8 && f[7].equals(d.socket.toString()) && !f[3].equals("00010000")) {
                inodes.add(f[6]);
            }
        }
        return inodes;
    }
}
