package io.wharf.graphdriver.devicemapper;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

import io.wharf.core.spi.linux.Mounts;

/** The real host: commands as processes, mount points from /proc/self/mountinfo. */
final class SystemHost implements Host {

    @Override
    public Result exec(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        // stderr is drained on a thread of its own, so that neither stream can fill up and stall the tool.
        FutureTask<String> stderr = new FutureTask<>(() -> read(p.getErrorStream()));
        Thread.ofVirtual().name("devmapper-stderr").start(stderr);
        String stdout = read(p.getInputStream());
        try {
            int exit = p.waitFor();
            return new Result(exit, stdout, stderr.get());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        } catch (ExecutionException e) {
            throw new IOException(String.join(" ", command) + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    @Override
    public boolean isMountPoint(Path dir) throws IOException {
        return Mounts.isMountPoint(dir);
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
