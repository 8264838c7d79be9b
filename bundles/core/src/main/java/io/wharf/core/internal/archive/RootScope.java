package io.wharf.core.internal.archive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.wharf.core.internal.platform.FileStat;
import io.wharf.core.internal.platform.PosixFiles;
import io.wharf.core.spi.archive.UnsafeEntryException;

/**
 * Finds directories below a root one part at a time, with lstat, so that no symbolic link can
 * lead a write out of the root: a link on the way is followed only if its target is relative and
 * stays inside; one with an absolute target (which would mean the host's {@code /}) or climbing
 * out is refused. The caller then creates or replaces the last part itself, never following it.
 * <p>
 * Directories once found are remembered, as a layer names the same few directories thousands of
 * times; the caller must {@link #forget} them before it removes anything, since a removed directory
 * may come back as a link.
 */
final class RootScope {

    /** Linux's limit (MAXSYMLINKS) on links followed while resolving one path. */
    private static final int MAX_LINKS = 40;
    private static final int NEW_DIRECTORY_MODE = 0755;

    private final Path root;
    private final Map<List<String>, Path> found = new HashMap<>();

    RootScope(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    /**
     * The directory {@code parts} names, for entry {@code entry}; missing directories are created
     * (mode 0755, as moby's MkdirAll) when {@code create}, else they are an error.
     */
    Path directory(String entry, List<String> parts, boolean create) throws IOException {
        Path known = found.get(parts);
        if (known != null) {
            return known;
        }
        Path directory = resolve(entry, parts, create);
        found.put(List.copyOf(parts), directory);
        return directory;
    }

    /** Forgets the directories found so far; called before anything below the root is removed. */
    void forget() {
        found.clear();
    }

    private Path resolve(String entry, List<String> parts, boolean create) throws IOException {
        Deque<String> todo = new ArrayDeque<>(parts);
        List<String> done = new ArrayList<>();
        int links = 0;
        Path lastLink = null;
        while (!todo.isEmpty()) {
            String part = todo.removeFirst();
            if (part.equals("..")) {
                if (done.isEmpty()) {
                    throw new UnsafeEntryException(entry, "its path goes through symbolic link " + lastLink
                            + ", which leads outside the root");
                }
                done.removeLast();
                continue;
            }
            Path here = path(done).resolve(part);
            FileStat stat = statOrNull(here);
            if (stat == null) {
                if (!create) {
                    throw new NoSuchFileException(here.toString(), null, "needed by layer entry \"" + entry + "\"");
                }
                Files.createDirectory(here);
                PosixFiles.chmod(here, NEW_DIRECTORY_MODE);
            } else if (stat.isSymbolicLink()) {
                if (++links > MAX_LINKS) {
                    throw new IOException("layer entry \"" + entry + "\": too many levels of symbolic links");
                }
                String target = PosixFiles.readlink(here);
                lastLink = here;
                if (target.startsWith("/")) {
                    throw new UnsafeEntryException(entry, "its path goes through symbolic link " + here
                            + " with absolute target " + target);
                }
                List<String> targetParts = List.of(target.split("/"));
                for (int i = targetParts.size() - 1; i >= 0; i--) {
                    String t = targetParts.get(i);
                    if (!t.isEmpty() && !t.equals(".")) {
                        todo.addFirst(t);
                    }
                }
                continue;
            } else if (!stat.isDirectory()) {
                throw new IOException("layer entry \"" + entry + "\": " + here + " is not a directory");
            }
            done.add(part);
        }
        return path(done);
    }

    private Path path(List<String> parts) {
        Path p = root;
        for (String part : parts) {
            p = p.resolve(part);
        }
        return p;
    }

    static FileStat statOrNull(Path path) throws IOException {
        try {
            return FileStat.of(path);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
