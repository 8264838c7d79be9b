package io.wharf.core.spi.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mountFrom resolves relative paths from its directory without moving the rest of the JVM. Needs root. */
class MountsTest {

    @TempDir
    Path tempDir;

    @Test
    void mountFromResolvesRelativePathsInItsDirectoryOnly() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "mount(2) needs root");
        Path cwdBefore = Files.readSymbolicLink(Path.of("/proc/thread-self/cwd"));
        Files.createDirectories(tempDir.resolve("source"));
        Files.writeString(tempDir.resolve("source/file"), "seen through the bind mount");
        Path target = Files.createDirectory(tempDir.resolve("target"));

        // The source is relative: only found from tempDir.
        Mounts.mountFrom(tempDir, "source", target, null, Mounts.MS_BIND, null);
        try {
            assertTrue(Mounts.isMountPoint(target), "not mounted");
            assertEquals("seen through the bind mount", Files.readString(target.resolve("file")));
        } finally {
            Mounts.unmount(target, Mounts.MNT_DETACH);
        }
        assertFalse(Mounts.isMountPoint(target), "still mounted");
        assertEquals(cwdBefore, Files.readSymbolicLink(Path.of("/proc/thread-self/cwd")), "the caller's working directory moved");
        assertEquals(cwdBefore, Files.readSymbolicLink(Path.of("/proc/self/cwd")), "the process's working directory moved");
    }

    @Test
    void mountFromReportsTheFailure() {
        assumeTrue("root".equals(System.getProperty("user.name")), "mount(2) needs root");
        IOException e = assertThrows(IOException.class,
                () -> Mounts.mountFrom(tempDir.resolve("missing"), "source", tempDir, null, Mounts.MS_BIND, null));
        assertTrue(e.getMessage().contains("chdir"), e.getMessage());
    }
}
