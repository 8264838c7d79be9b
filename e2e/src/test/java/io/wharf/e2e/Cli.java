package io.wharf.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the real docker CLI with a private config directory, so nothing of the user's is read. */
final class Cli {

    private static final Path CONFIG;

    static {
        try {
            CONFIG = Files.createTempDirectory("wharf-e2e-docker-config");
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    record Result(int exitCode, String out, String err) {
        Result ok() {
            if (exitCode != 0) {
                throw new AssertionError("exit " + exitCode + "\nstdout:\n" + out + "\nstderr:\n" + err);
            }
            return this;
        }
    }

    private Cli() {
    }

    static Result docker(String host, String... args) throws Exception {
        return dockerWithEnv(Map.of(), host, args);
    }

    static Result dockerWithEnv(Map<String, String> env, String host, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("docker", "-H", host));
        cmd.addAll(List.of(args));
        return run(env, cmd);
    }

    static Result run(Map<String, String> env, List<String> cmd) throws Exception {
        return run(env, cmd, new byte[0]);
    }

    /** Runs {@code cmd} with {@code input} as its stdin, closed after it. */
    static Result run(Map<String, String> env, List<String> cmd, byte[] input) throws Exception {
        Process p = builder(env, cmd).start();
        try (var stdin = p.getOutputStream()) {
            stdin.write(input);
        }
        CompletableFuture<String> out = read(p.getInputStream());
        CompletableFuture<String> err = read(p.getErrorStream());
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(String.join(" ", cmd) + " did not finish within 120 s");
        }
        return new Result(p.exitValue(), out.get(), err.get());
    }

    /**
     * Starts the docker CLI against {@code host} without waiting for it, its stderr merged into its
     * stdout: for a test that acts while the command runs.
     */
    static Process start(String host, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("docker", "-H", host));
        cmd.addAll(List.of(args));
        return builder(Map.of(), cmd).redirectErrorStream(true).start();
    }

    private static ProcessBuilder builder(Map<String, String> env, List<String> cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("DOCKER_HOST");
        pb.environment().remove("DOCKER_CONTEXT");
        pb.environment().remove("DOCKER_TLS_VERIFY");
        pb.environment().remove("DOCKER_CERT_PATH");
        pb.environment().put("DOCKER_CONFIG", CONFIG.toString());
        pb.environment().putAll(env);
        return pb;
    }

    private static CompletableFuture<String> read(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }
}
