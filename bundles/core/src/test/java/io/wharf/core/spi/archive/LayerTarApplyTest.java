package io.wharf.core.spi.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;

import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.internal.platform.FileStat;
import io.wharf.core.internal.platform.PosixFiles;

class LayerTarApplyTest {

    private static final FileTime DIR_MTIME = FileTime.fromMillis(1_500_000_000_000L);
    private static final FileTime NANO_MTIME = FileTime.from(Instant.ofEpochSecond(1_600_000_000L, 123_456_700));

    @TempDir
    Path root;

    private long apply(TarBuilder layer) throws IOException {
        return LayerTar.apply(layer.stream(), root, WhiteoutFormat.AUFS);
    }

    @Test
    void everyKindOfEntryWithItsMetadata() throws IOException {
        long size = apply(new TarBuilder()
                .dir("bin/", e -> e.setLastModifiedTime(DIR_MTIME))
                .file("bin/su", "su binary", e -> e.setMode(04755))
                .hardlink("bin/su-again", "bin/su", e -> e.setMode(04755))
                .dir("tmp/", e -> e.setMode(01777))
                .dir("srv/", e -> {
                    e.setMode(02775);
                    e.setUserId(1000);
                    e.setGroupId(1000);
                })
                .file("home/user/notes", "hello", e -> {
                    e.setMode(0640);
                    e.setUserId(1000);
                    e.setGroupId(1001);
                    e.setLastModifiedTime(NANO_MTIME);
                })
                .symlink("etc/python", "/usr/bin/python3", e -> e.setUserId(1000))
                .entry("dev/null", TarConstants.LF_CHR, null, e -> {
                    e.setMode(0666);
                    e.setDevMajor(1);
                    e.setDevMinor(3);
                })
                .entry("dev/loop0", TarConstants.LF_BLK, null, e -> {
                    e.setMode(0660);
                    e.setDevMajor(7);
                    e.setDevMinor(0);
                })
                .entry("run/fifo", TarConstants.LF_FIFO, null, e -> e.setMode(0600)));

        assertEquals("su binary".length() + "hello".length(), size);
        FileStat su = FileStat.of(root.resolve("bin/su"));
        assertEquals(0104755, su.mode());
        assertEquals("su binary", Files.readString(root.resolve("bin/su")));
        FileStat again = FileStat.of(root.resolve("bin/su-again"));
        assertEquals(su.ino(), again.ino());
        assertEquals(2, again.nlink());
        assertEquals(041777, FileStat.of(root.resolve("tmp")).mode());
        FileStat srv = FileStat.of(root.resolve("srv"));
        assertEquals(042775, srv.mode());
        assertEquals(1000, srv.uid());
        assertEquals(1000, srv.gid());

        FileStat notes = FileStat.of(root.resolve("home/user/notes"));
        assertEquals(0100640, notes.mode());
        assertEquals(1000, notes.uid());
        assertEquals(1001, notes.gid());
        assertEquals(NANO_MTIME, notes.mtime());
        assertEquals(040755, FileStat.of(root.resolve("home")).mode(), "parents a layer leaves out are made 0755");

        assertEquals("/usr/bin/python3", PosixFiles.readlink(root.resolve("etc/python")));
        assertEquals(1000, FileStat.of(root.resolve("etc/python")).uid(), "lchown, not chown through the link");
        assertEquals(TarBuilder.MTIME, FileStat.of(root.resolve("etc/python")).mtime());

        FileStat dev = FileStat.of(root.resolve("dev/null"));
        assertTrue(dev.isCharacterDevice());
        assertEquals(1, dev.major());
        assertEquals(3, dev.minor());
        assertEquals(0666, dev.permissions());
        FileStat loop = FileStat.of(root.resolve("dev/loop0"));
        assertTrue(loop.isBlockDevice());
        assertEquals(7, loop.major());
        assertTrue(FileStat.of(root.resolve("run/fifo")).isFifo());

        assertEquals(DIR_MTIME, FileStat.of(root.resolve("bin")).mtime(), "a directory's time is set after its contents");
    }

    @Test
    void existingEntriesAreReplacedButDirectoriesMerge() throws IOException {
        Files.writeString(root.resolve("x"), "file becomes dir");
        Files.createDirectories(root.resolve("d"));
        Files.writeString(root.resolve("d/old"), "stays");
        Files.createDirectories(root.resolve("e/child"));
        Files.writeString(root.resolve("f"), "old content, longer than the new");

        apply(new TarBuilder().dir("x/").file("x/inner", "i").dir("d/", e -> e.setMode(0700)).file("d/new", "n")
                .file("e", "dir becomes file").file("f", "new"));

        assertEquals("i", Files.readString(root.resolve("x/inner")));
        assertEquals("stays", Files.readString(root.resolve("d/old")));
        assertEquals("n", Files.readString(root.resolve("d/new")));
        assertEquals(0700, FileStat.of(root.resolve("d")).permissions());
        assertEquals("dir becomes file", Files.readString(root.resolve("e")));
        assertEquals("new", Files.readString(root.resolve("f")));
    }

    @Test
    void rootEntryAndDotSlashNames() throws IOException {
        apply(new TarBuilder().dir("./", e -> e.setMode(0711)).dir("./a/").file("./a/b", "b"));
        assertEquals(0711, FileStat.of(root).permissions());
        assertEquals("b", Files.readString(root.resolve("a/b")));
    }

    @Test
    void longAndNonAsciiNames() throws IOException {
        String longName = "d/" + "n".repeat(200);
        apply(new TarBuilder().file(longName, "long").file("café/thé", "tea"));
        assertEquals("long", Files.readString(root.resolve(longName)));
        assertEquals("tea", Files.readString(root.resolve("café/thé")));
    }

    @Test
    void extendedAttributesIncludingBinaryValues() throws IOException {
        Trees.assumeXattrs(root, "user.probe");
        byte[] binary = {0x01, (byte) 0x80, (byte) 0xff, 0x00, '\n', 0x7f};
        TarBuilder layer = new TarBuilder().file("f", "x", e -> e.addPaxHeader("SCHILY.xattr.user.text", "hello"));
        apply(layer);
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), PosixFiles.lgetxattr(root.resolve("f"), "user.text"));

        // commons-compress can only write UTF-8 values; Go's archive/tar writes raw bytes, so build those by hand.
        byte[] tar = new TarBuilder().file("g", "y", e -> e.addPaxHeader("SCHILY.xattr.user.bin", "0".repeat(binary.length)))
                .bytes();
        byte[] placeholder = ("user.bin=" + "0".repeat(binary.length) + "\n").getBytes(StandardCharsets.UTF_8);
        int at = indexOf(tar, placeholder);
        System.arraycopy(binary, 0, tar, at + "user.bin=".length(), binary.length);
        LayerTar.apply(new ByteArrayInputStream(tar), root, WhiteoutFormat.AUFS);
        assertArrayEquals(binary, PosixFiles.lgetxattr(root.resolve("g"), "user.bin"));
    }

    static int indexOf(byte[] data, byte[] part) {
        for (int i = 0; i + part.length <= data.length; i++) {
            if (Arrays.equals(data, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        throw new AssertionError("not found: " + new String(part, StandardCharsets.UTF_8));
    }

    @Test
    void overlaysOwnAttributesAreNotTakenFromTheLayer() throws IOException {
        Trees.assumeXattrs(root, "trusted.overlay.probe");
        apply(new TarBuilder().dir("d/", e -> e.addPaxHeader("SCHILY.xattr.trusted.overlay.redirect", "/elsewhere")));
        assertEquals(null, PosixFiles.lgetxattr(root.resolve("d"), "trusted.overlay.redirect"));
    }

    @Test
    void compressedLayers() throws IOException {
        TarBuilder layer = new TarBuilder().file("gz", "zipped");
        assertEquals(6, LayerTar.apply(new ByteArrayInputStream(layer.gzip()), root, WhiteoutFormat.AUFS));
        assertEquals("zipped", Files.readString(root.resolve("gz")));
        LayerTar.apply(new ByteArrayInputStream(new TarBuilder().file("bz", "b").bzip2()), root, WhiteoutFormat.AUFS);
        assertEquals("b", Files.readString(root.resolve("bz")));

        for (byte[] magic : new byte[][] {{0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0}, {(byte) 0xfd, '7', 'z', 'X', 'Z', 0}}) {
            IOException e = assertThrows(IOException.class,
                    () -> LayerTar.apply(new ByteArrayInputStream(magic), root, WhiteoutFormat.AUFS));
            assertTrue(e.getMessage().startsWith("unsupported compression"), e.getMessage());
        }
    }

    @Test
    void theWholeStreamIsRead() throws IOException {
        byte[] tar = new TarBuilder().file("f", "x").bytes();
        ByteArrayInputStream in = new ByteArrayInputStream(Arrays.copyOf(tar, tar.length + 10_000));
        LayerTar.apply(in, root, WhiteoutFormat.AUFS);
        assertEquals(0, in.available());
    }

    @Test
    void brokenEntriesFailWithTheirName() throws IOException {
        IOException missing = assertThrows(IOException.class, () -> apply(new TarBuilder().hardlink("h", "nowhere")));
        assertTrue(missing.getMessage().contains("\"h\""), missing.getMessage());
        Files.writeString(root.resolve("file"), "not a directory");
        IOException notDir = assertThrows(IOException.class, () -> apply(new TarBuilder().file("file/child", "c")));
        assertTrue(notDir.getMessage().contains("\"file/child\""), notDir.getMessage());
        assertFalse(Files.exists(root.resolve("h"), LinkOption.NOFOLLOW_LINKS));
    }
}
