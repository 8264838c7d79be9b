package io.wharf.core.spi.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Network namespaces kept alive by a bind mount on a file, as {@code ip netns add} and libnetwork's
 * sandboxes keep them: made with unshare(2), entered with setns(2), each on a platform thread of its
 * own that ends with the call, so no other thread of the JVM ever leaves the host's namespace.
 */
public final class NetworkNamespaces {

    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final MethodHandle UNSHARE = Mounts.function("unshare",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SETNS = Mounts.function("setns",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle OPEN = Mounts.function("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = Mounts.function("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    /** A call made inside a network namespace. */
    public interface Call<T> {
        T call() throws IOException;
    }

    private NetworkNamespaces() {
    }

    /**
     * Makes a new network namespace (only a loopback interface, down) and binds it on {@code file},
     * which is created when missing.
     */
    public static void create(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        if (!Files.exists(file)) {
            Files.createFile(file);
        }
        OwnThread.call("netns-create", () -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = arena.allocate(Mounts.CAPTURE);
                if ((int) UNSHARE.invokeExact(state, CLONE_NEWNET) != 0) {
                    throw new IOException("unshare(CLONE_NEWNET): " + Mounts.strerror((int) Mounts.ERRNO.get(state, 0L)));
                }
                Mounts.mount("/proc/thread-self/ns/net", file, "none", Mounts.MS_BIND, null);
                return null;
            }
        });
    }

    /** Unbinds the namespace from {@code file} and removes the file; the namespace ends with its last user. */
    public static void delete(Path file) throws IOException {
        Mounts.unmount(file, Mounts.MNT_DETACH);
        Files.deleteIfExists(file);
    }

    /**
     * Makes {@code call} inside the namespace bound at {@code file}: sockets it opens belong to that
     * namespace for their whole life, wherever they are used afterwards.
     */
    public static <T> T call(Path file, Call<T> call) throws IOException {
        return OwnThread.call("netns " + file.getFileName(), () -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = arena.allocate(Mounts.CAPTURE);
                int fd = (int) OPEN.invokeExact(state, Mounts.str(arena, file.toString()), O_RDONLY_CLOEXEC);
                if (fd < 0) {
                    throw new IOException("open " + file + ": " + Mounts.strerror((int) Mounts.ERRNO.get(state, 0L)));
                }
                try {
                    if ((int) SETNS.invokeExact(state, fd, CLONE_NEWNET) != 0) {
                        throw new IOException("setns " + file + ": " + Mounts.strerror((int) Mounts.ERRNO.get(state, 0L)));
                    }
                } finally {
                    int ignored = (int) CLOSE.invokeExact(state, fd);
                }
                return call.call();
            }
        });
    }
}
