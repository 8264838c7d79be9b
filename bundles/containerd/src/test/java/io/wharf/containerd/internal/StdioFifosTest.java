package io.wharf.containerd.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.spi.runtime.Stdio;
import io.wharf.core.spi.runtime.TaskProcess;

@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StdioFifosTest {

    @TempDir
    Path dir;

    @Test
    void dockerdsLayout() {
        StdioFifos all = StdioFifos.of(dir, StdioFifos.INIT, new Stdio(true, false));
        assertEquals(dir.resolve("init-stdin"), all.stdin());
        assertEquals(dir.resolve("init-stdout"), all.stdout());
        assertEquals(dir.resolve("init-stderr"), all.stderr());
        StdioFifos tty = StdioFifos.of(dir, "e1", new Stdio(false, true));
        assertNull(tty.stdin());
        assertEquals(dir.resolve("e1-stdout"), tty.stdout());
        assertNull(tty.stderr());
        assertEquals("", StdioFifos.wire(tty.stdin()));
        assertEquals(StdioFifos.of(dir, "e1", new Stdio(true, false)), StdioFifos.every(dir, "e1"));
        assertEquals(new StdioFifos(null, Path.of("/a/x-stdout"), null), StdioFifos.recorded("", "/a/x-stdout", ""));
    }

    @Test
    void theDaemonsEndsOpenOnceTheOtherSideOpensItsOwn() throws Exception {
        StdioFifos fifos = StdioFifos.of(dir.resolve("bundle"), StdioFifos.INIT, new Stdio(true, false));
        StdioFifos.Opening opening = fifos.makeAndOpen();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fifos.stdout())));
        // the shim's side, opened as a call to containerd would make it open them
        CompletableFuture<InputStream> shimStdin = CompletableFuture.supplyAsync(() -> open(fifos.stdin()));
        try (OutputStream shimStdout = new FileOutputStream(fifos.stdout().toFile());
                OutputStream shimStderr = new FileOutputStream(fifos.stderr().toFile())) {
            TaskProcess p = opening.await(42, Duration.ofSeconds(5));
            assertEquals(42, p.pid());
            shimStdout.write("out".getBytes(UTF_8));
            shimStderr.write("err".getBytes(UTF_8));
            shimStdout.close();
            shimStderr.close();
            assertEquals("out", new String(p.stdout().readAllBytes(), UTF_8));
            assertEquals("err", new String(p.stderr().readAllBytes(), UTF_8));
            p.stdin().write("in".getBytes(UTF_8));
            p.stdin().close();
            assertEquals("in", new String(shimStdin.get().readAllBytes(), UTF_8));
        }
        fifos.remove();
        assertFalse(Files.exists(fifos.stdin()));
        assertFalse(Files.exists(fifos.stdout()));
    }

    @Test
    void anOpenNobodyAnswersIsCancelled() throws Exception {
        StdioFifos fifos = StdioFifos.of(dir, "e1", new Stdio(true, false));
        StdioFifos.Opening opening = fifos.makeAndOpen();
        IOException e = assertThrows(IOException.class, () -> opening.await(1, Duration.ofMillis(200)));
        assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        // nothing waits on the FIFOs any more: they can be removed and made again
        fifos.remove();
        fifos.makeAndOpen().cancel();
    }

    @Test
    void reopenDoesNotWaitForAnExitedProcess() throws Exception {
        StdioFifos fifos = StdioFifos.of(dir, StdioFifos.INIT, new Stdio(true, false));
        fifos.makeAndOpen().cancel();
        TaskProcess p = fifos.reopen(7);
        assertEquals(-1, p.stdout().read(), "nobody writes: end of stream");
        assertEquals(-1, p.stderr().read());
        p.stdin().close();
        p.stdout().close();
        p.stderr().close();
    }

    private static InputStream open(Path fifo) {
        try {
            return new FileInputStream(fifo.toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
