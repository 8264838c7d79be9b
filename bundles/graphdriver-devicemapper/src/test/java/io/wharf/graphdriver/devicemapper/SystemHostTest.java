package io.wharf.graphdriver.devicemapper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real command runner the driver uses, with a shell standing in for the tools. */
class SystemHostTest {

    @TempDir
    Path tempDir;

    private final SystemHost host = new SystemHost();

    @Test
    void keepsStdoutStderrAndTheExitStatusApart() throws Exception {
        Host.Result r = host.exec("sh", "-c", "echo out; echo err >&2; exit 3");
        assertEquals(new Host.Result(3, "out\n", "err\n"), r);
    }

    @Test
    void aToolWritingMuchToBothStreamsDoesNotStall() throws Exception {
        Host.Result r = host.exec("sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' e >&2; head -c 1000000 /dev/zero | tr '\\0' o");
        assertEquals(0, r.exitCode());
        assertEquals(1_000_000, r.stdout().length());
        assertEquals(1_000_000, r.stderr().length());
    }

    @Test
    void runFailsWithTheCommandAndWhatItSaid() {
        IOException e = assertThrows(IOException.class, () -> host.run("sh", "-c", "echo 'Device does not exist.' >&2; exit 1"));
        assertEquals("sh -c echo 'Device does not exist.' >&2; exit 1: Device does not exist.", e.getMessage());
    }

    @Test
    void aTemporaryDirectoryIsNoMountPoint() throws Exception {
        assertFalse(host.isMountPoint(tempDir));
        assertTrue(host.isMountPoint(Path.of("/proc")));
    }
}
