package io.wharf.core.spi.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.internal.platform.PosixFiles;

/** The naive diff: changes between a parent layer and its child, and the layer tar made from them. */
class ChangesTest {

    @TempDir
    Path lower;

    @TempDir
    Path upper;

    @BeforeEach
    void parentLayer() throws IOException {
        LayerTar.apply(new TarBuilder().dir("bin/").file("bin/sh", "shell", e -> e.setMode(0755))
                .dir("etc/").file("etc/passwd", "root:x:0:0").file("etc/hosts", "127.0.0.1 localhost")
                .dir("gone/").file("gone/x", "x").dir("a/").dir("a/b/").file("a/b/c", "c")
                .dir("same/").file("same/file", "s").stream(), lower, WhiteoutFormat.AUFS);
        copy(lower, upper); // what vfs does to create a child layer
    }

    private static void copy(Path from, Path to) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        LayerTar.write(from, tar, WhiteoutFormat.AUFS);
        LayerTar.apply(new ByteArrayInputStream(tar.toByteArray()), to, WhiteoutFormat.AUFS);
    }

    private static Change change(String path, Change.Kind kind) {
        return new Change(path, kind);
    }

    @Test
    void anUnchangedCopyHasNoChanges() throws IOException {
        assertEquals(List.of(), Changes.between(lower, upper));
    }

    @Test
    void addModifyDeleteWithParentsReportedModified() throws IOException {
        Files.writeString(upper.resolve("etc/passwd"), "root:x:0:0\nuser:x:1000:1000");
        Files.writeString(upper.resolve("etc/new"), "new");
        Files.delete(upper.resolve("etc/hosts"));
        PosixFiles.chmod(upper.resolve("bin/sh"), 0700);
        Files.delete(upper.resolve("gone/x"));
        Files.delete(upper.resolve("gone"));
        Files.createDirectories(upper.resolve("opt/app"));
        Files.writeString(upper.resolve("opt/app/run"), "run");
        Files.delete(upper.resolve("a/b/c"));
        Files.createDirectory(upper.resolve("a/b/c"));

        assertEquals(List.of(
                change("/a", Change.Kind.MODIFY),
                change("/a/b", Change.Kind.MODIFY),
                change("/a/b/c", Change.Kind.MODIFY),
                change("/bin", Change.Kind.MODIFY),
                change("/bin/sh", Change.Kind.MODIFY),
                change("/etc", Change.Kind.MODIFY),
                change("/etc/hosts", Change.Kind.DELETE),
                change("/etc/new", Change.Kind.ADD),
                change("/etc/passwd", Change.Kind.MODIFY),
                change("/gone", Change.Kind.DELETE),
                change("/opt", Change.Kind.ADD),
                change("/opt/app", Change.Kind.ADD),
                change("/opt/app/run", Change.Kind.ADD)), Changes.between(lower, upper));
    }

    @Test
    void ownerAndTimeAreChangesButADirectorysTimeIsNot() throws IOException {
        PosixFiles.lchown(upper.resolve("same/file"), 1000, 1000);
        PosixFiles.lutimes(upper.resolve("etc/passwd"), FileTime.fromMillis(1_000L));
        PosixFiles.lutimes(upper.resolve("bin"), FileTime.fromMillis(2_000L));
        assertEquals(List.of(
                change("/etc", Change.Kind.MODIFY),
                change("/etc/passwd", Change.Kind.MODIFY),
                change("/same", Change.Kind.MODIFY),
                change("/same/file", Change.Kind.MODIFY)), Changes.between(lower, upper));
    }

    @Test
    void anExtendedAttributeIsAChange() throws IOException {
        Trees.assumeXattrs(upper, "user.probe");
        PosixFiles.lsetxattr(upper.resolve("bin/sh"), "user.note", "x".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of(change("/bin", Change.Kind.MODIFY), change("/bin/sh", Change.Kind.MODIFY)),
                Changes.between(lower, upper));
    }

    @Test
    void naiveDiffAppliedToTheParentGivesTheChild(@TempDir Path replay) throws IOException {
        Files.writeString(upper.resolve("etc/passwd"), "changed");
        Files.delete(upper.resolve("etc/hosts"));
        Files.delete(upper.resolve("gone/x"));
        Files.delete(upper.resolve("gone"));
        Files.createDirectories(upper.resolve("opt/app"));
        Files.writeString(upper.resolve("opt/app/run"), "run");
        Files.createLink(upper.resolve("opt/app/run2"), upper.resolve("opt/app/run"));
        Files.delete(upper.resolve("a/b/c"));
        Files.createSymbolicLink(upper.resolve("a/b/c"), Path.of("/bin/sh"));
        Trees.wholeSeconds(upper);

        ByteArrayOutputStream diff = new ByteArrayOutputStream();
        LayerTar.writeChanges(upper, Changes.between(lower, upper), diff);
        List<String> names = TarBuilder.entries(diff.toByteArray()).stream().map(TarArchiveEntry::getName).toList();
        assertEquals(List.of("a/", "a/b/", "a/b/c", "etc/", "etc/.wh.hosts", "etc/passwd", ".wh.gone",
                "opt/", "opt/app/", "opt/app/run", "opt/app/run2"), names);

        copy(lower, replay);
        LayerTar.apply(new ByteArrayInputStream(diff.toByteArray()), replay, WhiteoutFormat.AUFS);
        assertEquals(Trees.describe(upper), Trees.describe(replay));
    }
}
