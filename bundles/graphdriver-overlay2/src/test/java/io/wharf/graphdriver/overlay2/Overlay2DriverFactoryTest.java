package io.wharf.graphdriver.overlay2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.spi.graphdriver.NotSupportedException;

/** The factory's decline over a filesystem overlayfs cannot sit on: a real overlay mount, so root only. */
class Overlay2DriverFactoryTest {

    @TempDir
    Path tmp;

    @Test
    void declinesOverOverlayfsAndLeavesNoHomeBehind() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting an overlay needs root");
        for (String d : new String[] {"lower", "upper", "work", "merged"}) {
            Files.createDirectory(tmp.resolve(d));
        }
        Path merged = tmp.resolve("merged");
        run("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + tmp.resolve("lower") + ",upperdir="
                + tmp.resolve("upper") + ",workdir=" + tmp.resolve("work"), merged.toString());
        try {
            Path home = merged.resolve("overlay2");
            NotSupportedException e = assertThrows(NotSupportedException.class,
                    () -> new Overlay2DriverFactory().create(home, Map.of()));
            assertTrue(e.getMessage().contains("not supported over overlay"), e.getMessage());
            assertFalse(Files.exists(home), "a declined driver's home would read as prior state at the next start");
        } finally {
            run("umount", merged.toString());
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).inheritIO().start();
        assertEquals(0, p.waitFor(), String.join(" ", command));
    }
}
