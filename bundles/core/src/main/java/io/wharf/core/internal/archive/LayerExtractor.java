package io.wharf.core.internal.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.platform.ErrnoException;
import io.wharf.core.internal.platform.FileStat;
import io.wharf.core.internal.platform.PosixFiles;
import io.wharf.core.spi.linux.Trees;
import io.wharf.core.spi.archive.UnsafeEntryException;
import io.wharf.core.spi.archive.WhiteoutFormat;

/**
 * Applies one layer tar to a directory, as moby's {@code UnpackLayer}: entries are created or
 * replace what is there (a directory over a directory merges), whiteouts delete or become
 * overlay's markers, ownership, mode, extended attributes and times are restored, directory times
 * last. Every entry is placed through {@link RootScope}, so nothing is written outside the root.
 * One instance applies one layer.
 */
public final class LayerExtractor {

    private static final Logger LOG = LoggerFactory.getLogger(LayerExtractor.class);

    static final String WHITEOUT_PREFIX = ".wh.";
    static final String WHITEOUT_META_PREFIX = ".wh..wh.";
    static final String OPAQUE_MARKER = ".wh..wh..opq";
    static final String OVERLAY_OPAQUE_XATTR = "trusted.overlay.opaque";

    private final RootScope scope;
    private final WhiteoutFormat format;
    /** What this layer created, which an opaque marker in the same layer keeps. */
    private final Set<Path> unpacked = new HashSet<>();
    private final List<DirectoryTime> directoryTimes = new ArrayList<>();
    private long size;

    private record DirectoryTime(Path directory, FileTime mtime) {
    }

    public LayerExtractor(Path root, WhiteoutFormat format) throws IOException {
        Path real = root.toRealPath();
        if (!Files.isDirectory(real)) {
            throw new NotDirectoryException(root.toString());
        }
        this.scope = new RootScope(real);
        this.format = format;
    }

    /** Applies the layer, reading {@code layer} to its end and closing it; returns the unpacked size. */
    public long apply(InputStream layer) throws IOException {
        try (InputStream tarStream = Compression.decompress(layer)) {
            LayerTarInputStream tar = new LayerTarInputStream(tarStream);
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                apply(tar, entry);
            }
            // Whatever follows the end-of-archive blocks, so that a digest computed over the stream sees it all.
            tarStream.transferTo(OutputStream.nullOutputStream());
        }
        for (DirectoryTime d : directoryTimes) { // after all contents, which change a directory's mtime
            PosixFiles.lutimes(d.directory(), d.mtime());
        }
        return size;
    }

    private void apply(LayerTarInputStream tar, TarArchiveEntry entry) throws IOException {
        String name = tar.name(entry);
        EntryPath path = EntryPath.of(name);
        if (path.isRoot()) {
            if (!entry.isDirectory()) {
                throw new IOException("layer entry \"" + name + "\" names the root but is not a directory");
            }
            restoreMetadata(scope.root(), entry, name, tar.xattrs(), false);
            return;
        }
        String first = path.parts().getFirst();
        if (first.startsWith(WHITEOUT_META_PREFIX) && !path.parts().equals(List.of(OPAQUE_MARKER))) {
            return; // AUFS's own metadata (.wh..wh.plnk, .wh..wh.aufs) at the top
        }
        String base = path.base();
        if (base.equals(OPAQUE_MARKER)) {
            opaque(scope.directory(name, path.parent(), true));
        } else if (base.startsWith(WHITEOUT_META_PREFIX)) {
            return;
        } else if (base.startsWith(WHITEOUT_PREFIX)) {
            whiteout(name, entry, path, base.substring(WHITEOUT_PREFIX.length()));
        } else {
            create(tar, entry, name, path);
        }
    }

    private void opaque(Path directory) throws IOException {
        if (format == WhiteoutFormat.OVERLAY) {
            PosixFiles.lsetxattr(directory, OVERLAY_OPAQUE_XATTR, new byte[] {'y'});
        } else {
            scope.forget();
            removeAllBut(directory, unpacked);
        }
    }

    /** Removes what is under {@code directory}, except {@code keep} and the directories leading to it. */
    private static void removeAllBut(Path directory, Set<Path> keep) throws IOException {
        List<Path> children;
        try (var stream = Files.list(directory)) {
            children = stream.toList();
        }
        for (Path child : children) {
            boolean holdsKept = keep.stream().anyMatch(p -> p.startsWith(child) && !p.equals(child));
            if (holdsKept || keep.contains(child) && Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                removeAllBut(child, keep);
            } else if (!keep.contains(child)) {
                Trees.delete(child);
            }
        }
    }

    private void whiteout(String name, TarArchiveEntry entry, EntryPath path, String deleted) throws IOException {
        if (deleted.isEmpty() || deleted.equals(".") || deleted.equals("..")) {
            throw new UnsafeEntryException(name, "whiteout of \"" + deleted + "\"");
        }
        Path target = scope.directory(name, path.parent(), true).resolve(deleted);
        if (RootScope.statOrNull(target) != null) {
            scope.forget();
            Trees.delete(target);
        }
        if (format == WhiteoutFormat.OVERLAY) {
            PosixFiles.mknod(target, PosixFiles.S_IFCHR, 0, 0, 0);
            PosixFiles.lchown(target, entry.getLongUserId(), entry.getLongGroupId());
        }
    }

    private void create(LayerTarInputStream tar, TarArchiveEntry entry, String name, EntryPath path) throws IOException {
        Path directory = scope.directory(name, path.parent(), true);
        Path target = directory.resolve(path.base());
        // Check what a link points at before anything is removed.
        Path hardLinkTarget = entry.isLink() ? hardLinkTarget(name, tar.linkName(entry)) : null;
        String symlinkTarget = entry.isSymbolicLink() ? symlinkTarget(name, path, tar.linkName(entry)) : null;

        FileStat existing = RootScope.statOrNull(target);
        boolean directoryStays = existing != null && existing.isDirectory() && entry.isDirectory();
        if (existing != null && !directoryStays) {
            scope.forget();
            Trees.delete(target);
        }
        int permissions = entry.getMode() & 07777;
        boolean isLink = false;
        if (entry.isDirectory()) {
            if (!directoryStays) {
                Files.createDirectory(target);
            }
        } else {
            switch (entry.getLinkFlag()) {
                case TarConstants.LF_NORMAL, TarConstants.LF_OLDNORM, TarConstants.LF_GNUTYPE_SPARSE -> {
                    try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                        tar.transferTo(out);
                    }
                    size += entry.getRealSize();
                }
                case TarConstants.LF_SYMLINK -> {
                    PosixFiles.symlink(symlinkTarget, target);
                    isLink = true;
                }
                case TarConstants.LF_LINK -> {
                    Files.createLink(target, hardLinkTarget);
                    isLink = FileStat.of(target).isSymbolicLink();
                }
                case TarConstants.LF_CHR -> PosixFiles.mknod(target, PosixFiles.S_IFCHR, permissions,
                        entry.getDevMajor(), entry.getDevMinor());
                case TarConstants.LF_BLK -> PosixFiles.mknod(target, PosixFiles.S_IFBLK, permissions,
                        entry.getDevMajor(), entry.getDevMinor());
                case TarConstants.LF_FIFO -> PosixFiles.mkfifo(target, permissions);
                default -> throw new IOException("layer entry \"" + name + "\" has unsupported tar type '"
                        + (char) entry.getLinkFlag() + "'");
            }
        }
        unpacked.add(target);
        restoreMetadata(target, entry, name, tar.xattrs(), isLink);
    }

    /** A hard link's target: inside the root by the same rules as an entry, existing, not a directory. */
    private Path hardLinkTarget(String name, String linkName) throws IOException {
        EntryPath link = EntryPath.linkTarget(name, linkName);
        if (link.isRoot()) {
            throw new IOException("layer entry \"" + name + "\" is a hard link to the root");
        }
        Path target = scope.directory(name, link.parent(), false).resolve(link.base());
        FileStat stat = RootScope.statOrNull(target);
        if (stat == null || stat.isDirectory()) {
            throw new IOException("layer entry \"" + name + "\" is a hard link to "
                    + (stat == null ? "missing " : "directory ") + linkName);
        }
        return target;
    }

    /**
     * A symbolic link's target is kept as written. As moby does, a relative one must stay inside the
     * root when read from the link's directory; an absolute one is the container's own business.
     */
    private static String symlinkTarget(String name, EntryPath path, String linkName) throws UnsafeEntryException {
        if (linkName.isEmpty() || linkName.indexOf('\0') >= 0) {
            throw new UnsafeEntryException(name, "symbolic link target \"" + linkName + "\" is not a path");
        }
        if (!linkName.startsWith("/")) {
            EntryPath.symlinkTarget(name, path.parent(), linkName);
        }
        return linkName;
    }

    private void restoreMetadata(Path target, TarArchiveEntry entry, String name, Map<String, byte[]> xattrs,
            boolean isLink) throws IOException {
        // chown clears setuid/setgid and file capabilities: it goes first.
        PosixFiles.lchown(target, entry.getLongUserId(), entry.getLongGroupId());
        for (Map.Entry<String, byte[]> xattr : xattrs.entrySet()) {
            setXattr(target, name, xattr.getKey(), xattr.getValue());
        }
        if (!isLink) { // chmod would follow a symbolic link, and Linux links have no mode of their own
            PosixFiles.chmod(target, entry.getMode() & 07777);
        }
        FileTime mtime = entry.getLastModifiedTime();
        if (entry.isDirectory()) {
            directoryTimes.add(new DirectoryTime(target, mtime));
        } else {
            PosixFiles.lutimes(target, mtime);
        }
    }

    private static void setXattr(Path target, String name, String key, byte[] value) throws IOException {
        if (!Xattrs.isCarried(key)) {
            LOG.debug("layer entry \"{}\": extended attribute {} not applied", name, key);
            return;
        }
        try {
            PosixFiles.lsetxattr(target, key, value);
        } catch (ErrnoException e) {
            // As moby: a file system without (this kind of) extended attributes loses them, with a warning.
            if (e.errno() != ErrnoException.ENOTSUP && e.errno() != ErrnoException.EPERM) {
                throw e;
            }
            LOG.warn("layer entry \"{}\": extended attribute {} not set: {}", name, key, e.getMessage());
        }
    }

}
