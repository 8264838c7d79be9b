package io.wharf.core.internal.container.logs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** moby's Copier: lines, 16 KiB pieces of longer ones and the unterminated end of the output. */
class LogCopierTest {

    @TempDir
    Path dir;

    /** A clock that moves on a second each time it is read, so each stamp tells when it was taken. */
    private final InstantSource clock = new InstantSource() {
        private Instant next = Instant.parse("2024-01-01T00:00:00Z");

        @Override
        public Instant instant() {
            Instant now = next;
            next = next.plusSeconds(1);
            return now;
        }
    };

    private List<LogMessage> copy(InputStream in) throws IOException {
        Path file = dir.resolve("c-json.log");
        try (JsonFileLog log = JsonFileLog.open(file, Map.of(), JsonFileLogTest.INFO)) {
            LogCopier.copy(in, "stderr", log, clock);
        }
        List<LogMessage> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            out.add(JsonLogLine.decode(line.getBytes(UTF_8)));
        }
        return out;
    }

    private static String text(LogMessage m) {
        return new String(m.line(), UTF_8);
    }

    @Test
    void eachLineIsAnEntryStampedWhenReadAndTheUnterminatedEndIsKeptAsIs() throws IOException {
        List<LogMessage> entries = copy(new ByteArrayInputStream("one\n\nthree\nend".getBytes(UTF_8)));
        assertEquals(List.of("one\n", "\n", "three\n", "end"), entries.stream().map(LogCopierTest::text).toList());
        assertEquals(List.of(0L, 1L, 2L, 3L), entries.stream().map(m -> m.time().getEpochSecond() % 60).toList());
        assertEquals("stderr", entries.get(0).stream());
    }

    @Test
    void aLineLongerThanTheBufferIsSplitIntoPiecesSharingTheFirstPiecesTime() throws IOException {
        String longLine = "a".repeat(LogCopier.BUFFER_SIZE) + "b".repeat(LogCopier.BUFFER_SIZE) + "tail\n";
        List<LogMessage> entries = copy(new TrickleInputStream((longLine + "next\n").getBytes(UTF_8), 1000));
        assertEquals(List.of("a".repeat(LogCopier.BUFFER_SIZE), "b".repeat(LogCopier.BUFFER_SIZE), "tail\n", "next\n"),
                entries.stream().map(LogCopierTest::text).toList());
        Instant first = entries.get(0).time();
        assertEquals(List.of(first, first, first, first.plusSeconds(1)), entries.stream().map(LogMessage::time).toList());
    }

    @Test
    void aLineSplitAcrossReadsIsOneEntry() throws IOException {
        List<LogMessage> entries = copy(new TrickleInputStream("hello world\nbye\n".getBytes(UTF_8), 3));
        assertEquals(List.of("hello world\n", "bye\n"), entries.stream().map(LogCopierTest::text).toList());
    }

    /** Hands out at most {@code chunk} bytes a read, as a pipe does. */
    private static final class TrickleInputStream extends InputStream {

        private final ByteArrayInputStream in;
        private final int chunk;

        TrickleInputStream(byte[] b, int chunk) {
            this.in = new ByteArrayInputStream(b);
            this.chunk = chunk;
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return in.read(b, off, Math.min(len, chunk));
        }
    }
}
