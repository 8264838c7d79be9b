package io.wharf.network.bridge;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import io.wharf.core.spi.linux.Commands;

/**
 * The host tools the driver runs (ip, nsenter, iptables-save, iptables-restore), found once by
 * absolute path: the daemon may be started with a PATH that lacks the sbin directories. Unlike
 * {@link io.wharf.core.spi.linux.Commands#run} a run can feed the tool's standard input, so that
 * {@code ip -batch -} and {@code iptables-restore} do many things in one process.
 */
final class HostTools {

    private static final List<String> SYSTEM_DIRS = List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin");

    /** A tool that exited with a non-zero status; its output says why. */
    static final class ToolException extends IOException {

        private static final long serialVersionUID = 1L;
        private final String output;

        ToolException(String command, String output) {
            super(command + ": " + output.strip());
            this.output = output;
        }

        String output() {
            return output;
        }
    }

    private HostTools() {
    }

    /** The absolute path of {@code name} in PATH or the system directories, or the bare name when none has it. */
    static String find(String name) {
        return Commands.lookPath(name, SYSTEM_DIRS).map(Path::toString).orElse(name);
    }

    /** Runs {@code command} with {@code input} (may be null) on its standard input; returns stdout and stderr. */
    static String run(List<String> command, String input) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        Thread writer = null;
        if (input == null) {
            p.getOutputStream().close();
        } else {
            byte[] bytes = input.getBytes(StandardCharsets.UTF_8);
            // from another thread: a tool that writes much while it reads must not block us both
            writer = Thread.ofVirtual().start(() -> {
                try (OutputStream in = p.getOutputStream()) {
                    in.write(bytes);
                } catch (IOException e) {
                    // the tool exited without reading everything; its status and output tell why
                }
            });
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            int status = p.waitFor();
            if (writer != null) {
                writer.join();
            }
            if (status != 0) {
                throw new ToolException(String.join(" ", command), out);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
        return out;
    }

    /** {@link #run} for a command given as words. */
    static String run(String... command) throws IOException {
        return run(List.of(command), null);
    }
}
