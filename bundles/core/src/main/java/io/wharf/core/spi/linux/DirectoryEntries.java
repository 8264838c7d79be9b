package io.wharf.core.spi.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a filesystem fills in d_type in directory entries (XFS made with ftype=0 does not);
 * overlayfs misbehaves without it, so dockerd refuses overlay2 there (moby fsutils.SupportsDType).
 */
public final class DirectoryEntries {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle OPENDIR = function("opendir", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle READDIR = function("readdir", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle CLOSEDIR = function("closedir", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    /** struct dirent on Linux x86_64/aarch64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name. */
    private static final long D_TYPE_OFFSET = 18;
    private static final long D_NAME_OFFSET = 19;
    private static final byte DT_UNKNOWN = 0;

    private DirectoryEntries() {
    }

    private static MethodHandle function(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
    }

    /** Creates a probe file in {@code dir} and reads its directory entry back. */
    public static boolean supportsDType(Path dir) throws IOException {
        Path probe = Files.createTempFile(dir, "d_type-check-", "");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = (MemorySegment) OPENDIR.invokeExact(arena.allocateFrom(dir.toString()));
            if (handle.equals(MemorySegment.NULL)) {
                throw new IOException("cannot open directory " + dir);
            }
            try {
                String wanted = probe.getFileName().toString();
                for (MemorySegment e = (MemorySegment) READDIR.invokeExact(handle); !e.equals(MemorySegment.NULL);
                        e = (MemorySegment) READDIR.invokeExact(handle)) {
                    MemorySegment entry = e.reinterpret(D_NAME_OFFSET + 256);
                    if (entry.getString(D_NAME_OFFSET).equals(wanted)) {
                        return entry.get(ValueLayout.JAVA_BYTE, D_TYPE_OFFSET) != DT_UNKNOWN;
                    }
                }
                throw new IOException("probe file not found in " + dir);
            } finally {
                int ignored = (int) CLOSEDIR.invokeExact(handle);
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("reading directory " + dir, t);
        } finally {
            Files.deleteIfExists(probe);
        }
    }
}
