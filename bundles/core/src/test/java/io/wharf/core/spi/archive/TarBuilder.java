package io.wharf.core.spi.archive;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;

/** Builds layer tars for tests with commons-compress, names exactly as given (leading slash kept). */
final class TarBuilder {

    static final FileTime MTIME = FileTime.fromMillis(1_600_000_000_000L);

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar;

    TarBuilder() {
        tar = new TarArchiveOutputStream(bytes, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    TarBuilder dir(String name) {
        return dir(name, e -> { });
    }

    TarBuilder dir(String name, Consumer<TarArchiveEntry> tweak) {
        return entry(name, TarConstants.LF_DIR, null, e -> {
            e.setMode(0755);
            tweak.accept(e);
        });
    }

    TarBuilder file(String name, String content) {
        return file(name, content, e -> { });
    }

    TarBuilder file(String name, String content, Consumer<TarArchiveEntry> tweak) {
        return entry(name, TarConstants.LF_NORMAL, content.getBytes(StandardCharsets.UTF_8), e -> {
            e.setMode(0644);
            tweak.accept(e);
        });
    }

    TarBuilder symlink(String name, String target) {
        return symlink(name, target, e -> { });
    }

    TarBuilder symlink(String name, String target, Consumer<TarArchiveEntry> tweak) {
        return entry(name, TarConstants.LF_SYMLINK, null, e -> {
            e.setLinkName(target);
            e.setMode(0777);
            tweak.accept(e);
        });
    }

    TarBuilder hardlink(String name, String target) {
        return hardlink(name, target, e -> { });
    }

    TarBuilder hardlink(String name, String target, Consumer<TarArchiveEntry> tweak) {
        return entry(name, TarConstants.LF_LINK, null, e -> {
            e.setLinkName(target);
            e.setMode(0644);
            tweak.accept(e);
        });
    }

    /** An empty regular file: whiteouts and opaque markers. */
    TarBuilder marker(String name) {
        return file(name, "");
    }

    TarBuilder entry(String name, byte type, byte[] content, Consumer<TarArchiveEntry> tweak) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setLastModifiedTime(MTIME);
        e.setUserId(0);
        e.setGroupId(0);
        if (content != null) {
            e.setSize(content.length);
        }
        tweak.accept(e);
        try {
            tar.putArchiveEntry(e);
            if (content != null) {
                tar.write(content);
            }
            tar.closeArchiveEntry();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return this;
    }

    byte[] bytes() {
        try {
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    InputStream stream() {
        return new ByteArrayInputStream(bytes());
    }

    byte[] gzip() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes());
        }
        return out.toByteArray();
    }

    byte[] bzip2() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BZip2CompressorOutputStream bz = new BZip2CompressorOutputStream(out)) {
            bz.write(bytes());
        }
        return out.toByteArray();
    }

    /** The entries of a tar, in order, as read back by commons-compress. */
    static List<TarArchiveEntry> entries(byte[] tar) throws IOException {
        List<TarArchiveEntry> entries = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar), StandardCharsets.UTF_8.name())) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.add(e);
            }
        }
        return entries;
    }
}
