package io.wharf.core.spi.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Host tools (cp, btrfs, ...) found and run to completion, their output returned or made the error. */
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

    /**
     * The first executable {@code name} in the directories of PATH, then in {@code moreDirs} (for
     * a daemon started with a PATH that lacks the sbin directories). Empty PATH entries are
     * skipped: a daemon's working directory is no place to take binaries from.
     */
    public static Optional<Path> lookPath(String name, List<String> moreDirs) {
        Set<String> dirs = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "" : path).split(":")) {
            if (!dir.isEmpty()) {
                dirs.add(dir);
            }
        }
        dirs.addAll(moreDirs);
        for (String dir : dirs) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
