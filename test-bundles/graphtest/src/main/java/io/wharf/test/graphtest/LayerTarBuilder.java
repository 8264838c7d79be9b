package io.wharf.test.graphtest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Writes small layer tars for the suite and reads diffs back, with commons-compress (not the code under test). */
final class LayerTarBuilder {

    /** Every entry's modification time: 2020-09-13, long before any file the test writes. */
    static final FileTime MTIME = FileTime.fromMillis(1_600_000_000_000L);

    /** One entry read back, with the content of a regular file. */
    record Read(TarArchiveEntry entry, byte[] content) {
    }

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar;

    LayerTarBuilder() {
        tar = new TarArchiveOutputStream(bytes, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    LayerTarBuilder dir(String name) throws IOException {
        return entry(name, TarConstants.LF_DIR, 0755, null);
    }

    LayerTarBuilder file(String name, String content) throws IOException {
        return file(name, content, 0644);
    }

    LayerTarBuilder file(String name, String content, int mode) throws IOException {
        return entry(name, TarConstants.LF_NORMAL, mode, content.getBytes(StandardCharsets.UTF_8));
    }

    private LayerTarBuilder entry(String name, byte type, int mode, byte[] content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setMode(mode);
        e.setLastModifiedTime(MTIME);
        e.setUserId(0);
        e.setGroupId(0);
        if (content != null) {
            e.setSize(content.length);
        }
        tar.putArchiveEntry(e);
        if (content != null) {
            tar.write(content);
        }
        tar.closeArchiveEntry();
        return this;
    }

    byte[] bytes() throws IOException {
        tar.finish();
        return bytes.toByteArray();
    }

    static List<Read> read(byte[] tarBytes) throws IOException {
        List<Read> out = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tarBytes), StandardCharsets.UTF_8.name())) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                out.add(new Read(e, e.isFile() ? in.readAllBytes() : new byte[0]));
            }
        }
        return out;
    }
}
