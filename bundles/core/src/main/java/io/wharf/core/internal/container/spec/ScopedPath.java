package io.wharf.core.internal.container.spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

import io.wharf.core.internal.platform.FileStat;
import io.wharf.core.internal.platform.PosixFiles;

/**
 * A path inside a container's root file system, resolved as the container would see it: symbolic
 * links are followed with the root file system as "/", so neither an absolute target nor ".." can
 * lead out of it (moby's symlink.FollowSymlinkInScope). The root file system is a host directory an
 * image controls, so the daemon must never let a link in it make the daemon read a host file.
 */
public final class ScopedPath {

    /** Linux's limit on links followed in one lookup; more means a loop. */
    private static final int MAX_LINKS = 40;
    /** Larger /etc files are not plausible; reading stops there rather than filling the heap. */
    private static final long MAX_FILE_SIZE = 16 << 20;

    private ScopedPath() {
    }

    /**
     * Resolves {@code path} like {@link #resolve(Path, String)}, but a symbolic link as its last
     * component is left as it is (docker cp copies a link itself unless the path ends in "/").
     */
    public static Path resolveNoFollow(Path root, String path) throws IOException {
        List<String> all = parts(path);
        if (all.isEmpty() || all.get(all.size() - 1).equals("..")) {
            return resolve(root, path);
        }
        Path parent = resolve(root, String.join("/", all.subList(0, all.size() - 1)));
        return parent.resolve(all.get(all.size() - 1));
    }

    /**
     * Resolves {@code path} (absolute as seen inside the container) below {@code root}. The result
     * is inside {@code root}; its last component may not exist.
     */
    public static Path resolve(Path root, String path) throws IOException {
        Deque<String> pending = new ArrayDeque<>(parts(path));
        Deque<String> resolved = new ArrayDeque<>();
        int links = 0;
        while (!pending.isEmpty()) {
            String part = pending.removeFirst();
            if (part.equals("..")) {
                resolved.pollLast();
                continue;
            }
            resolved.addLast(part);
            Path current = join(root, resolved);
            if (!Files.isSymbolicLink(current)) {
                continue;
            }
            if (++links > MAX_LINKS) {
                throw new IOException("too many links in " + path);
            }
            String target = PosixFiles.readlink(current);
            resolved.removeLast();
            if (target.startsWith("/")) {
                resolved.clear();
            }
            List<String> targetParts = parts(target);
            for (int i = targetParts.size() - 1; i >= 0; i--) {
                pending.addFirst(targetParts.get(i));
            }
        }
        return join(root, resolved);
    }

    /**
     * The text of the regular file at {@code path} inside {@code root}, or empty if there is none.
     * Something else there (a FIFO, a device) counts as no file, so an image cannot make the daemon
     * block or read forever.
     */
    static Optional<String> readFile(Path root, String path) throws IOException {
        Path file = resolve(root, path);
        FileStat stat;
        try {
            stat = FileStat.of(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (!stat.isRegularFile()) {
            return Optional.empty();
        }
        // NOFOLLOW_LINKS opens with O_NOFOLLOW: a link swapped in since resolve() is refused.
        try (InputStream in = Channels.newInputStream(Files.newByteChannel(file, StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS))) {
            return Optional.of(new String(in.readNBytes((int) MAX_FILE_SIZE), StandardCharsets.UTF_8));
        }
    }

    private static List<String> parts(String path) {
        return List.of(path.split("/")).stream().filter(p -> !p.isEmpty() && !p.equals(".")).toList();
    }

    private static Path join(Path root, Deque<String> parts) {
        Path p = root;
        for (String part : parts) {
            p = p.resolve(part);
        }
        return p;
    }
}
