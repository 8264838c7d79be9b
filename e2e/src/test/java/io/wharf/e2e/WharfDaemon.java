package io.wharf.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The built daemon started as users start it, {@code run/wharfd}, on a temporary data root, exec
 * root, pidfile, socket and deploy directory; stopped by its pid.
 */
final class WharfDaemon implements AutoCloseable {

    static final Path TOP = Path.of(System.getProperty("wharf.top", "..")).toAbsolutePath().normalize();

    final Path dir;
    final Path socket;
    final Path dataRoot;
    final Path execRoot;
    final Path pidFile;
    final Path deployDir;
    final Path log;
    private Process process;
    private Path runtime; // a copy of the built runtime to start instead of run/target's, or null

    WharfDaemon(Path dir) throws IOException {
        this(dir, dir.resolve("root"));
    }

    /** A daemon whose data root is elsewhere than its other files, e.g. on a test filesystem. */
    WharfDaemon(Path dir, Path dataRoot) throws IOException {
        this.dir = dir;
        this.socket = dir.resolve("wharf.sock");
        this.dataRoot = dataRoot;
        this.execRoot = dir.resolve("exec");
        this.pidFile = dir.resolve("wharf.pid");
        this.deployDir = dir.resolve("deploy");
        this.log = dir.resolve("daemon.log");
        Files.createDirectories(deployDir);
    }

    /**
     * Starts from a copy of the built runtime without the runtime bundles whose file names start
     * with {@code prefix}, and answers the jar of that bundle (to deploy and remove in a test).
     */
    Path withoutRuntimeBundle(String prefix) throws IOException {
        List<Path> left = copyRuntime(jar -> !jar.getFileName().toString().startsWith(prefix));
        if (left.isEmpty()) {
            throw new IOException("no runtime bundle " + prefix + "* in " + TOP.resolve("run/target"));
        }
        return left.getLast();
    }

    /** Starts from a whole copy of the built runtime, and answers the directory of its bundles (to change in a test). */
    Path withCopiedRuntime() throws IOException {
        copyRuntime(jar -> true);
        return runtime.resolve("export/wharf");
    }

    /** Copies the built runtime to start from, with the bundle jars {@code kept} says; answers the others. */
    private List<Path> copyRuntime(Predicate<Path> kept) throws IOException {
        Path built = TOP.resolve("run/target");
        runtime = dir.resolve("runtime");
        Path bundles = runtime.resolve("export/wharf");
        Files.createDirectories(bundles);
        Files.createDirectories(runtime.resolve("wharf"));
        for (String file : List.of("felix.jar", "launcher.jar", "wharf.jsa")) {
            Files.copy(built.resolve("wharf").resolve(file), runtime.resolve("wharf").resolve(file));
        }
        List<Path> left = new ArrayList<>();
        try (var jars = Files.list(built.resolve("export/wharf"))) {
            for (Path jar : jars.toList()) {
                if (kept.test(jar)) {
                    Files.copy(jar, bundles.resolve(jar.getFileName()));
                } else {
                    left.add(jar);
                }
            }
        }
        return left;
    }

    /** The flags every test daemon gets: its own paths and no system config file. */
    List<String> baseArgs() {
        return List.of("-H", "unix://" + socket, "--data-root", dataRoot.toString(), "--exec-root",
                execRoot.toString(), "--pidfile", pidFile.toString(), "--deploy-dir", deployDir.toString(),
                "--config-file", configFile().toString());
    }

    Path configFile() {
        return dir.resolve("daemon.json");
    }

    /** Starts with the base flags plus {@code extra}, and waits until /_ping answers. */
    WharfDaemon start(String... extra) throws Exception {
        if (!Files.exists(configFile())) {
            Files.writeString(configFile(), "{}\n");
        }
        List<String> args = new ArrayList<>(baseArgs());
        args.addAll(List.of(extra));
        process = launch(args, log, runtime);
        awaitPing(Duration.ofSeconds(60));
        return this;
    }

    /** Runs wharfd with exactly {@code args}, output to {@code output}. */
    static Process launch(List<String> args, Path output) throws IOException {
        return launch(args, output, null);
    }

    private static Process launch(List<String> args, Path output, Path runtime) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(TOP.resolve("run/wharfd").toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().put("WHARF_NO_BUILD", "1");
        if (runtime != null) {
            pb.environment().put("WHARF_RUNTIME", runtime.toString());
        }
        return pb.start();
    }

    /** Runs wharfd to completion (for flags that make it exit) and returns its exit code and output. */
    static Cli.Result runToExit(Path output, Duration timeout, String... args) throws Exception {
        Process p = launch(List.of(args), output);
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("wharfd " + String.join(" ", args) + " did not exit within " + timeout);
        }
        return new Cli.Result(p.exitValue(), Files.readString(output), "");
    }

    private void awaitPing(Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new AssertionError("wharfd exited with " + process.exitValue() + ":\n" + logText());
            }
            if (Files.exists(socket)) {
                try {
                    if (UnixHttp.get(socket, "/_ping").status() == 200) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
            }
            Thread.sleep(50);
        }
        process.destroyForcibly().waitFor();
        throw new AssertionError("wharfd did not answer /_ping within " + timeout + ":\n" + logText());
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    String logText() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** The docker CLI pointed at this daemon. */
    Cli.Result docker(String... args) throws Exception {
        return Cli.docker("unix://" + socket, args);
    }

    /** The docker CLI run in the background, e.g. to kill the daemon while it serves the call. */
    CompletableFuture<Cli.Result> dockerAsync(String... args) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return docker(args);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
    }

    /** docker inspect --format FORMAT OBJECT, trimmed. */
    String inspect(String format, String object) throws Exception {
        return docker("inspect", "--format", format, object).ok().out().trim();
    }

    /** Sends a signal to the daemon by its pid. */
    void signal(String name) throws Exception {
        new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start().waitFor();
    }

    /** SIGKILL, as a crash: nothing of the daemon's own shutdown runs. */
    void kill() throws Exception {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, then waits; returns the exit code. */
    int stop() throws Exception {
        if (process == null || !process.isAlive()) {
            return process == null ? 0 : process.exitValue();
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("wharfd did not stop within 30 s after SIGTERM:\n" + logText());
        }
        return process.exitValue();
    }

    @Override
    public void close() throws Exception {
        stop();
    }
}
