package io.wharf.core.internal.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.fs.AtomicFiles;
import io.wharf.core.spi.linux.Trees;

/** The data root and exec root as NewDaemon prepares them, and what lives at their top. */
final class DaemonDirectories {

    private static final Logger LOG = LoggerFactory.getLogger(DaemonDirectories.class);

    private DaemonDirectories() {
    }

    /** Creates {@code dir} (and parents) and sets its mode, e.g. "rwx--x--x". */
    static void ensure(Path dir, String mode) throws StartupException {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(mode));
        } catch (IOException e) {
            throw new StartupException("cannot create directory " + dir + ": " + e.getMessage());
        }
    }

    /**
     * The tmp dir ($DOCKER_TMPDIR or data-root/tmp), emptied at each start as dockerd does: the
     * old one is renamed aside and removed, so a crash mid-delete leaves nothing in the way.
     */
    static Path prepareTmp(Path dataRoot) throws StartupException {
        String env = System.getenv("DOCKER_TMPDIR");
        Path tmp = env != null && !env.isEmpty() ? Path.of(env) : dataRoot.resolve("tmp");
        try {
            if (Files.isDirectory(tmp) && env == null) {
                Path old = dataRoot.resolve("tmp-old");
                Trees.delete(old);
                Files.move(tmp, old);
                Trees.delete(old);
            }
            Files.createDirectories(tmp);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new StartupException("unable to get the TempDir under " + dataRoot + ": " + e.getMessage());
        }
        return tmp;
    }

    /** The daemon ID: a UUID in data-root/engine-id, made once and kept across restarts. */
    static String engineId(Path dataRoot) throws StartupException {
        Path file = dataRoot.resolve("engine-id");
        try {
            String id = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (!id.isEmpty()) {
                return id;
            }
        } catch (NoSuchFileException e) {
            // first start on this data root
        } catch (IOException e) {
            throw new StartupException("cannot read " + file + ": " + e.getMessage());
        }
        String id = UUID.randomUUID().toString();
        try {
            AtomicFiles.write(file, id.getBytes(StandardCharsets.US_ASCII), PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new StartupException("cannot write " + file + ": " + e.getMessage());
        }
        return id;
    }


    /** Best-effort kernel settings dockerd makes at start; a failure is a warning only. */
    static void applyKernelTunables() {
        // Every container's keyring counts against root's key quota (dockerd's setupRootKeyLimit).
        try {
            Path maxKeys = Path.of("/proc/sys/kernel/keys/root_maxkeys");
            long keys = Long.parseLong(Files.readString(maxKeys).trim());
            if (keys < 1_000_000) {
                Files.writeString(maxKeys, "1000000");
                Files.writeString(Path.of("/proc/sys/kernel/keys/root_maxbytes"), Long.toString(25L * 1_000_000));
            }
        } catch (IOException | NumberFormatException e) {
            LOG.warn("could not raise the root key limit: {}", e.getMessage());
        }
        // Keep the daemon alive under memory pressure, before its containers (--oom-score-adjust -500).
        try {
            Files.writeString(Path.of("/proc/self/oom_score_adj"), "-500");
        } catch (IOException e) {
            LOG.warn("could not set the daemon's oom_score_adj: {}", e.getMessage());
        }
    }
}
