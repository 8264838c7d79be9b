package io.wharf.core.internal.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;

import io.wharf.core.internal.platform.FileStat;
import io.wharf.core.internal.platform.PosixFiles;
import io.wharf.core.spi.archive.Change;
import io.wharf.core.spi.archive.WhiteoutFormat;

/**
 * Writes files as layer tar entries, as moby's {@code tarAppender}: PAX headers, numeric owners
 * without names, modification times in whole seconds and no access or change times (so the same
 * tree gives the same bytes), hard links as link entries to the first name seen, sockets left out.
 */
public final class LayerWriter {

    private static final int WHITEOUT_MODE = 0600;

    private final LayerTarOutputStream tar;
    private final WhiteoutFormat format;
    /** First name written for each (device, inode) of a regular file with several links. */
    private final Map<Inode, String> linked = new HashMap<>();

    private record Inode(long dev, long ino) {
    }

    public LayerWriter(OutputStream out, WhiteoutFormat format) {
        this.tar = new LayerTarOutputStream(out);
        this.format = format;
    }

    /** Adds everything below {@code root}, depth first, each directory's entries sorted by name. */
    public void addTree(Path root) throws IOException {
        addChildren(root, "");
    }

    /** Adds {@code file} as {@code name}, and everything below it when it is a directory (docker cp). */
    public void addNamed(Path file, String name) throws IOException {
        FileStat stat = FileStat.of(file);
        add(file, name, stat);
        if (stat.isDirectory()) {
            addChildren(file, name + "/");
        }
    }

    private void addChildren(Path directory, String prefix) throws IOException {
        List<String> names;
        try (Stream<Path> children = Files.list(directory)) {
            names = children.map(p -> p.getFileName().toString()).sorted().toList();
        }
        for (String name : names) {
            Path file = directory.resolve(name);
            FileStat stat = FileStat.of(file);
            add(file, prefix + name, stat);
            if (stat.isDirectory()) {
                addChildren(file, prefix + name + "/");
            }
        }
    }

    /** Adds each change: the path as it is below {@code root} (not its children), or a whiteout for a deletion. */
    public void addChanges(Path root, List<Change> changes) throws IOException {
        for (Change change : changes) {
            String name = change.path().substring(1);
            if (change.kind() == Change.Kind.DELETE) {
                int slash = name.lastIndexOf('/');
                String whiteout = name.substring(0, slash + 1) + LayerExtractor.WHITEOUT_PREFIX + name.substring(slash + 1);
                putEmptyFile(whiteout, WHITEOUT_MODE, 0, 0, FileTime.fromMillis(0));
                continue;
            }
            Path file = root.resolve(name);
            FileStat stat;
            try {
                stat = FileStat.of(file);
            } catch (NoSuchFileException e) {
                continue; // removed since the changes were computed (a running container)
            }
            add(file, name, stat);
        }
    }

    /** Ends the archive; the underlying stream is flushed, not closed. */
    public void finish() throws IOException {
        tar.finish();
        tar.flush();
    }

    private void add(Path file, String name, FileStat stat) throws IOException {
        FileTime mtime = FileTime.from(stat.mtime().to(TimeUnit.SECONDS), TimeUnit.SECONDS);
        if (stat.isSocket()) {
            return; // tar cannot hold one; a socket belongs to a running process anyway
        }
        if (format == WhiteoutFormat.OVERLAY && stat.isCharacterDevice() && stat.rdev() == 0) {
            int slash = name.lastIndexOf('/');
            putEmptyFile(name.substring(0, slash + 1) + LayerExtractor.WHITEOUT_PREFIX + name.substring(slash + 1),
                    WHITEOUT_MODE, stat.uid(), stat.gid(), mtime);
            return;
        }
        TarArchiveEntry entry = entry(file, name, stat);
        entry.setMode(stat.permissions());
        entry.setUserId(stat.uid());
        entry.setGroupId(stat.gid());
        entry.setLastModifiedTime(mtime);
        tar.putArchiveEntry(entry, Xattrs.read(file));
        if (entry.getLinkFlag() == TarConstants.LF_NORMAL && entry.getSize() > 0) {
            copy(file, entry.getSize());
        }
        tar.closeArchiveEntry();
        if (format == WhiteoutFormat.OVERLAY && stat.isDirectory() && isOpaque(file)) {
            putEmptyFile(name + "/" + LayerExtractor.OPAQUE_MARKER, stat.permissions() & 0777, stat.uid(), stat.gid(), mtime);
        }
    }

    private TarArchiveEntry entry(Path file, String name, FileStat stat) throws IOException {
        if (stat.isDirectory()) {
            return newEntry(name + "/", TarConstants.LF_DIR);
        }
        if (stat.isSymbolicLink()) {
            TarArchiveEntry entry = newEntry(name, TarConstants.LF_SYMLINK);
            entry.setLinkName(PosixFiles.readlink(file));
            return entry;
        }
        if (stat.isCharacterDevice() || stat.isBlockDevice()) {
            TarArchiveEntry entry = newEntry(name, stat.isCharacterDevice() ? TarConstants.LF_CHR : TarConstants.LF_BLK);
            entry.setDevMajor((int) stat.major());
            entry.setDevMinor((int) stat.minor());
            return entry;
        }
        if (stat.isFifo()) {
            return newEntry(name, TarConstants.LF_FIFO);
        }
        if (!stat.isRegularFile()) {
            throw new IOException("cannot archive " + file + ": unknown file type " + Integer.toOctalString(stat.mode()));
        }
        if (stat.nlink() > 1) {
            String first = linked.putIfAbsent(new Inode(stat.dev(), stat.ino()), name);
            if (first != null) {
                TarArchiveEntry entry = newEntry(name, TarConstants.LF_LINK);
                entry.setLinkName(first);
                return entry;
            }
        }
        TarArchiveEntry entry = newEntry(name, TarConstants.LF_NORMAL);
        entry.setSize(stat.size());
        return entry;
    }

    private static TarArchiveEntry newEntry(String name, byte type) {
        TarArchiveEntry entry = new TarArchiveEntry(name, type, true);
        entry.setUserName(""); // numeric owners only: names mean nothing inside an image
        entry.setGroupName("");
        return entry;
    }

    private void putEmptyFile(String name, int mode, long uid, long gid, FileTime mtime) throws IOException {
        TarArchiveEntry entry = newEntry(name, TarConstants.LF_NORMAL);
        entry.setMode(mode);
        entry.setUserId(uid);
        entry.setGroupId(gid);
        entry.setLastModifiedTime(mtime);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    private static boolean isOpaque(Path directory) throws IOException {
        byte[] value = PosixFiles.lgetxattr(directory, LayerExtractor.OVERLAY_OPAQUE_XATTR);
        return value != null && value.length == 1 && value[0] == 'y';
    }

    /** Copies exactly the size the header announced; a file that shrank meanwhile is an error. */
    private void copy(Path file, long size) throws IOException {
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            byte[] buf = new byte[64 * 1024];
            long left = size;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new IOException(file + " shrank while it was being archived");
                }
                tar.write(buf, 0, n);
                left -= n;
            }
        }
    }
}
