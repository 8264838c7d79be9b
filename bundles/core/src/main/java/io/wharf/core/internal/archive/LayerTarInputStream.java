package io.wharf.core.internal.archive;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * A tar reader that also keeps the raw bytes of the current entry's PAX records and GNU long
 * names. commons-compress decodes PAX values as UTF-8, which garbles binary extended attribute
 * values, and strips leading slashes from PAX and GNU long names, which would hide an absolute
 * entry name. It reads that header data through this stream's {@link #read(byte[], int, int)}
 * while positioning on the next entry; that is where it is captured.
 */
final class LayerTarInputStream extends TarArchiveInputStream {

    private static final String XATTR_PREFIX = "SCHILY.xattr.";

    private final ByteArrayOutputStream pax = new ByteArrayOutputStream();
    private final ByteArrayOutputStream longName = new ByteArrayOutputStream();
    private final ByteArrayOutputStream longLink = new ByteArrayOutputStream();
    private Map<String, byte[]> records = Map.of();
    private int depth;

    LayerTarInputStream(InputStream in) {
        super(in, StandardCharsets.UTF_8.name());
    }

    @Override
    public TarArchiveEntry getNextEntry() throws IOException {
        if (depth == 0) { // commons-compress calls this again for the entry a header block describes
            pax.reset();
            longName.reset();
            longLink.reset();
        }
        depth++;
        TarArchiveEntry entry;
        try {
            entry = super.getNextEntry();
        } finally {
            depth--;
        }
        if (depth == 0) {
            records = parse(pax.toByteArray());
        }
        return entry;
    }

    @Override
    public int read(byte[] buf, int offset, int length) throws IOException {
        int n = super.read(buf, offset, length);
        TarArchiveEntry current = getCurrentEntry();
        if (n > 0 && depth > 0 && current != null) {
            if (current.isPaxHeader()) {
                pax.write(buf, offset, n);
            } else if (current.isGNULongNameEntry()) {
                longName.write(buf, offset, n);
            } else if (current.isGNULongLinkEntry()) {
                longLink.write(buf, offset, n);
            }
        }
        return n;
    }

    private static Map<String, byte[]> parse(byte[] data) {
        Map<String, byte[]> parsed = new HashMap<>();
        PaxRecords.forEach(data, (key, offset, length) -> parsed.put(key, Arrays.copyOfRange(data, offset, offset + length)));
        return parsed;
    }

    /** The entry's name as the archive spells it, leading slash included. */
    String name(TarArchiveEntry entry) {
        return spelled(records.get("path"), longName, entry.getName());
    }

    /** The link target as the archive spells it. */
    String linkName(TarArchiveEntry entry) {
        return spelled(records.get("linkpath"), longLink, entry.getLinkName());
    }

    private static String spelled(byte[] paxValue, ByteArrayOutputStream gnuLong, String header) {
        if (paxValue != null) {
            return new String(paxValue, StandardCharsets.UTF_8);
        }
        if (gnuLong.size() > 0) {
            byte[] bytes = gnuLong.toByteArray();
            int end = bytes.length;
            while (end > 0 && bytes[end - 1] == 0) {
                end--;
            }
            return new String(bytes, 0, end, StandardCharsets.UTF_8);
        }
        return header;
    }

    /** The current entry's extended attributes ({@code SCHILY.xattr.*} records), by name, values raw. */
    Map<String, byte[]> xattrs() {
        Map<String, byte[]> xattrs = new TreeMap<>();
        records.forEach((key, value) -> {
            if (key.startsWith(XATTR_PREFIX)) {
                xattrs.put(key.substring(XATTR_PREFIX.length()), value);
            }
        });
        return xattrs;
    }
}
