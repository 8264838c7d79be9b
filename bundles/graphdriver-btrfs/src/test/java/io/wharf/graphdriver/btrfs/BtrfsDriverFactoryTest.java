package io.wharf.graphdriver.btrfs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.spi.graphdriver.NotSupportedException;

/** The btrfs factory declines, with the reason, where dockerd's btrfs driver would. */
class BtrfsDriverFactoryTest {

    @TempDir
    Path tempDir;

    @Test
    void declinesOnAFilesystemThatIsNotBtrfsAndNamesIt() throws Exception {
        String type = Files.getFileStore(tempDir).type();
        assumeFalse(type.equals("btrfs"), "the temporary directory is on btrfs itself");
        assumeTrue(Files.readString(Path.of("/proc/filesystems")).contains("\tbtrfs\n"),
                "the kernel has no btrfs, so the factory declines before looking at the filesystem");
        Path home = tempDir.resolve("btrfs");

        NotSupportedException e = assertThrows(NotSupportedException.class,
                () -> new BtrfsDriverFactory().create(home, Map.of()));
        assertTrue(e.getMessage().contains(type) && e.getMessage().contains("btrfs"),
                "the reason names the filesystem: " + e.getMessage());
        assertFalse(Files.exists(home), "declining left " + home + " behind");
    }

    @Test
    void refusesAnUnknownOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BtrfsDriverFactory().create(tempDir.resolve("btrfs"), Map.of("btrfs.nonsense", "1")));
        assertTrue(e.getMessage().contains("btrfs.nonsense"), e.getMessage());
    }
}
