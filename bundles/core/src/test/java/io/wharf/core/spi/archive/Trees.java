package io.wharf.core.spi.archive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

import io.wharf.core.internal.platform.ErrnoException;
import io.wharf.core.internal.platform.FileStat;
import io.wharf.core.internal.platform.PosixFiles;

/** Test helpers: a tree described path by path, so two trees compare with assertEquals; file system probes. */
final class Trees {

    private Trees() {
    }

    /**
     * Every path below {@code root} (not root itself) with type, mode, owner, mtime, content or
     * link target, device number, extended attributes, and which earlier path it is a hard link of.
     */
    static SortedMap<String, String> describe(Path root) throws IOException {
        SortedMap<String, String> tree = new TreeMap<>();
        Map<List<Long>, String> inodes = new HashMap<>();
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.filter(p -> !p.equals(root)).sorted().toList();
        }
        for (Path p : paths) {
            FileStat s = FileStat.of(p);
            StringBuilder d = new StringBuilder()
                    .append(Integer.toOctalString(s.mode())).append(' ')
                    .append(s.uid()).append(':').append(s.gid()).append(' ')
                    .append(s.mtime());
            if (s.isRegularFile()) {
                String first = s.nlink() > 1 ? inodes.putIfAbsent(List.of(s.dev(), s.ino()), root.relativize(p).toString()) : null;
                d.append(first != null ? " hardlink of " + first : " content " + HexFormat.of().formatHex(Files.readAllBytes(p)));
            } else if (s.isSymbolicLink()) {
                d.append(" -> ").append(PosixFiles.readlink(p));
            } else if (s.isCharacterDevice() || s.isBlockDevice()) {
                d.append(" dev ").append(s.major()).append(':').append(s.minor());
            }
            for (String name : PosixFiles.llistxattr(p)) {
                d.append(' ').append(name).append('=').append(HexFormat.of().formatHex(PosixFiles.lgetxattr(p, name)));
            }
            tree.put(root.relativize(p).toString(), d.toString());
        }
        return tree;
    }

    /** Truncates every modification time below {@code root} to whole seconds, as far as a layer keeps them. */
    static void wholeSeconds(Path root) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.filter(p -> !p.equals(root)).sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : paths) {
            PosixFiles.lutimes(p, FileTime.from(FileStat.of(p).mtime().to(TimeUnit.SECONDS), TimeUnit.SECONDS));
        }
    }

    /** Skips the test unless {@code dir}'s file system takes extended attributes of {@code name}'s namespace. */
    static void assumeXattrs(Path dir, String name) throws IOException {
        Path probe = Files.createTempFile(dir, "xattr-probe", "");
        try {
            PosixFiles.lsetxattr(probe, name, new byte[] {'y'});
        } catch (ErrnoException e) {
            Assumptions.abort("the file system of " + dir + " refuses extended attribute " + name + ": " + e.getMessage());
        } finally {
            Files.delete(probe);
        }
    }
}
