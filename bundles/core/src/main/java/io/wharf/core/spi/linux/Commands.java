package io.wharf.core.spi.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Host tools (cp, btrfs, ...) run to completion, their output returned or made the error. */
public final class Commands {

    private Commands() {
    }

    /** Runs {@code command}; a non-zero exit is an IOException carrying the command and its output. */
    public static String run(String... command) throws IOException {
        List<String> cmd = List.of(command);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", cmd) + ": " + out.trim());
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        }
        return out;
    }
}
