package io.wharf.core.internal.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import io.wharf.core.internal.fs.AtomicFiles;

/**
 * The daemon's pidfile. A pid in an existing file that names a live wharfd refuses the start;
 * a stale one (no such process, a zombie, or another program that reused the pid) is replaced.
 * Zombies count as dead: orphans are reaped slowly on some hosts.
 */
final class PidFile {

    private final Path path;
    private final long pid;

    private PidFile(Path path, long pid) {
        this.path = path;
        this.pid = pid;
    }

    static PidFile create(Path path) throws StartupException {
        try {
            String existing = Files.readString(path, StandardCharsets.US_ASCII).trim();
            if (!existing.isEmpty() && isRunningDaemon(existing)) {
                throw new StartupException("pid file found, ensure wharfd is not running or delete " + path);
            }
        } catch (NoSuchFileException e) {
            // no earlier daemon
        } catch (IOException e) {
            throw new StartupException("cannot read pid file " + path + ": " + e.getMessage());
        }
        long self = ProcessHandle.current().pid();
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
            AtomicFiles.write(path, (self + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new StartupException("cannot write pid file " + path + ": " + e.getMessage());
        }
        return new PidFile(path, self);
    }

    private static boolean isRunningDaemon(String pidText) {
        long other;
        try {
            other = Long.parseLong(pidText);
        } catch (NumberFormatException e) {
            return false;
        }
        if (other == ProcessHandle.current().pid()) {
            return false;
        }
        Path proc = Path.of("/proc", Long.toString(other));
        try {
            String stat = Files.readString(proc.resolve("stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            if (state == 'Z' || state == 'X') {
                return false;
            }
            String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
            return cmdline.contains("wharf");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Removes the file if it still names this process. */
    void remove() {
        try {
            if (Files.readString(path, StandardCharsets.US_ASCII).trim().equals(Long.toString(pid))) {
                Files.delete(path);
            }
        } catch (IOException e) {
            // already gone
        }
    }
}
