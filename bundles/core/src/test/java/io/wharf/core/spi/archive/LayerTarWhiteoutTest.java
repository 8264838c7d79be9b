package io.wharf.core.spi.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.internal.platform.FileStat;
import io.wharf.core.internal.platform.PosixFiles;

class LayerTarWhiteoutTest {

    @TempDir
    Path root;

    private static boolean exists(Path p) {
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void aufsWhiteoutsDelete() throws IOException {
        Files.createDirectories(root.resolve("b/dir/deep"));
        Files.writeString(root.resolve("b/file"), "f");
        Files.writeString(root.resolve("c"), "c");
        LayerTar.apply(new TarBuilder().marker(".wh.c").marker("b/.wh.file").marker("b/.wh.dir").marker(".wh.never-there")
                .stream(), root, WhiteoutFormat.AUFS);
        assertFalse(exists(root.resolve("c")));
        assertFalse(exists(root.resolve("b/file")));
        assertFalse(exists(root.resolve("b/dir")));
        assertFalse(exists(root.resolve(".wh.c")), "a whiteout is not a file in a full-copy layer");
        assertTrue(Files.isDirectory(root.resolve("b")));
    }

    @Test
    void aufsOpaqueDirectoryKeepsWhatTheSameLayerMade() throws IOException {
        Files.createDirectories(root.resolve("a/old-dir/x"));
        Files.writeString(root.resolve("a/old"), "old");
        Files.writeString(root.resolve("a/new"), "overwritten by the layer");
        Files.writeString(root.resolve("beside"), "untouched");
        LayerTar.apply(new TarBuilder().dir("a/").file("a/new", "new").dir("a/sub/").file("a/sub/f", "f")
                .marker("a/.wh..wh..opq").file("a/later", "later").stream(), root, WhiteoutFormat.AUFS);
        assertFalse(exists(root.resolve("a/old")));
        assertFalse(exists(root.resolve("a/old-dir")));
        assertEquals("new", Files.readString(root.resolve("a/new")));
        assertEquals("f", Files.readString(root.resolve("a/sub/f")));
        assertEquals("later", Files.readString(root.resolve("a/later")));
        assertEquals("untouched", Files.readString(root.resolve("beside")));
        assertFalse(exists(root.resolve("a/.wh..wh..opq")));
    }

    @Test
    void aufsMetadataIsSkipped() throws IOException {
        LayerTar.apply(new TarBuilder().dir(".wh..wh.plnk/").file(".wh..wh.plnk/123", "x").marker("d/.wh..wh.aufs")
                .file("d/kept", "k").stream(), root, WhiteoutFormat.AUFS);
        assertFalse(exists(root.resolve(".wh..wh.plnk")));
        assertFalse(exists(root.resolve("d/.wh..wh.aufs")));
        assertEquals("k", Files.readString(root.resolve("d/kept")));
    }

    @Test
    void overlayWhiteoutsAreMarkersThatWriteTurnsBack(@TempDir Path copy) throws IOException {
        Trees.assumeXattrs(root, "trusted.overlay.probe");
        LayerTar.apply(new TarBuilder().dir("a/").marker("a/.wh..wh..opq").file("a/f", "f")
                .file(".wh.gone", "", e -> {
                    e.setUserId(1000);
                    e.setGroupId(1000);
                }).stream(), root, WhiteoutFormat.OVERLAY);

        FileStat gone = FileStat.of(root.resolve("gone"));
        assertTrue(gone.isCharacterDevice());
        assertEquals(0, gone.rdev());
        assertEquals(1000, gone.uid());
        assertArrayEquals(new byte[] {'y'}, PosixFiles.lgetxattr(root.resolve("a"), "trusted.overlay.opaque"));
        assertEquals("f", Files.readString(root.resolve("a/f")));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LayerTar.write(root, out, WhiteoutFormat.OVERLAY);
        List<TarArchiveEntry> entries = TarBuilder.entries(out.toByteArray());
        assertEquals(List.of("a/", "a/.wh..wh..opq", "a/f", ".wh.gone"), entries.stream().map(TarArchiveEntry::getName).toList());
        TarArchiveEntry opaque = entries.get(1);
        assertTrue(opaque.isFile());
        assertEquals(0, opaque.getSize());
        assertTrue(entries.getFirst().getExtraPaxHeaders().keySet().stream().noneMatch(k -> k.contains("overlay")),
                "overlay's xattr becomes the marker, not a record");
        TarArchiveEntry whiteout = entries.get(3);
        assertTrue(whiteout.isFile());
        assertEquals(1000, whiteout.getLongUserId());

        // The same layer applied to a full copy deletes.
        Files.writeString(Files.createDirectory(copy.resolve("a")).resolve("lower"), "hidden by the opaque marker");
        Files.writeString(copy.resolve("gone"), "deleted");
        LayerTar.apply(new ByteArrayInputStream(out.toByteArray()), copy, WhiteoutFormat.AUFS);
        assertFalse(exists(copy.resolve("a/lower")));
        assertFalse(exists(copy.resolve("gone")));
        assertEquals("f", Files.readString(copy.resolve("a/f")));
        assertNull(PosixFiles.lgetxattr(copy.resolve("a"), "trusted.overlay.opaque"));
    }
}
