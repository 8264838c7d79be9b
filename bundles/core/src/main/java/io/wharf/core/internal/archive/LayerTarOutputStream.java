package io.wharf.core.internal.archive;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A PAX tar writer that stores extended attribute values byte for byte, as Go's archive/tar does.
 * commons-compress encodes PAX values as UTF-8 strings, so a value that is not valid UTF-8 (a
 * {@code security.capability}, say) goes in as a placeholder of the same length, and the
 * placeholder's bytes are overwritten when commons-compress writes the header data through
 * {@link #write(byte[], int, int)}; the record lengths stay right.
 */
final class LayerTarOutputStream extends TarArchiveOutputStream {

    private static final String XATTR_PREFIX = "SCHILY.xattr.";

    private final Map<String, byte[]> rawValues = new HashMap<>();
    private boolean writingPaxHeader;

    LayerTarOutputStream(OutputStream out) {
        super(out, StandardCharsets.UTF_8.name());
        setLongFileMode(LONGFILE_POSIX);
        setBigNumberMode(BIGNUMBER_POSIX);
        setAddPaxHeadersForNonAsciiNames(true);
    }

    /** Starts an entry carrying {@code xattrs} (name to raw value) as {@code SCHILY.xattr.*} records. */
    void putArchiveEntry(TarArchiveEntry entry, Map<String, byte[]> xattrs) throws IOException {
        xattrs.forEach((name, value) -> {
            String key = XATTR_PREFIX + name;
            String text = utf8(value);
            if (text == null) {
                rawValues.put(key, value);
                text = "0".repeat(value.length);
            }
            entry.addPaxHeader(key, text);
        });
        try {
            putArchiveEntry(entry);
        } finally {
            rawValues.clear();
        }
    }

    private static String utf8(byte[] value) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(value)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    @Override
    public void putArchiveEntry(TarArchiveEntry entry) throws IOException {
        writingPaxHeader = entry.isPaxHeader() && !rawValues.isEmpty();
        super.putArchiveEntry(entry);
    }

    @Override
    public void write(byte[] buf, int offset, int length) throws IOException {
        if (writingPaxHeader) {
            byte[] data = Arrays.copyOfRange(buf, offset, offset + length);
            PaxRecords.forEach(data, (key, valueOffset, valueLength) -> {
                byte[] raw = rawValues.get(key);
                if (raw != null && raw.length == valueLength) {
                    System.arraycopy(raw, 0, data, valueOffset, valueLength);
                }
            });
            super.write(data, 0, data.length);
            return;
        }
        super.write(buf, offset, length);
    }

    @Override
    public void closeArchiveEntry() throws IOException {
        writingPaxHeader = false;
        super.closeArchiveEntry();
    }
}
