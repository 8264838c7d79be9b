package io.wharf.core.spi.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.internal.platform.PosixFiles;

class LayerTarWriteTest {

    private static final byte[] BINARY = {0x01, 0x00, 0x00, 0x02, (byte) 0x80, 0x20, (byte) 0xff, '\n', 0x00, 0x00};

    @TempDir
    Path source;

    @TempDir
    Path target;

    private static byte[] write(Path root, WhiteoutFormat format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LayerTar.write(root, out, format);
        return out.toByteArray();
    }

    /** A tree with one of everything, times in whole seconds (a layer keeps no more). */
    private void buildSourceTree(boolean xattrs) throws IOException {
        Files.createDirectories(source.resolve("usr/bin"));
        Files.writeString(source.resolve("usr/bin/tool"), "#!/bin/sh\necho tool\n");
        PosixFiles.chmod(source.resolve("usr/bin/tool"), 04755);
        Files.createLink(source.resolve("usr/bin/tool-alias"), source.resolve("usr/bin/tool"));
        Files.createSymbolicLink(source.resolve("usr/bin/absolute"), Path.of("/usr/bin/tool"));
        Files.createSymbolicLink(source.resolve("usr/bin/relative"), Path.of("tool"));
        PosixFiles.lchown(source.resolve("usr/bin/relative"), 1000, 1000);
        Files.createDirectories(source.resolve("tmp"));
        PosixFiles.chmod(source.resolve("tmp"), 01777);
        Files.createDirectories(source.resolve("home/user"));
        PosixFiles.lchown(source.resolve("home/user"), 1000, 1000);
        PosixFiles.chmod(source.resolve("home/user"), 02750);
        Files.writeString(source.resolve("home/user/empty"), "");
        Files.write(source.resolve("home/user/big"), new byte[200_000]);
        Files.createDirectories(source.resolve("dev"));
        PosixFiles.mknod(source.resolve("dev/null"), PosixFiles.S_IFCHR, 0666, 1, 3);
        PosixFiles.mknod(source.resolve("dev/sda"), PosixFiles.S_IFBLK, 0660, 8, 0);
        PosixFiles.mkfifo(source.resolve("dev/fifo"), 0600);
        Path deep = Files.createDirectories(source.resolve("deep/" + "x".repeat(120) + "/ünïcødé"));
        Files.writeString(deep.resolve("y".repeat(150)), "long name");
        if (xattrs) {
            PosixFiles.lsetxattr(source.resolve("usr/bin/tool"), "user.text", "plain".getBytes(StandardCharsets.UTF_8));
            PosixFiles.lsetxattr(source.resolve("home/user/empty"), "user.binary", BINARY);
        }
        Trees.wholeSeconds(source);
    }

    @Test
    void writeThenApplyGivesTheSameTree() throws IOException {
        buildSourceTree(false);
        byte[] layer = write(source, WhiteoutFormat.AUFS);
        LayerTar.apply(new ByteArrayInputStream(layer), target, WhiteoutFormat.AUFS);
        assertEquals(Trees.describe(source), Trees.describe(target));
    }

    @Test
    void extendedAttributesRoundTripByteForByte() throws IOException {
        Trees.assumeXattrs(source, "user.probe");
        buildSourceTree(true);
        byte[] layer = write(source, WhiteoutFormat.AUFS);
        // Stored as Go's archive/tar stores it: the raw value in the record, not re-encoded.
        byte[] record = new byte["SCHILY.xattr.user.binary=".length() + BINARY.length];
        System.arraycopy("SCHILY.xattr.user.binary=".getBytes(StandardCharsets.US_ASCII), 0, record, 0, record.length - BINARY.length);
        System.arraycopy(BINARY, 0, record, record.length - BINARY.length, BINARY.length);
        LayerTarApplyTest.indexOf(layer, record);

        LayerTar.apply(new ByteArrayInputStream(layer), target, WhiteoutFormat.AUFS);
        assertArrayEquals(BINARY, PosixFiles.lgetxattr(target.resolve("home/user/empty"), "user.binary"));
        assertEquals(Trees.describe(source), Trees.describe(target));
    }

    @Test
    void entriesAreSortedDeterministicAndMobyShaped() throws IOException {
        buildSourceTree(false);
        byte[] first = write(source, WhiteoutFormat.AUFS);
        assertArrayEquals(first, write(source, WhiteoutFormat.AUFS));

        List<TarArchiveEntry> entries = TarBuilder.entries(first);
        List<String> names = entries.stream().map(TarArchiveEntry::getName).toList();
        assertEquals(names.indexOf("usr/") + 1, names.indexOf("usr/bin/"));
        assertTrue(names.indexOf("usr/bin/absolute") < names.indexOf("usr/bin/relative"));
        TarArchiveEntry alias = entries.get(names.indexOf("usr/bin/tool-alias"));
        TarArchiveEntry tool = entries.get(names.indexOf("usr/bin/tool"));
        assertTrue(tool.isLink() != alias.isLink(), "one of two hard-linked names is a link entry");
        for (TarArchiveEntry e : entries) {
            assertEquals("", e.getUserName());
            assertEquals(0, e.getLastModifiedTime().toInstant().getNano());
        }
        assertEquals(04755, tool.getMode() & 07777);
        TarArchiveEntry dev = entries.get(names.indexOf("dev/null"));
        assertTrue(dev.isCharacterDevice());
        assertEquals(1, dev.getDevMajor());
        assertEquals(3, dev.getDevMinor());
    }

    @Test
    void socketsAreLeftOut() throws IOException {
        Files.writeString(source.resolve("file"), "f");
        try (ServerSocketChannel socket = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            socket.bind(UnixDomainSocketAddress.of(source.resolve("sock")));
            List<String> names = TarBuilder.entries(write(source, WhiteoutFormat.AUFS)).stream()
                    .map(TarArchiveEntry::getName).toList();
            assertEquals(List.of("file"), names);
        }
    }
}
