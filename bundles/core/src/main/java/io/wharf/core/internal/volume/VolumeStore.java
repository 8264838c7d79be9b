package io.wharf.core.internal.volume;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.wharf.core.internal.fs.AtomicFiles;
import io.wharf.core.internal.json.Json;

/**
 * The volumes' metadata on disk: an append-only log, {@code data-root/volumes/_metadata/volumes.log},
 * with a line per change (a whole record put, or a name deleted), each line the CRC-32 of its JSON
 * then the JSON. A change is durable once its line is appended and fdatasync'd: one data flush,
 * where a file per volume cost a new inode, two fsyncs and two journal commits (a volume create
 * took ~4 ms of them; dockerd's bolt transaction ~1 ms). Power lost during an append can leave a
 * torn last line, which the next start drops: that change was never answered. When the log has
 * grown to several times the live records it is rewritten with them alone, atomically.
 * Records kept as one JSON file each ({@code NAME.json}, as Wharf wrote them before) are taken
 * into the log at start. The directory's name is not a valid volume name, so it never meets a
 * local volume's directory beside it.
 */
final class VolumeStore {

    private static final Logger LOG = LoggerFactory.getLogger(VolumeStore.class);
    static final String DIR = "_metadata";
    static final String LOG_FILE = "volumes.log";
    /** A rewrite once the log holds this many lines per live record (plus some slack for few records). */
    private static final int LINES_PER_RECORD = 4;
    private static final int SLACK = 256;
    private static final HexFormat HEX = HexFormat.of();

    /** One line of the log: exactly one of the two is set. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Change(VolumeRecord put, String delete) {
    }

    private final Path dir;
    private final Path log;
    /** The live records by name; guarded by this, as are the log's appends and rewrites. */
    private final Map<String, VolumeRecord> records = new LinkedHashMap<>();
    private int lines;
    /** The log open for appending, from the first append after a rewrite until the next rewrite or close. */
    private FileChannel appender;

    VolumeStore(Path volumesRoot) throws IOException {
        this.dir = volumesRoot.resolve(DIR);
        this.log = dir.resolve(LOG_FILE);
        Files.createDirectories(dir);
        List<Path> oneFileEach = readOneFileEach();
        boolean torn = Files.exists(log) && !replay();
        if (!oneFileEach.isEmpty() || torn || !Files.exists(log)) {
            rewrite();
            for (Path file : oneFileEach) {
                Files.delete(file); // its record is in the log now
            }
            AtomicFiles.syncDirectory(dir);
        }
    }

    synchronized VolumeRecord get(String name) {
        return records.get(name);
    }

    synchronized Collection<VolumeRecord> all() {
        return List.copyOf(records.values());
    }

    synchronized void put(VolumeRecord record) throws IOException {
        append(new Change(record, null));
        records.put(record.name(), record);
    }

    synchronized void delete(String name) throws IOException {
        if (records.containsKey(name)) {
            append(new Change(null, name));
            records.remove(name);
        }
    }

    private void append(Change change) throws IOException {
        if (lines >= LINES_PER_RECORD * records.size() + SLACK) {
            rewrite();
        }
        ByteBuffer line = ByteBuffer.wrap(line(change));
        if (appender == null) {
            appender = FileChannel.open(log, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        }
        while (line.hasRemaining()) {
            appender.write(line);
        }
        appender.force(false);
        lines++;
    }

    /** Closes the log; a later change opens it again. */
    synchronized void close() throws IOException {
        if (appender != null) {
            appender.close();
            appender = null;
        }
    }

    /** The log anew with one put per live record: written beside it and renamed over it. */
    private void rewrite() throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        for (VolumeRecord r : records.values()) {
            out.write(line(new Change(r, null)));
        }
        close(); // it would append to the file that the rename replaces
        AtomicFiles.write(log, out.toByteArray());
        lines = records.size();
    }

    private static byte[] line(Change change) throws IOException {
        byte[] json = Json.MAPPER.writeValueAsBytes(change);
        byte[] crc = HEX.toHexDigits((int) crc(json, 0, json.length)).getBytes(StandardCharsets.US_ASCII);
        ByteBuffer line = ByteBuffer.allocate(crc.length + 1 + json.length + 1);
        return line.put(crc).put((byte) ' ').put(json).put((byte) '\n').array();
    }

    /**
     * Applies the log's lines in order, up to the first that is cut short or fails its checksum
     * (only the last append can be torn). Whether every line was whole.
     */
    private boolean replay() throws IOException {
        byte[] bytes = Files.readAllBytes(log);
        int at = 0;
        while (at < bytes.length) {
            int end = indexOf(bytes, (byte) '\n', at);
            Change change = end < 0 ? null : parse(bytes, at, end);
            if (change == null) {
                LOG.warn("volume metadata {}: dropping a torn change at byte {} of {} (a write cut short)", log, at,
                        bytes.length);
                return false;
            }
            if (change.put() != null) {
                records.put(change.put().name(), change.put());
            } else if (change.delete() != null) {
                records.remove(change.delete());
            }
            lines++;
            at = end + 1;
        }
        return true;
    }

    /** The change of the line bytes[from, end), or null when it is not a whole line with its checksum. */
    private static Change parse(byte[] bytes, int from, int end) {
        int json = from + 9;
        if (end < json || bytes[from + 8] != ' ') {
            return null;
        }
        try {
            long expected = HEX.fromHexDigits(new String(bytes, from, 8, StandardCharsets.US_ASCII)) & 0xffffffffL;
            if (crc(bytes, json, end - json) != expected) {
                return null;
            }
            Change change = Json.MAPPER.readValue(bytes, json, end - json, Change.class);
            return change.put() != null || change.delete() != null ? change : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long crc(byte[] bytes, int from, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, from, length);
        return crc.getValue();
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Reads the records kept as a file each, and removes the temporary files of writes that never
     * finished; the record files, for removal once the log holds them.
     */
    private List<Path> readOneFileEach() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path file : entries) {
                String name = file.getFileName().toString();
                if (name.startsWith(".")) {
                    Files.deleteIfExists(file);
                } else if (name.endsWith(".json")) {
                    try {
                        VolumeRecord r = Json.MAPPER.readValue(file.toFile(), VolumeRecord.class);
                        records.put(r.name(), r);
                        files.add(file);
                    } catch (IOException | RuntimeException e) {
                        LOG.warn("skipping unreadable volume metadata {}: {}", file, e.getMessage());
                    }
                }
            }
        }
        return files;
    }
}
