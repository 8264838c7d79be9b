package io.wharf.containerd.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.NotFoundException;
import io.wharf.core.spi.runtime.RestoredTask;
import io.wharf.core.spi.runtime.Stdio;
import io.wharf.core.spi.runtime.TaskExit;
import io.wharf.core.spi.runtime.TaskListener;
import io.wharf.core.spi.runtime.TaskProcess;
import io.wharf.core.spi.runtime.TaskStats;

/**
 * ContainerdRuntime against a private containerd (started by ContainerdSupervisor under a
 * temporary directory) running busybox containers with runc. Needs root, containerd, runc and a
 * static busybox; skipped otherwise.
 */
@EnabledIf("canRunContainers")
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ContainerdRuntimeTest {

    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final String CGROUP_PARENT = "wharf-test";
    private static final Duration EVENT_WAIT = Duration.ofSeconds(10);
    private static final Stdio OUTPUT_ONLY = new Stdio(false, false);
    /** Where every containerd puts its shims' sockets, whatever its own directories. */
    private static final Path SHIM_SOCKETS = Path.of("/run/containerd/s");

    @TempDir
    static Path dir;

    private static final String PREFIX = "t" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private static final Exits EXITS = new Exits();
    private static final Set<String> CONTAINERS = ConcurrentHashMap.newKeySet();
    private static ContainerdConfig config;
    private static ContainerdClient client;
    private static ContainerdSupervisor supervisor;
    private static ContainerdRuntime runtime;
    private static Path execRoot;
    private static Path rootfs;
    private static boolean madeShimSockets;

    static boolean canRunContainers() {
        return "root".equals(System.getProperty("user.name")) && Files.isExecutable(BUSYBOX)
                && Stream.of("containerd", "containerd-shim-runc-v2", "runc").allMatch(ContainerdRuntimeTest::onPath);
    }

    private static boolean onPath(String command) {
        return Stream.of(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, command)));
    }

    @BeforeAll
    static void startContainerd() throws Exception {
        madeShimSockets = !Files.exists(SHIM_SOCKETS.getParent());
        execRoot = dir.resolve("x");
        config = ContainerdConfig.forDaemon(dir.resolve("d"), execRoot);
        config.write();
        client = new ContainerdClient(config.address());
        supervisor = new ContainerdSupervisor(config, false, CompletableFuture.completedFuture(client), version -> { });
        supervisor.launch();
        supervisor.awaitFirstStart();
        runtime = new ContainerdRuntime(client, execRoot);
        runtime.subscribe(EXITS);
        rootfs = dir.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("bin"));
        for (String d : List.of("proc", "dev")) {
            Files.createDirectories(rootfs.resolve(d));
        }
        Files.copy(BUSYBOX, rootfs.resolve("bin/busybox"));
        for (String applet : List.of("sh", "echo", "sleep", "cat", "stty")) {
            Files.createSymbolicLink(rootfs.resolve("bin").resolve(applet), Path.of("busybox"));
        }
    }

    @AfterAll
    static void stopContainerd() throws Exception {
        try {
            for (String id : CONTAINERS) {
                removeQuietly(id);
            }
        } finally {
            if (runtime != null) {
                runtime.close();
            }
            if (supervisor != null) {
                supervisor.stop();
            }
            if (client != null) {
                client.close();
            }
            try (Stream<Path> controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
                for (Path controller : controllers.toList()) {
                    removeIfEmpty(controller.resolve(CGROUP_PARENT));
                }
            }
            if (madeShimSockets) {
                removeIfEmpty(SHIM_SOCKETS);
                removeIfEmpty(SHIM_SOCKETS.getParent());
            }
        }
    }

    /** Removes a directory this test made unless someone else's containers use it meanwhile. */
    private static void removeIfEmpty(Path directory) throws IOException {
        try {
            Files.deleteIfExists(directory);
        } catch (DirectoryNotEmptyException e) {
            // in use
        }
    }

    /** Kills whatever runs in the container and removes the task and the container. */
    private static void removeQuietly(String id) {
        try {
            runtime.signal(id, id, 9);
            EXITS.next(id, id);
        } catch (RuntimeException | AssertionError | InterruptedException e) {
            // not running
        }
        try {
            runtime.deleteTask(id);
            runtime.delete(id);
        } catch (RuntimeException e) {
            // gone already
        }
    }

    @Test
    void echoWritesToStdoutAndExitsZero() throws Exception {
        String id = create("echo", false, "echo", "hello");
        TaskProcess p = runtime.start(id, OUTPUT_ONLY);
        assertTrue(p.pid() > 0);
        assertNull(p.stdin());
        assertEquals("hello\n", new String(p.stdout().readAllBytes(), UTF_8));
        assertEquals("", new String(p.stderr().readAllBytes(), UTF_8));
        assertEquals(0, EXITS.next(id, id).exitCode());
        assertEquals(0, runtime.deleteTask(id).orElseThrow().exitCode());
        assertEquals(Optional.empty(), runtime.deleteTask(id));
        Path bundle = runtime.bundleDir(id);
        assertTrue(Files.exists(bundle.resolve("init-stdout")));
        runtime.delete(id);
        assertFalse(Files.exists(bundle));
    }

    @Test
    void exitCodeAndStderr() throws Exception {
        String id = create("exit3", false, "sh", "-c", "echo oops >&2; exit 3");
        TaskProcess p = runtime.start(id, OUTPUT_ONLY);
        assertEquals("oops\n", new String(p.stderr().readAllBytes(), UTF_8));
        assertEquals(3, EXITS.next(id, id).exitCode());
        TaskExit deleted = runtime.deleteTask(id).orElseThrow();
        assertEquals(3, deleted.exitCode());
        runtime.delete(id);
    }

    @Test
    void execPidsStatsPauseAndKill() throws Exception {
        String id = create("sleep", false, "sleep", "60");
        TaskProcess init = runtime.start(id, OUTPUT_ONLY);

        String execId = PREFIX + "exec";
        TaskProcess exec = runtime.exec(id, execId, process(false, "echo", "x").getBytes(UTF_8), OUTPUT_ONLY);
        assertEquals("x\n", new String(exec.stdout().readAllBytes(), UTF_8));
        assertEquals(0, EXITS.next(id, execId).exitCode());
        try (Stream<Path> left = Files.list(runtime.bundleDir(id))) {
            assertEquals(List.of(), left.filter(f -> f.getFileName().toString().startsWith(execId)).toList(),
                    "the exec's FIFOs are removed before its exit is told");
        }

        assertTrue(runtime.pids(id).contains(init.pid()), runtime.pids(id) + " has " + init.pid());
        TaskStats stats = runtime.stats(id);
        assertTrue(stats.pidsCurrent() > 0, stats.toString());
        assertTrue(stats.memoryUsage() > 0, stats.toString());
        assertTrue(stats.memoryLimit() > 0, stats.toString());
        assertTrue(stats.cpuTotal() > 0, stats.toString());
        assertTrue(stats.memoryDetails().containsKey("rss"), stats.memoryDetails().toString());

        runtime.pause(id);
        assertEquals(RestoredTask.Status.PAUSED, statusOf(id));
        runtime.resume(id);
        assertEquals(RestoredTask.Status.RUNNING, statusOf(id));

        assertThrows(ConflictException.class, () -> runtime.delete(id), "a container with a task stays");
        runtime.signal(id, id, 9);
        assertEquals(137, EXITS.next(id, id).exitCode());
        assertEquals(137, runtime.deleteTask(id).orElseThrow().exitCode());
        runtime.delete(id);
    }

    @Test
    void theOomKillerIsReported() throws Exception {
        String id = create("oom", """
                "resources": {"memory": {"limit": 16777216, "swap": 16777216}},""", false,
                "sh", "-c", "x=0123456789abcdef; while true; do x=$x$x; done");
        runtime.start(id, OUTPUT_ONLY);
        assertEquals(id, EXITS.nextOutOfMemory());
        assertEquals(137, EXITS.next(id, id).exitCode());
        runtime.deleteTask(id);
        runtime.delete(id);
    }

    @Test
    void stdinIsCopiedUntilClosed() throws Exception {
        String id = create("cat", false, "cat");
        TaskProcess p = runtime.start(id, new Stdio(true, false));
        try (OutputStream in = p.stdin()) {
            in.write("abc".getBytes(UTF_8));
        }
        runtime.closeStdin(id, id);
        assertEquals("abc", new String(p.stdout().readAllBytes(), UTF_8));
        assertEquals(0, EXITS.next(id, id).exitCode());
        runtime.deleteTask(id);
        runtime.delete(id);
    }

    @Test
    void terminalCarriesEverythingOnStdoutAndIsResized() throws Exception {
        String id = create("tty", true, "sh", "-c", "read x; stty size; echo err >&2");
        TaskProcess p = runtime.start(id, new Stdio(true, true));
        assertNull(p.stderr());
        runtime.resizeTerminal(id, id, 100, 40);
        p.stdin().write("go\n".getBytes(UTF_8));
        p.stdin().flush();
        String out = new String(p.stdout().readAllBytes(), UTF_8);
        assertTrue(out.contains("40 100\r\n"), out);
        assertTrue(out.contains("err\r\n"), out);
        p.stdin().close();
        assertEquals(0, EXITS.next(id, id).exitCode());
        runtime.deleteTask(id);
        runtime.delete(id);
    }

    @Test
    void restoreReopensTheStdioOfARunningTask() throws Exception {
        String id = create("restore", false, "cat");
        TaskProcess first;
        try (ContainerdRuntime before = new ContainerdRuntime(client, execRoot)) {
            first = before.start(id, new Stdio(true, false));
            first.stdin().write("one\n".getBytes(UTF_8));
            first.stdin().flush();
            assertEquals("one", new BufferedReader(new InputStreamReader(first.stdout(), UTF_8)).readLine());
        }
        first.stdin().close();
        first.stdout().close();
        first.stderr().close();

        ContainerdRuntime after = new ContainerdRuntime(client, execRoot);
        RestoredTask restored = after.restore(id, new Stdio(true, false)).orElseThrow();
        assertEquals(RestoredTask.Status.RUNNING, restored.status());
        assertEquals(first.pid(), restored.process().pid());
        try (OutputStream in = restored.process().stdin()) {
            in.write("two\n".getBytes(UTF_8));
        }
        after.closeStdin(id, id);
        assertEquals("two\n", new String(restored.process().stdout().readAllBytes(), UTF_8));
        assertEquals(0, EXITS.next(id, id).exitCode());
        after.deleteTask(id);
        after.delete(id);
        after.close();
        assertEquals(Optional.empty(), after.restore(id, OUTPUT_ONLY));
    }

    @Test
    void createReplacesALeftOverRecordAndKillsItsTask() throws Exception {
        String id = create("leftover", false, "sleep", "60");
        runtime.start(id, OUTPUT_ONLY);
        runtime.create(id, spec(id, false, "echo", "again"));
        assertEquals(137, EXITS.next(id, id).exitCode());
        TaskProcess p = runtime.start(id, OUTPUT_ONLY);
        assertEquals("again\n", new String(p.stdout().readAllBytes(), UTF_8));
        assertEquals(0, EXITS.next(id, id).exitCode());
        runtime.deleteTask(id);
        runtime.delete(id);
    }

    /**
     * The task exits while containerd is stopped (SIGSTOP), so nobody hears of it; containerd is then
     * killed and the supervisor starts it again. The re-subscription finds the task stopped and
     * reports it; the exit event the shim publishes again later is not a second exit.
     */
    @Test
    void anExitMissedWhileContainerdWasDownIsDeliveredOnce() throws Exception {
        String id = create("restart", false, "sleep", "0.3");
        runtime.start(id, OUTPUT_ONLY);
        long pid = Long.parseLong(Files.readString(config.pidFile()).strip());
        ProcessHandle containerd = ProcessHandle.current().descendants().filter(h -> h.pid() == pid).findFirst()
                .orElseThrow();
        assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(pid)).inheritIO().start().waitFor());
        Thread.sleep(1_000);
        assertEquals(0, EXITS.pending(id, id), "no exit is told while containerd is stopped");
        containerd.destroyForcibly();
        containerd.onExit().get(5, TimeUnit.SECONDS);

        assertEquals(0, EXITS.next(id, id).exitCode());
        // The shim publishes the exit again once containerd is back.
        Thread.sleep(3_000);
        assertEquals(0, EXITS.pending(id, id));
        assertEquals(0, runtime.deleteTask(id).orElseThrow().exitCode());
        runtime.delete(id);
    }

    @Test
    void missingContainersAndTasks() {
        String id = PREFIX + "-missing";
        assertThrows(NotFoundException.class, () -> runtime.signal(id, id, 15));
        assertThrows(NotFoundException.class, () -> runtime.start(id, OUTPUT_ONLY));
        assertThrows(NotFoundException.class, () -> runtime.delete(id));
        assertEquals(Optional.empty(), runtime.deleteTask(id));
        assertEquals(Optional.empty(), runtime.restore(id, OUTPUT_ONLY));
        assertThrows(IllegalStateException.class, () -> runtime.subscribe(EXITS));
    }

    private static RestoredTask.Status statusOf(String id) throws IOException {
        RestoredTask task = runtime.restore(id, OUTPUT_ONLY).orElseThrow();
        task.process().stdout().close();
        task.process().stderr().close();
        return task.status();
    }

    private static String create(String name, boolean terminal, String... args) {
        return create(name, "", terminal, args);
    }

    /** Creates a container whose spec's linux object has {@code linux} (members and a comma) too. */
    private static String create(String name, String linux, boolean terminal, String... args) {
        String id = PREFIX + "-" + name;
        CONTAINERS.add(id);
        runtime.create(id, spec(id, linux, terminal, args));
        return id;
    }

    private static byte[] spec(String id, boolean terminal, String... args) {
        return spec(id, "", terminal, args);
    }

    private static byte[] spec(String id, String linux, boolean terminal, String... args) {
        return """
                {"ociVersion": "1.0.2",
                 "process": %s,
                 "root": {"path": %s},
                 "hostname": "wharf-test",
                 "mounts": [
                  {"destination": "/proc", "type": "proc", "source": "proc"},
                  {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
                   "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
                  {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
                   "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]}],
                 "linux": {%s
                  "cgroupsPath": %s,
                  "namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}]}}
                """.formatted(process(terminal, args), json(rootfs.toString()), linux, json("/" + CGROUP_PARENT + "/" + id))
                .getBytes(UTF_8);
    }

    private static String process(boolean terminal, String... args) {
        return """
                {"terminal": %s, "user": {"uid": 0, "gid": 0}, "args": [%s],
                 "env": ["PATH=/bin", "TERM=xterm"], "cwd": "/",
                 "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}]}
                """.formatted(terminal, Stream.of(args).map(ContainerdRuntimeTest::json).collect(Collectors.joining(", ")));
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** The exits the runtime reports, per container and process. */
    private static final class Exits implements TaskListener {

        private final Map<String, BlockingQueue<TaskExit>> exits = new ConcurrentHashMap<>();
        private final BlockingQueue<String> outOfMemory = new LinkedBlockingQueue<>();

        private BlockingQueue<TaskExit> queue(String containerId, String processId) {
            return exits.computeIfAbsent(containerId + "/" + processId, k -> new LinkedBlockingQueue<>());
        }

        @Override
        public void exited(String containerId, String processId, TaskExit exit) {
            queue(containerId, processId).add(exit);
        }

        @Override
        public void outOfMemory(String containerId) {
            outOfMemory.add(containerId);
        }

        TaskExit next(String containerId, String processId) throws InterruptedException {
            TaskExit exit = queue(containerId, processId).poll(EVENT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(exit, "no exit of " + processId + " in " + containerId);
            return exit;
        }

        String nextOutOfMemory() throws InterruptedException {
            return outOfMemory.poll(EVENT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }

        int pending(String containerId, String processId) {
            return queue(containerId, processId).size();
        }
    }
}
