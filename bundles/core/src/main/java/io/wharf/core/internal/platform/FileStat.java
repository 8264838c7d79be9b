package io.wharf.core.internal.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;

/**
 * What lstat(2) says about a file, read through the JDK's "unix" attribute view (never following
 * a symbolic link). {@code mode} holds the file type and all twelve permission bits.
 */
public record FileStat(int mode, long dev, long ino, long rdev, int nlink, long uid, long gid, long size,
        FileTime mtime) {

    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFIFO = 0010000;

    /**
     * The attributes named, not "unix:*": that one also looks up the owner's and group's names,
     * which reads /etc/passwd and /etc/group on every call.
     */
    private static final String ATTRIBUTES = "unix:mode,dev,ino,rdev,nlink,uid,gid,size,lastModifiedTime";

    public static FileStat of(Path path) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        return new FileStat((Integer) a.get("mode"), (Long) a.get("dev"), (Long) a.get("ino"), (Long) a.get("rdev"),
                (Integer) a.get("nlink"), Integer.toUnsignedLong((Integer) a.get("uid")),
                Integer.toUnsignedLong((Integer) a.get("gid")), (Long) a.get("size"), (FileTime) a.get("lastModifiedTime"));
    }

    /** The twelve permission bits: rwx for owner, group and others, setuid, setgid, sticky. */
    public int permissions() {
        return mode & 07777;
    }

    private int type() {
        return mode & S_IFMT;
    }

    public boolean isDirectory() {
        return type() == S_IFDIR;
    }

    public boolean isRegularFile() {
        return type() == S_IFREG;
    }

    public boolean isSymbolicLink() {
        return type() == S_IFLNK;
    }

    public boolean isCharacterDevice() {
        return type() == PosixFiles.S_IFCHR;
    }

    public boolean isBlockDevice() {
        return type() == PosixFiles.S_IFBLK;
    }

    public boolean isFifo() {
        return type() == S_IFIFO;
    }

    public boolean isSocket() {
        return type() == S_IFSOCK;
    }

    public long major() {
        return PosixFiles.major(rdev);
    }

    public long minor() {
        return PosixFiles.minor(rdev);
    }
}
