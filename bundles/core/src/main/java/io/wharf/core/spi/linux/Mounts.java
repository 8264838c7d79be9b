package io.wharf.core.spi.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/** mount(2), umount2(2) and the directory-entry-type check overlayfs needs. */
public final class Mounts {

    public static final long MS_BIND = 4096;
    public static final int MNT_DETACH = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle MOUNT = function("mount", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    private static final MethodHandle UMOUNT2 = function("umount2",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle UNSHARE = function("unshare", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT));
    private static final MethodHandle CHDIR = function("chdir", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS));
    private static final int CLONE_FS = 0x200;
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LINKER.defaultLookup().find("strerror").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Mounts() {
    }

    static MethodHandle function(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name)), descriptor,
                Linker.Option.captureCallState("errno"));
    }

    /** mount(2); {@code data} may be null. */
    public static void mount(String source, Path target, String fsType, long flags, String data) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) MOUNT.invokeExact(state, str(arena, source), str(arena, target.toString()), str(arena, fsType),
                    flags, str(arena, data));
            if (rc != 0) {
                throw new IOException("mount " + fsType + " on " + target + ": " + strerror((int) ERRNO.get(state, 0L)));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("mount " + target + " failed", t);
        }
    }

    /**
     * mount(2) with the relative paths in {@code data} resolved from {@code dir} (moby's
     * {@code mountFrom}), for mount data that would not fit the kernel's one page with absolute
     * paths. The call runs on a platform thread of its own that first leaves the process's shared
     * working directory (unshare(CLONE_FS)) and then changes into {@code dir}, so no other thread of
     * the JVM ever sees the change; the thread ends with the call.
     */
    public static void mountFrom(Path dir, String source, Path target, String fsType, long flags, String data)
            throws IOException {
        OwnThread.call("mount-from " + dir, () -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = arena.allocate(CAPTURE);
                if ((int) UNSHARE.invokeExact(state, CLONE_FS) != 0) {
                    throw new IOException("unshare(CLONE_FS): " + strerror((int) ERRNO.get(state, 0L)));
                }
                if ((int) CHDIR.invokeExact(state, str(arena, dir.toString())) != 0) {
                    throw new IOException("chdir " + dir + ": " + strerror((int) ERRNO.get(state, 0L)));
                }
                mount(source, target, fsType, flags, data);
                return null;
            }
        });
    }

    /** umount2(2); a target that is not mounted is not an error. */
    public static void unmount(Path target, int flags) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) UMOUNT2.invokeExact(state, str(arena, target.toString()), flags);
            if (rc != 0) {
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == 22 /* EINVAL: not a mount point */ || errno == 2 /* ENOENT */) {
                    return;
                }
                throw new IOException("unmount " + target + ": " + strerror(errno));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("unmount " + target + " failed", t);
        }
    }

    /** Whether {@code dir} is a mount point, from /proc/self/mountinfo. */
    public static boolean isMountPoint(Path dir) throws IOException {
        String wanted = " " + dir.toAbsolutePath().normalize().toString().replace(" ", "\\040") + " ";
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            // fields: id parent major:minor root mountpoint ...
            String[] f = line.split(" ", 6);
            if (f.length > 4 && (" " + f[4] + " ").equals(wanted)) {
                return true;
            }
        }
        return false;
    }

    static MemorySegment str(Arena arena, String s) {
        return s == null ? MemorySegment.NULL : arena.allocateFrom(s);
    }

    static String strerror(int errno) {
        try {
            MemorySegment msg = (MemorySegment) STRERROR.invokeExact(errno);
            return msg.reinterpret(1024).getString(0) + " (errno " + errno + ")";
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
