package io.wharf.core.internal.archive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.wharf.core.internal.platform.FileStat;
import io.wharf.core.spi.archive.Change;

/** moby's {@code changesDirs}, walking both trees side by side instead of loading them into memory first. */
public final class TreeDiff {

    private final List<Change> changes = new ArrayList<>();

    private TreeDiff() {
    }

    public static List<Change> between(Path lower, Path upper) throws IOException {
        TreeDiff diff = new TreeDiff();
        diff.directory("", lower, upper, true);
        diff.changes.sort(Comparator.comparing(Change::path));
        return List.copyOf(diff.changes);
    }

    /**
     * Compares the directory {@code path} in both trees; {@code lower} is null when it is not a
     * directory there. {@code reported}: the directory itself is already a change.
     */
    private void directory(String path, Path lower, Path upper, boolean reported) throws IOException {
        int before = changes.size();
        Set<String> lowerNames = lower == null ? new TreeSet<>() : names(lower);
        for (String name : names(upper)) {
            String childPath = path + "/" + name;
            Path upperChild = upper.resolve(name);
            FileStat upperStat = FileStat.of(upperChild);
            boolean childReported = true;
            Path lowerDirectory = null;
            if (lowerNames.remove(name)) {
                Path lowerChild = lower.resolve(name);
                FileStat lowerStat = FileStat.of(lowerChild);
                childReported = differ(lowerChild, lowerStat, upperChild, upperStat);
                if (childReported) {
                    changes.add(new Change(childPath, Change.Kind.MODIFY));
                }
                lowerDirectory = lowerStat.isDirectory() ? lowerChild : null;
            } else {
                changes.add(new Change(childPath, Change.Kind.ADD));
            }
            if (upperStat.isDirectory()) {
                directory(childPath, lowerDirectory, upperChild, childReported);
            }
        }
        for (String name : lowerNames) {
            changes.add(new Change(path + "/" + name, Change.Kind.DELETE));
        }
        // A directory holding changes travels with them, so that its mode and owner are restored too.
        if (changes.size() > before && !reported) {
            changes.add(new Change(path, Change.Kind.MODIFY));
        }
    }

    private static Set<String> names(Path directory) throws IOException {
        try (Stream<Path> children = Files.list(directory)) {
            return children.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /**
     * As moby's {@code statDifferent}: type and mode, owner, device number, and for anything but
     * a directory size and modification time (a directory's own say little); plus the carried
     * extended attributes (moby compares only {@code security.capability}).
     */
    private static boolean differ(Path lower, FileStat l, Path upper, FileStat u) throws IOException {
        if (l.mode() != u.mode() || l.uid() != u.uid() || l.gid() != u.gid() || l.rdev() != u.rdev()) {
            return true;
        }
        if (!u.isDirectory() && (!l.mtime().equals(u.mtime()) || l.size() != u.size())) {
            return true;
        }
        return !Xattrs.equal(Xattrs.read(lower), Xattrs.read(upper));
    }
}
