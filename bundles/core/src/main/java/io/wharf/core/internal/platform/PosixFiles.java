package io.wharf.core.internal.platform;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * File system calls the JDK has no API for (full mode bits, ownership of symbolic links, device
 * nodes, extended attributes in every namespace, times of symbolic links, exact link targets),
 * through java.lang.foreign. None of them follows a symbolic link in the last path component,
 * except {@link #chmod}, which callers never apply to one. A failure is an {@link ErrnoException}.
 */
public final class PosixFiles {

    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;

    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle CHMOD = function("chmod", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle LCHOWN = function("lchown", JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle MKNOD = function("mknod", JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG);
    private static final MethodHandle MKFIFO = function("mkfifo", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle SYMLINK = function("symlink", JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle READLINK = function("readlink", JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG);
    private static final MethodHandle LSETXATTR = function("lsetxattr", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle LGETXATTR = function("lgetxattr", JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG);
    private static final MethodHandle LLISTXATTR = function("llistxattr", JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG);
    private static final MethodHandle UTIMENSAT = function("utimensat", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
    private static final MethodHandle STRERROR = LINKER.downcallHandle(symbol("strerror"),
            FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private PosixFiles() {
    }

    private static MemorySegment symbol(String name) {
        return LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    }

    private static MethodHandle function(String name, ValueLayout result, MemoryLayout... arguments) {
        return LINKER.downcallHandle(symbol(name), FunctionDescriptor.of(result, arguments),
                Linker.Option.captureCallState("errno"));
    }

    /** One native call; {@code state} receives errno. Returns the call's result widened to long. */
    @FunctionalInterface
    private interface Call {
        long invoke(Arena arena, MemorySegment state) throws Throwable;
    }

    private static long call(String name, Path path, Call call) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long result;
            try {
                result = call.invoke(arena, state);
            } catch (Throwable t) {
                throw new IllegalStateException(name + " failed", t);
            }
            if (result == -1) {
                throw new ErrnoException(name, path, (int) ERRNO.get(state, 0L));
            }
            return result;
        }
    }

    private static MemorySegment cString(Arena arena, Path path) {
        return arena.allocateFrom(path.toString());
    }

    /** Sets all twelve mode bits, setuid, setgid and sticky included (Java's permission API has only nine). */
    public static void chmod(Path path, int mode) throws ErrnoException {
        call("chmod", path, (a, s) -> (int) CHMOD.invokeExact(s, cString(a, path), mode));
    }

    public static void lchown(Path path, long uid, long gid) throws ErrnoException {
        call("lchown", path, (a, s) -> (int) LCHOWN.invokeExact(s, cString(a, path), (int) uid, (int) gid));
    }

    /** Creates a character or block device; {@code type} is {@link #S_IFCHR} or {@link #S_IFBLK}. */
    public static void mknod(Path path, int type, int permissions, long major, long minor) throws ErrnoException {
        long dev = makedev(major, minor);
        call("mknod", path, (a, s) -> (int) MKNOD.invokeExact(s, cString(a, path), type | permissions, dev));
    }

    public static void mkfifo(Path path, int permissions) throws ErrnoException {
        call("mkfifo", path, (a, s) -> (int) MKFIFO.invokeExact(s, cString(a, path), permissions));
    }

    /** Creates {@code path} as a symbolic link to {@code target}, byte for byte (no path normalisation). */
    public static void symlink(String target, Path path) throws ErrnoException {
        call("symlink", path, (a, s) -> (int) SYMLINK.invokeExact(s, a.allocateFrom(target), cString(a, path)));
    }

    /** The target of a symbolic link exactly as stored. */
    public static String readlink(Path path) throws ErrnoException {
        for (int size = 256;; size *= 2) {
            int capacity = size;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(capacity);
                long n = call("readlink", path, (a, s) -> (long) READLINK.invokeExact(s, cString(a, path), buf, (long) capacity));
                if (n < capacity) {
                    return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
                }
            }
        }
    }

    public static void lsetxattr(Path path, String name, byte[] value) throws ErrnoException {
        call("lsetxattr " + name, path, (a, s) -> (int) LSETXATTR.invokeExact(s, cString(a, path), a.allocateFrom(name),
                a.allocateFrom(ValueLayout.JAVA_BYTE, value), (long) value.length, 0));
    }

    /** The value of one extended attribute, or null if the file does not have it. */
    public static byte[] lgetxattr(Path path, String name) throws ErrnoException {
        while (true) {
            try {
                long size = call("lgetxattr " + name, path, (a, s) -> (long) LGETXATTR.invokeExact(s, cString(a, path),
                        a.allocateFrom(name), MemorySegment.NULL, 0L));
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buf = arena.allocate(Math.max(size, 1));
                    long n = call("lgetxattr " + name, path, (a, s) -> (long) LGETXATTR.invokeExact(s, cString(a, path),
                            a.allocateFrom(name), buf, size));
                    return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                }
            } catch (ErrnoException e) {
                if (e.errno() == ErrnoException.ENODATA) {
                    return null;
                }
                if (e.errno() != ErrnoException.ERANGE) { // ERANGE: it grew between the two calls
                    throw e;
                }
            }
        }
    }

    /** The names of the file's extended attributes, in the order the file system lists them. */
    public static List<String> llistxattr(Path path) throws ErrnoException {
        while (true) {
            try {
                long size = call("llistxattr", path, (a, s) -> (long) LLISTXATTR.invokeExact(s, cString(a, path),
                        MemorySegment.NULL, 0L));
                if (size == 0) {
                    return List.of();
                }
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buf = arena.allocate(size);
                    long n = call("llistxattr", path, (a, s) -> (long) LLISTXATTR.invokeExact(s, cString(a, path), buf, size));
                    return names(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
                }
            } catch (ErrnoException e) {
                if (e.errno() != ErrnoException.ERANGE) {
                    throw e;
                }
            }
        }
    }

    private static List<String> names(byte[] list) {
        List<String> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < list.length; i++) {
            if (list[i] == 0) {
                names.add(new String(list, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return names;
    }

    /** Sets access and modification time to {@code mtime}, on a symbolic link itself rather than its target. */
    public static void lutimes(Path path, FileTime mtime) throws ErrnoException {
        Instant t = mtime.toInstant();
        call("utimensat", path, (a, s) -> {
            MemorySegment times = a.allocate(JAVA_LONG, 4); // struct timespec[2]: atime, mtime
            times.setAtIndex(JAVA_LONG, 0, t.getEpochSecond());
            times.setAtIndex(JAVA_LONG, 1, t.getNano());
            times.setAtIndex(JAVA_LONG, 2, t.getEpochSecond());
            times.setAtIndex(JAVA_LONG, 3, t.getNano());
            return (int) UTIMENSAT.invokeExact(s, AT_FDCWD, cString(a, path), times, AT_SYMLINK_NOFOLLOW);
        });
    }

    /** glibc's makedev: 12 bits of major and 20 of minor in the low word, the rest above. */
    static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    public static long major(long dev) {
        return ((dev >>> 32) & 0xfffff000L) | ((dev >>> 8) & 0xfffL);
    }

    public static long minor(long dev) {
        return ((dev >>> 12) & 0xffffff00L) | (dev & 0xffL);
    }

    static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
