package io.wharf.core.internal.container.logs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.wharf.core.internal.units.Sizes;
import io.wharf.core.spi.errors.InvalidParameterException;

/** The json-file as dockerd writes it: entry bytes, escaping, attributes, rotation, options. */
class JsonFileLogTest {

    static final LogInfo INFO = new LogInfo("0123456789abcdef0123456789abcdef", "/web",
            "sha256:fedcba9876543210fedcba9876543210", "nginx:latest", "/bin/sh", List.of("-c", "run"),
            Map.of("com.example.team", "blue", "other", "x"), List.of("REGION=eu west", "EMPTY=", "NOEQ"));

    static final Instant T = Instant.parse("2024-01-01T00:00:00.123456789Z");

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("c-json.log");
    }

    private JsonFileLog open(Map<String, String> opts) throws IOException {
        return JsonFileLog.open(file(), opts, INFO);
    }

    private static void write(JsonFileLog log, String stream, String text, Instant time) throws IOException {
        byte[] b = text.getBytes(UTF_8);
        log.write(stream, b, 0, b.length, time);
    }

    @Test
    void entriesHaveDockerdsShapeAndTimeSpelling() throws IOException {
        try (JsonFileLog log = open(Map.of())) {
            write(log, "stdout", "hello\n", T);
            write(log, "stderr", "oops\n", Instant.parse("2024-01-01T00:00:01Z"));
            write(log, "stdout", "partial", Instant.parse("2024-01-01T00:00:02.100Z"));
        }
        assertEquals("""
                {"log":"hello\\n","stream":"stdout","time":"2024-01-01T00:00:00.123456789Z"}
                {"log":"oops\\n","stream":"stderr","time":"2024-01-01T00:00:01Z"}
                {"log":"partial","stream":"stdout","time":"2024-01-01T00:00:02.1Z"}
                """, Files.readString(file()));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file())));
    }

    @Test
    void textIsEscapedAsGoEscapesItAndInvalidUtf8BecomesReplacementCharacters() throws IOException {
        byte[] text = concat("q\"b\\t\tc\u0001<>&\r".getBytes(UTF_8),
                "é€😀\u2028\u2029".getBytes(UTF_8),
                new byte[] {(byte) 0xff, 'x', (byte) 0xc3, (byte) 0xe2, (byte) 0x82, 'y', (byte) 0xed, (byte) 0xa0,
                    (byte) 0x80, (byte) 0xc0, (byte) 0xaf, '\n'});
        try (JsonFileLog log = open(Map.of())) {
            log.write("stdout", text, 0, text.length, T);
        }
        String line = Files.readString(file());
        assertEquals("{\"log\":\"q\\\"b\\\\t\\u0009c\\u0001\\u003c\\u003e\\u0026\\r"
                + "é€😀\\u2028\\u2029"
                + "\\ufffdx\\ufffd\\ufffd\\ufffdy\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\n\","
                + "\"stream\":\"stdout\",\"time\":\"2024-01-01T00:00:00.123456789Z\"}\n", line);
        LogMessage back = JsonLogLine.decode(line.strip().getBytes(UTF_8));
        assertEquals("q\"b\\t\tc\u0001<>&\ré€😀\u2028\u2029\ufffdx\ufffd\ufffd\ufffdy\ufffd\ufffd\ufffd\ufffd\ufffd\n",
                new String(back.line(), UTF_8));
    }

    @Test
    void writesOnlyTheGivenSliceOfTheBuffer() throws IOException {
        byte[] b = "xxabc\nyy".getBytes(UTF_8);
        try (JsonFileLog log = open(Map.of())) {
            log.write("stdout", b, 2, 4, T);
        }
        assertTrue(Files.readString(file()).startsWith("{\"log\":\"abc\\n\","));
    }

    @Test
    void labelsEnvAndTagBecomeAttrsBetweenStreamAndTime() throws IOException {
        Map<String, String> opts = Map.of("labels", "com.example.team,missing", "env", "REGION,EMPTY,NOEQ",
                "tag", "{{.Name}}/{{ .ID }}/{{.ImageName}}/{{.ImageID}}/{{.Command}}");
        try (JsonFileLog log = open(opts)) {
            write(log, "stdout", "x\n", T);
        }
        assertEquals("{\"log\":\"x\\n\",\"stream\":\"stdout\",\"attrs\":{\"EMPTY\":\"\",\"REGION\":\"eu west\","
                + "\"com.example.team\":\"blue\",\"tag\":\"web/0123456789ab/nginx:latest/fedcba987654/"
                + "/bin/sh -c run\"},\"time\":\"2024-01-01T00:00:00.123456789Z\"}\n", Files.readString(file()));
    }

    @Test
    void regexOptionsMatchAnywhereInTheKey() throws IOException {
        try (JsonFileLog log = open(Map.of("labels-regex", "team", "env-regex", "^REG"))) {
            write(log, "stdout", "x\n", T);
        }
        assertTrue(Files.readString(file()).contains(
                "\"attrs\":{\"REGION\":\"eu west\",\"com.example.team\":\"blue\"}"), Files.readString(file()));
    }

    @Test
    void reopeningAppends() throws IOException {
        try (JsonFileLog log = open(Map.of())) {
            write(log, "stdout", "one\n", T);
        }
        try (JsonFileLog log = open(Map.of())) {
            write(log, "stdout", "two\n", T);
        }
        assertEquals(2, Files.readAllLines(file()).size());
    }

    @Test
    void writingAfterCloseFails() throws IOException {
        JsonFileLog log = open(Map.of());
        log.close();
        IOException e = assertThrows(IOException.class, () -> write(log, "stdout", "late\n", T));
        assertEquals("cannot write because the output file was closed", e.getMessage());
    }

    @Test
    void rotatesAtMaxSizeKeepingMaxFileFiles() throws IOException {
        // each entry is 77 bytes; max-size 100 rotates after every second entry
        try (JsonFileLog log = open(Map.of("max-size", "100", "max-file", "3"))) {
            for (int i = 0; i < 9; i++) {
                write(log, "stdout", "line " + i + "\n", T);
            }
        }
        assertEquals(List.of("line 8"), texts(file()));
        assertEquals(List.of("line 6", "line 7"), texts(dir.resolve("c-json.log.1")));
        assertEquals(List.of("line 4", "line 5"), texts(dir.resolve("c-json.log.2")));
        assertFalse(Files.exists(dir.resolve("c-json.log.3")));
    }

    @Test
    void maxFileOneDropsTheOldFile() throws IOException {
        try (JsonFileLog log = open(Map.of("max-size", "100"))) {
            for (int i = 0; i < 5; i++) {
                write(log, "stdout", "line " + i + "\n", T);
            }
        }
        assertEquals(List.of("line 4"), texts(file()));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void compressGzipsRotatedFiles() throws IOException {
        try (JsonFileLog log = open(Map.of("max-size", "100", "max-file", "3", "compress", "true"))) {
            for (int i = 0; i < 7; i++) {
                write(log, "stdout", "line " + i + "\n", T);
            }
        }
        assertFalse(Files.exists(dir.resolve("c-json.log.1")));
        try (InputStream in = new GZIPInputStream(Files.newInputStream(dir.resolve("c-json.log.1.gz")))) {
            assertEquals(2, new String(in.readAllBytes(), UTF_8).lines().count());
        }
        assertTrue(Files.exists(dir.resolve("c-json.log.2.gz")));
        assertEquals(List.of("line 6"), texts(file()));
    }

    @Test
    void concurrentWritersNeverInterleaveEntries() throws Exception {
        int perThread = 2000;
        try (JsonFileLog log = open(Map.of("max-size", "50k", "max-file", "100"))) {
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (String stream : List.of("stdout", "stderr")) {
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                        for (int i = 0; i < perThread; i++) {
                            write(log, stream, stream + " " + i + " " + "x".repeat(i % 300) + "\n", T);
                        }
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }));
            }
            go.countDown();
            for (Thread t : threads) {
                t.join();
            }
        }
        Map<String, Integer> next = new HashMap<>(Map.of("stdout", 0, "stderr", 0));
        List<Path> files = new ArrayList<>();
        for (int i = 99; i >= 1; i--) {
            Path rotated = dir.resolve("c-json.log." + i);
            if (Files.exists(rotated)) {
                files.add(rotated);
            }
        }
        files.add(file());
        for (Path f : files) {
            for (String line : Files.readAllLines(f)) {
                LogMessage m = JsonLogLine.decode(line.getBytes(UTF_8));
                int i = next.merge(m.stream(), 1, Integer::sum) - 1;
                assertEquals(m.stream() + " " + i + " " + "x".repeat(i % 300) + "\n", new String(m.line(), UTF_8));
            }
        }
        assertEquals(Map.of("stdout", perThread, "stderr", perThread), next);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "foo=1                          | unknown log opt 'foo' for json-file log driver",
        "max-size=abc                   | invalid size: 'abc'",
        "max-size=0                     | max-size must be a positive number",
        "max-size=10x                   | invalid suffix: 'x'",
        "max-size=10kib                 | ",
        "max-size=10mbb                 | invalid suffix: 'mbb'",
        "max-size=1.2.3                 | strconv.ParseFloat: parsing \"1.2.3\": invalid syntax",
        "max-size=-1                    | invalid size: '-1'",
        "max-file=0                     | max-file cannot be less than 1",
        "max-file=x                     | strconv.Atoi: parsing \"x\": invalid syntax",
        "max-file=99999999999           | strconv.Atoi: parsing \"99999999999\": value out of range",
        "compress=maybe                 | strconv.ParseBool: parsing \"maybe\": invalid syntax",
        "compress=true                  | compress cannot be true when max-file is less than 2 or max-size is not set",
        "compress=true,max-size=1m      | compress cannot be true when max-file is less than 2 or max-size is not set",
        "compress=false,max-file=2      | ",
        "mode=fast                      | logger: logging mode not supported: fast",
        "max-buffer-size=1m             | logger: max-buffer-size option is only supported with 'mode=non-blocking'",
        "mode=non-blocking,max-buffer-size=4m | ",
        "cache-disabled=nope            | invalid value for option cache-disabled: nope",
        "labels-regex=[                 | error parsing regexp for labels-regex: Unclosed character class: `[`",
        "tag={{.Name                    | template: log-tag: unclosed action in \"{{.Name\"",
        "tag={{upper .Name}}            | template: log-tag: unsupported action {{upper .Name}} in \"{{upper .Name}}\"; only {{.Field}} of logger.Info is supported",
    })
    void optionsAreCheckedWithDockerdsMessages(String options, String message) throws IOException {
        Map<String, String> opts = new HashMap<>();
        for (String option : options.split(",")) {
            String[] kv = option.split("=", 2);
            opts.put(kv[0], kv[1]);
        }
        if (message == null) {
            open(opts).close();
            return;
        }
        InvalidParameterException e = assertThrows(InvalidParameterException.class, () -> open(opts));
        assertEquals(message, e.getMessage());
        assertFalse(Files.exists(file()), "a log with bad options is not created");
    }

    @Test
    void validateChecksNamesNotTheDriversValuesAsDockerdDoesAtCreate() {
        JsonFileLog.validate(Map.of("max-size", "abc", "tag", "{{.Name}}"));
        InvalidParameterException e = assertThrows(InvalidParameterException.class,
                () -> JsonFileLog.validate(Map.of("max-size", "1m", "syslog-address", "udp://x")));
        assertEquals("unknown log opt 'syslog-address' for json-file log driver", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"100,100", "1k,1000", "10m,10000000", "1.5kb,1500", "2 MiB,2000000", "1g,1000000000", "7b,7"})
    void sizesAreGoUnitsDecimalSizes(String text, long bytes) {
        assertEquals(bytes, Sizes.parse(text, Sizes.DECIMAL));
    }

    /** The "log" texts of a file's entries, without their newlines. */
    static List<String> texts(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            out.add(new String(JsonLogLine.decode(line.getBytes(UTF_8)).line(), UTF_8).strip());
        }
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
