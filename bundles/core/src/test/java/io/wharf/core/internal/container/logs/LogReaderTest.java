package io.wharf.core.internal.container.logs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.wharf.core.spi.errors.InvalidParameterException;

/** docker logs over json-files: framing, filters, tail across rotations, follow and its ends. */
class LogReaderTest {

    static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private JsonFileLog open(Map<String, String> opts) throws IOException {
        return JsonFileLog.open(dir.resolve("c-json.log"), opts, JsonFileLogTest.INFO);
    }

    /** Writes "line i\n" at T0 + i seconds, stdout for even i and stderr for odd. */
    private static void writeLines(JsonFileLog log, int from, int to) throws IOException {
        for (int i = from; i < to; i++) {
            byte[] b = ("line " + i + "\n").getBytes(UTF_8);
            log.write(i % 2 == 0 ? "stdout" : "stderr", b, 0, b.length, T0.plusSeconds(i));
        }
    }

    private static LogsOptions options(int tail) {
        return new LogsOptions(true, true, false, null, null, false, tail, false);
    }

    private static String raw(JsonFileLog log, LogsOptions options) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LogReader.copy(log, options, out, false);
        return out.toString(UTF_8);
    }

    /** Frames as "stream:payload", checking each header's zero bytes and length on the way. */
    static List<String> frames(byte[] b) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < b.length) {
            assertEquals(0, b[i + 1] | b[i + 2] | b[i + 3], "header bytes 1-3 are zero");
            int len = (b[i + 4] & 0xff) << 24 | (b[i + 5] & 0xff) << 16 | (b[i + 6] & 0xff) << 8 | b[i + 7] & 0xff;
            out.add(b[i] + ":" + new String(b, i + 8, len, UTF_8));
            i += 8 + len;
        }
        return out;
    }

    @Test
    void withoutTtyEachEntryIsAFrameOfItsStream() throws Exception {
        try (JsonFileLog log = open(Map.of())) {
            writeLines(log, 0, 2);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            LogReader.copy(log, options(-1), out, true);
            assertArrayEquals(new byte[] {1, 0, 0, 0, 0, 0, 0, 7, 'l', 'i', 'n', 'e', ' ', '0', '\n',
                2, 0, 0, 0, 0, 0, 0, 7, 'l', 'i', 'n', 'e', ' ', '1', '\n'}, out.toByteArray());
        }
    }

    @Test
    void withTtyEntriesAreWrittenRawAndStreamsCanBeLeftOut() throws Exception {
        try (JsonFileLog log = open(Map.of())) {
            writeLines(log, 0, 4);
            assertEquals("line 0\nline 1\nline 2\nline 3\n", raw(log, options(-1)));
            assertEquals("line 1\nline 3\n", raw(log, new LogsOptions(false, true, false, null, null, false, -1, false)));
            assertEquals("line 0\nline 2\n", raw(log, new LogsOptions(true, false, false, null, null, false, -1, false)));
        }
    }

    @Test
    void piecesOfALongLineComeBackAsWritten() throws Exception {
        try (JsonFileLog log = open(Map.of())) {
            for (String piece : List.of("abc", "def\n")) {
                log.write("stdout", piece.getBytes(UTF_8), 0, piece.length(), T0);
            }
            assertEquals(List.of("1:abc", "1:def\n"), frames(copyMux(log, options(-1))));
        }
    }

    private static byte[] copyMux(JsonFileLog log, LogsOptions options) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LogReader.copy(log, options, out, true);
        return out.toByteArray();
    }

    @ParameterizedTest
    @CsvSource({"all,0", "-1,0", "junk,0", "0,10", "3,7", "10,0", "25,0"})
    void tailCountsEntriesFromTheEnd(String tail, int firstShown) throws Exception {
        try (JsonFileLog log = open(Map.of())) {
            writeLines(log, 0, 10);
            StringBuilder expected = new StringBuilder();
            for (int i = firstShown; i < 10; i++) {
                expected.append("line ").append(i).append('\n');
            }
            assertEquals(expected.toString(), raw(log, options(LogsOptions.parseTail(tail))));
        }
    }

    @ParameterizedTest
    @CsvSource({"false,-1,0", "false,1,13", "false,4,10", "false,9,5", "false,100,0",
        "true,-1,0", "true,3,11", "true,6,8", "true,100,0"})
    void readingSpansRotatedFilesOldestFirst(boolean compress, int tail, int firstShown) throws Exception {
        // 77-byte entries, max-size 100: two entries a file; five files keep entries 4 to 13
        Map<String, String> opts = Map.of("max-size", "100", "max-file", "5", "compress", String.valueOf(compress));
        try (JsonFileLog log = open(opts)) {
            writeLines(log, 0, 14);
            StringBuilder expected = new StringBuilder();
            for (int i = Math.max(firstShown, 4); i < 14; i++) {
                expected.append("line ").append(i).append('\n');
            }
            assertEquals(expected.toString(), raw(log, options(tail)));
        }
    }

    @Test
    void sinceSkipsEarlierEntriesAndUntilStopsAfterItsTime() throws Exception {
        try (JsonFileLog log = open(Map.of())) {
            writeLines(log, 0, 6);
            Instant three = T0.plusSeconds(3);
            assertEquals("line 3\nline 4\nline 5\n",
                    raw(log, new LogsOptions(true, true, false, three, null, false, -1, false)));
            assertEquals("line 0\nline 1\nline 2\nline 3\n",
                    raw(log, new LogsOptions(true, true, false, null, three, false, -1, false)));
            assertEquals("line 3\nline 4\n",
                    raw(log, new LogsOptions(true, true, false, three, three.plusSeconds(1), false, -1, false)));
        }
    }

    @Test
    void tailCountsEntriesOfBothStreamsBeforeOneIsLeftOut() throws Exception {
        try (JsonFileLog log = open(Map.of())) {
            writeLines(log, 0, 6);
            assertEquals("line 3\nline 5\n", raw(log, new LogsOptions(false, true, false, null, null, false, 3, false)));
        }
    }

    @Test
    void onceSinceIsReachedOlderEntriesAfterItStillShow() throws Exception {
        try (JsonFileLog log = open(Map.of())) {
            for (int second : new int[] {1, 5, 2}) {
                byte[] b = ("at " + second + "\n").getBytes(UTF_8);
                log.write("stdout", b, 0, b.length, T0.plusSeconds(second));
            }
            assertEquals("at 5\nat 2\n",
                    raw(log, new LogsOptions(true, true, false, T0.plusSeconds(3), null, false, -1, false)));
        }
    }

    @Test
    void timestampsAndDetailsPrefixEachLine() throws Exception {
        try (JsonFileLog log = JsonFileLog.open(dir.resolve("c-json.log"),
                Map.of("labels", "com.example.team", "tag", "a b&c"), JsonFileLogTest.INFO)) {
            byte[] b = "hi\n".getBytes(UTF_8);
            log.write("stdout", b, 0, b.length, Instant.parse("2024-01-01T00:00:00.1234Z"));
            assertEquals("2024-01-01T00:00:00.123400000Z com.example.team=blue,tag=a+b%26c hi\n",
                    raw(log, new LogsOptions(true, true, false, null, null, true, -1, true)));
        }
        try (JsonFileLog log = JsonFileLog.open(dir.resolve("d-json.log"), Map.of(), JsonFileLogTest.INFO)) {
            byte[] b = "hi\n".getBytes(UTF_8);
            log.write("stdout", b, 0, b.length, Instant.parse("2024-01-01T00:00:00Z"));
            assertEquals(" hi\n", raw(log, new LogsOptions(true, true, false, null, null, false, -1, true)),
                    "details without attributes still put their space in, as dockerd does");
        }
    }

    @Test
    void unreadableEntriesAreSkipped() throws Exception {
        Path file = dir.resolve("c-json.log");
        try (JsonFileLog log = open(Map.of())) {
            writeLines(log, 0, 1);
        }
        Files.writeString(file, "{\"log\":\"half\n", StandardOpenOption.APPEND);
        try (JsonFileLog log = open(Map.of())) {
            writeLines(log, 1, 2);
            assertEquals("line 0\nline 1\n", raw(log, options(-1)));
        }
    }

    @Test
    void followStreamsNewEntriesFlushedAsTheyComeAndEndsWhenTheLogCloses() throws Exception {
        JsonFileLog log = open(Map.of("max-size", "100", "max-file", "3"));
        writeLines(log, 0, 2);
        Capture out = new Capture();
        Thread reader = follow(log, new LogsOptions(true, true, true, null, null, false, 1, false), out);
        out.await(s -> s.equals("line 1\n"));
        for (int i = 2; i < 9; i++) {
            writeLines(log, i, i + 1);
            int shown = i;
            out.await(s -> s.endsWith("line " + shown + "\n"));
        }
        log.close();
        reader.join(PATIENCE);
        assertEquals("line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8\n", out.flushed());
        assertFalse(reader.isAlive(), "follow ends when the log is closed");
    }

    @Test
    void followReadsEveryRotatedFileItFellBehindOn() throws Exception {
        try (JsonFileLog log = open(Map.of("max-size", "1k", "max-file", "50"))) {
            writeLines(log, 0, 1);
            CountDownLatch gate = new CountDownLatch(1);
            Capture out = new Capture(gate);
            Thread reader = follow(log, new LogsOptions(true, true, true, null, null, false, -1, false), out);
            out.await(s -> s.equals("line 0\n"));
            // the follower is held in its flush while some 38 rotations go by
            writeLines(log, 1, 500);
            gate.countDown();
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 500; i++) {
                expected.append("line ").append(i).append('\n');
            }
            out.await(s -> s.length() >= expected.length());
            assertEquals(expected.toString(), out.flushed());
            reader.interrupt();
            reader.join(PATIENCE);
            assertFalse(reader.isAlive(), "an interrupt ends a follow");
        }
    }

    @Test
    void followOfAClosedLogEndsAfterWhatIsThere() throws Exception {
        JsonFileLog log = open(Map.of());
        writeLines(log, 0, 2);
        log.close();
        assertEquals("line 0\nline 1\n", raw(log, new LogsOptions(true, true, true, null, null, false, -1, false)));
    }

    @Test
    void followEndsWhenUntilPasses() throws Exception {
        try (JsonFileLog log = open(Map.of())) {
            writeLines(log, 0, 1);
            Instant until = Instant.now().plusMillis(200);
            long start = System.nanoTime();
            assertEquals("line 0\n", raw(log, new LogsOptions(true, true, true, null, until, false, -1, false)));
            assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofMillis(150)) > 0);
        }
    }

    @Test
    void aClientThatGoesAwayEndsTheFollowWithItsError() throws Exception {
        try (JsonFileLog log = open(Map.of())) {
            OutputStream gone = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    throw new IOException("broken pipe");
                }
            };
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    LogReader.copy(log, new LogsOptions(true, true, true, null, null, false, 0, false), gone, true);
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            while (reader.isAlive() && failure.get() == null) {
                writeLines(log, 0, 1);
                reader.join(10);
            }
            reader.join(PATIENCE);
            assertEquals("broken pipe", failure.get().getMessage());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1700000000                   | 2023-11-14T22:13:20Z",
        "1700000000.5                 | 2023-11-14T22:13:20.500Z",
        "1700000000.123456789         | 2023-11-14T22:13:20.123456789Z",
        "1700000000.1234567891234     | 2023-11-14T22:13:20.123456789Z",
        "-1.5                         | 1969-12-31T23:59:59.500Z",
        "2024-01-01T10:00:00+02:00    | 2024-01-01T08:00:00Z",
        "2024-01-01T00:00:00.25Z      | 2024-01-01T00:00:00.250Z",
    })
    void sinceAndUntilTakeUnixTimesWithFractionsOrRfc3339(String value, String expected) {
        assertEquals(Instant.parse(expected), LogsOptions.parseSince(value));
        assertEquals(Instant.parse(expected), LogsOptions.parseUntil(value));
    }

    @Test
    void badTimesAreInvalidParametersAndEmptyOrZeroUntilIsNone() {
        assertNull(LogsOptions.parseSince(""));
        assertNull(LogsOptions.parseUntil("0"));
        assertEquals(Instant.EPOCH, LogsOptions.parseSince("0"));
        assertEquals("invalid value for \"since\": invalid timestamp \"abc\": invalid seconds \"abc\": invalid syntax",
                assertThrows(InvalidParameterException.class, () -> LogsOptions.parseSince("abc")).getMessage());
        assertEquals("invalid value for \"until\": invalid timestamp \"1.2x\": "
                + "invalid nanoseconds: invalid character 'x' at position 1",
                assertThrows(InvalidParameterException.class, () -> LogsOptions.parseUntil("1.2x")).getMessage());
        assertEquals("Bad parameters: you must choose at least one stream", assertThrows(InvalidParameterException.class,
                () -> new LogsOptions(false, false, false, null, null, false, -1, false)).getMessage());
    }

    private static Thread follow(JsonFileLog log, LogsOptions options, Capture out) {
        return Thread.ofPlatform().start(() -> {
            try {
                LogReader.copy(log, options, out, false);
            } catch (InterruptedException e) {
                // the test's way of hanging up
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    /** What a client has received: the bytes up to the last flush, which the test waits on. */
    private static final class Capture extends OutputStream {

        private final ByteArrayOutputStream written = new ByteArrayOutputStream();
        private final CountDownLatch gate;
        private String flushed = "";

        Capture() {
            this(new CountDownLatch(0));
        }

        /** A client that, once it has received something, takes no more until the gate opens. */
        Capture(CountDownLatch gate) {
            this.gate = gate;
        }

        @Override
        public synchronized void write(int b) {
            written.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            written.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            synchronized (this) {
                flushed = written.toString(UTF_8);
                notifyAll();
            }
            if (gate.getCount() > 0) {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
        }

        synchronized String flushed() {
            return flushed;
        }

        synchronized void await(Predicate<String> condition) throws InterruptedException {
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (!condition.test(flushed)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("never received what was expected; got: " + flushed);
                }
                wait(left / 1_000_000 + 1);
            }
        }
    }
}
