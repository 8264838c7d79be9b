package io.wharf.core.spi.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.internal.platform.FileStat;

/**
 * Layers that try to write outside the directory they are applied to. Each is refused naming the
 * entry, and the sentinel directory beside the root, like everything else outside the root, is
 * left exactly as it was.
 */
class LayerTarSecurityTest {

    @TempDir
    Path tmp;

    private Path root;
    private Path outside;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectory(tmp.resolve("root"));
        outside = Files.createDirectory(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep"), "keep");
    }

    /** Everything under the temporary directory but the root: path, mode, link count, content. */
    private SortedMap<String, String> outsideRoot() throws IOException {
        SortedMap<String, String> state = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(tmp)) {
            for (Path p : walk.filter(p -> !p.startsWith(root)).toList()) {
                FileStat s = FileStat.of(p);
                state.put(tmp.relativize(p).toString(), Integer.toOctalString(s.mode()) + " " + s.nlink()
                        + (s.isRegularFile() ? " " + Files.readString(p) : ""));
            }
        }
        return state;
    }

    private void assertRefused(TarBuilder layer, String entry, WhiteoutFormat format) throws IOException {
        SortedMap<String, String> before = outsideRoot();
        UnsafeEntryException e = assertThrows(UnsafeEntryException.class,
                () -> LayerTar.apply(layer.stream(), root, format));
        assertEquals(entry, e.entry());
        assertTrue(e.getMessage().contains("\"" + entry + "\""), e.getMessage());
        assertEquals(before, outsideRoot());
    }

    private void assertRefused(TarBuilder layer, String entry) throws IOException {
        assertRefused(layer, entry, WhiteoutFormat.AUFS);
    }

    @Test
    void dotDotOutOfTheRoot() throws IOException {
        assertRefused(new TarBuilder().file("../escape", "x"), "../escape");
        assertRefused(new TarBuilder().dir("a/").file("a/../../outside/keep", "x"), "a/../../outside/keep");
    }

    @Test
    void absoluteNames() throws IOException {
        assertRefused(new TarBuilder().file("/abs", "x"), "/abs");
        String longName = "/" + "d".repeat(150); // too long for the ustar header: a PAX path record
        assertRefused(new TarBuilder().file(longName, "x"), longName);
    }

    @Test
    void symlinkFromThisLayerWithAbsoluteTarget() throws IOException {
        assertRefused(new TarBuilder().symlink("evil", outside.toString()).file("evil/pwned", "x"), "evil/pwned");
        assertTrue(Files.isSymbolicLink(root.resolve("evil")), "the link itself is fine: its target is the container's /");
    }

    @Test
    void directoryReplacedByASymlinkInTheSameLayerIsNotTrustedAsBefore() throws IOException {
        // a/ is found (and remembered) for a/x, then becomes a link out of the root.
        assertRefused(new TarBuilder().dir("a/").file("a/x", "x").symlink("a", outside.toString()).file("a/pwned", "x"),
                "a/pwned");
        assertRefused(new TarBuilder().dir("b/").file("b/x", "x").marker(".wh.b").symlink("b", "../outside")
                .file("b/pwned", "x"), "b");
    }

    @Test
    void symlinkFromThisLayerClimbingOut() throws IOException {
        assertRefused(new TarBuilder().symlink("evil", "../outside"), "evil");
        assertRefused(new TarBuilder().dir("a/").symlink("a/evil", "../../outside"), "a/evil");
    }

    @Test
    void symlinksAlreadyInTheRoot() throws IOException {
        Files.createSymbolicLink(root.resolve("abs"), outside);
        Files.createSymbolicLink(root.resolve("up"), Path.of("../outside"));
        Files.createSymbolicLink(root.resolve("chain"), Path.of("up"));
        assertRefused(new TarBuilder().file("abs/pwned", "x"), "abs/pwned");
        assertRefused(new TarBuilder().file("up/pwned", "x"), "up/pwned");
        assertRefused(new TarBuilder().file("chain/pwned", "x"), "chain/pwned");
        assertRefused(new TarBuilder().dir("abs/sub/"), "abs/sub/");
    }

    @Test
    void relativeSymlinkInsideTheRootIsFollowed() throws IOException {
        LayerTar.apply(new TarBuilder().dir("usr/").dir("usr/lib/").symlink("lib", "usr/lib").file("lib/libc.so", "c")
                .stream(), root, WhiteoutFormat.AUFS);
        assertEquals("c", Files.readString(root.resolve("usr/lib/libc.so")));
        assertTrue(Files.isSymbolicLink(root.resolve("lib")));
    }

    @Test
    void hardLinksOutOfTheRoot() throws IOException {
        Files.createSymbolicLink(root.resolve("abs"), outside);
        assertRefused(new TarBuilder().hardlink("h", "../outside/keep"), "h");
        assertRefused(new TarBuilder().hardlink("h", outside.resolve("keep").toString()), "h");
        assertRefused(new TarBuilder().hardlink("h", "abs/keep"), "h");
        assertEquals(1, FileStat.of(outside.resolve("keep")).nlink());
    }

    @Test
    void hardLinkToASymlinkNeverChangesItsTarget() throws IOException {
        Files.createSymbolicLink(root.resolve("s"), outside.resolve("keep"));
        SortedMap<String, String> before = outsideRoot();
        LayerTar.apply(new TarBuilder().hardlink("h", "s", e -> {
            e.setMode(0777);
            e.setUserId(1234);
        }).stream(), root, WhiteoutFormat.AUFS);
        assertEquals(before, outsideRoot());
        assertTrue(Files.isSymbolicLink(root.resolve("h")));
    }

    @Test
    void whiteoutsOutOfTheRoot() throws IOException {
        Files.createSymbolicLink(root.resolve("abs"), outside);
        for (WhiteoutFormat format : WhiteoutFormat.values()) {
            assertRefused(new TarBuilder().marker(".wh.."), ".wh..", format);
            assertRefused(new TarBuilder().marker(".wh."), ".wh.", format);
            assertRefused(new TarBuilder().marker("../.wh.outside"), "../.wh.outside", format);
            assertRefused(new TarBuilder().marker("abs/.wh.keep"), "abs/.wh.keep", format);
            assertRefused(new TarBuilder().marker("abs/.wh..wh..opq"), "abs/.wh..wh..opq", format);
        }
        assertTrue(Files.isDirectory(root));
    }

    @Test
    void fileOverASymlinkReplacesTheLink() throws IOException {
        Files.createSymbolicLink(root.resolve("target"), outside.resolve("keep"));
        SortedMap<String, String> before = outsideRoot();
        LayerTar.apply(new TarBuilder().file("target", "new", e -> e.setMode(0777)).stream(), root, WhiteoutFormat.AUFS);
        assertEquals(before, outsideRoot());
        assertFalse(Files.isSymbolicLink(root.resolve("target")));
        assertEquals("new", Files.readString(root.resolve("target"), StandardCharsets.UTF_8));
    }

    @Test
    void directoryOverASymlinkReplacesTheLink() throws IOException {
        Files.createSymbolicLink(root.resolve("d"), outside);
        SortedMap<String, String> before = outsideRoot();
        LayerTar.apply(new TarBuilder().dir("d/").file("d/f", "f").stream(), root, WhiteoutFormat.AUFS);
        assertEquals(before, outsideRoot());
        assertTrue(Files.isDirectory(root.resolve("d"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("f", Files.readString(root.resolve("d/f")));
    }

    @Test
    void whiteoutOfASymlinkDeletesOnlyTheLink() throws IOException {
        Files.createSymbolicLink(root.resolve("link"), outside);
        SortedMap<String, String> before = outsideRoot();
        LayerTar.apply(new TarBuilder().marker(".wh.link").stream(), root, WhiteoutFormat.AUFS);
        assertEquals(before, outsideRoot());
        assertFalse(Files.exists(root.resolve("link"), LinkOption.NOFOLLOW_LINKS));
    }
}
