package io.wharf.containerd.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.spi.runtime.Stdio;
import io.wharf.core.spi.runtime.TaskProcess;

/**
 * The stdio FIFOs of one process, laid out as dockerd does in the container's bundle directory:
 * {@code <process>-stdin} when the process reads stdin, {@code <process>-stdout}, and
 * {@code <process>-stderr} unless it runs on a terminal. {@code <process>} is {@code init} for the
 * container's own process and the exec id for an exec. A missing stream is null.
 */
record StdioFifos(Path stdin, Path stdout, Path stderr) {

    /** dockerd's name of the container's own process in FIFO names (InitProcessName). */
    static final String INIT = "init";

    private static final Logger LOG = LoggerFactory.getLogger(StdioFifos.class);
    private static final int MODE = 0700;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle MKFIFO = LINKER.downcallHandle(libc("mkfifo"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.captureCallState("errno"));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(libc("strerror"),
            FunctionDescriptor.of(ADDRESS, JAVA_INT));

    static StdioFifos of(Path bundleDir, String process, Stdio stdio) {
        return new StdioFifos(stdio.stdin() ? bundleDir.resolve(process + "-stdin") : null,
                bundleDir.resolve(process + "-stdout"),
                stdio.terminal() ? null : bundleDir.resolve(process + "-stderr"));
    }

    /** Every FIFO a process may have, to remove them whichever it had. */
    static StdioFifos every(Path bundleDir, String process) {
        return of(bundleDir, process, new Stdio(true, false));
    }

    /** The FIFOs a task recorded, as containerd gives their paths back ("" for none). */
    static StdioFifos recorded(String stdin, String stdout, String stderr) {
        return new StdioFifos(pathOrNull(stdin), pathOrNull(stdout), pathOrNull(stderr));
    }

    private static Path pathOrNull(String path) {
        return path.isEmpty() ? null : Path.of(path);
    }

    /** A path as containerd's requests carry it: "" for a stream the process has not. */
    static String wire(Path fifo) {
        return fifo == null ? "" : fifo.toString();
    }

    private List<Path> paths() {
        return Stream.of(stdin, stdout, stderr).filter(Objects::nonNull).toList();
    }

    /**
     * Creates the FIFOs (mode 0700, replacing any left by an earlier run) and starts opening the
     * daemon's ends, each on its own thread.
     */
    Opening makeAndOpen() throws IOException {
        Files.createDirectories(stdout.getParent());
        for (Path fifo : paths()) {
            Files.deleteIfExists(fifo);
            mkfifo(fifo);
        }
        return new Opening(this, stdin == null ? null : FifoEnd.open(stdin, FifoEnd.WRITER),
                FifoEnd.open(stdout, FifoEnd.READER),
                stderr == null ? null : FifoEnd.open(stderr, FifoEnd.READER));
    }

    /** Opens the daemon's ends again, at once, for a task that outlived an earlier run of the daemon. */
    TaskProcess reopen(int pid) throws IOException {
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            OutputStream in = stdin == null ? null : add(opened, FifoEnd.openNow(stdin, FifoEnd.WRITER));
            InputStream out = stdout == null ? InputStream.nullInputStream()
                    : add(opened, FifoEnd.openNow(stdout, FifoEnd.READER));
            InputStream err = stderr == null ? null : add(opened, FifoEnd.openNow(stderr, FifoEnd.READER));
            return new TaskProcess(pid, in, out, err);
        } catch (IOException e) {
            for (AutoCloseable c : opened) {
                closeQuietly(c);
            }
            throw e;
        }
    }

    private static <C extends AutoCloseable> C add(List<AutoCloseable> opened, C c) {
        opened.add(c);
        return c;
    }

    /** Removes the FIFOs; a failure is logged, not thrown (the daemon's work is done by then). */
    void remove() {
        for (Path fifo : paths()) {
            try {
                Files.deleteIfExists(fifo);
            } catch (IOException e) {
                LOG.warn("failed to remove fifo {}: {}", fifo, e.toString());
            }
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // already failing
        }
    }

    /** The daemon's ends being opened, until the shim has opened its own. */
    static final class Opening {

        private final StdioFifos fifos;
        private final FifoEnd<OutputStream> stdin;
        private final FifoEnd<InputStream> stdout;
        private final FifoEnd<InputStream> stderr;

        private Opening(StdioFifos fifos, FifoEnd<OutputStream> stdin, FifoEnd<InputStream> stdout,
                FifoEnd<InputStream> stderr) {
            this.fifos = fifos;
            this.stdin = stdin;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        /** The process with its streams, once the shim has opened every FIFO; cancelled on failure. */
        TaskProcess await(int pid, Duration timeout) throws IOException {
            try {
                return new TaskProcess(pid, stdin == null ? null : stdin.await(timeout), stdout.await(timeout),
                        stderr == null ? null : stderr.await(timeout));
            } catch (IOException e) {
                cancel();
                throw e;
            }
        }

        /** Ends the opens still waiting and closes the ends already open. */
        void cancel() {
            Stream.of(stdin, stdout, stderr).filter(Objects::nonNull).forEach(FifoEnd::cancel);
        }

        /** Cancels, and removes the FIFOs: the process they were for will not run. */
        void abandon() {
            cancel();
            fifos.remove();
        }
    }

    private static MemorySegment libc(String name) {
        return LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    }

    private static void mkfifo(Path fifo) throws IOException {
        int errno;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            if ((int) MKFIFO.invokeExact(state, arena.allocateFrom(fifo.toString()), MODE) == 0) {
                return;
            }
            errno = (int) ERRNO.get(state, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("mkfifo failed", t);
        }
        throw new IOException("mkfifo " + fifo + ": " + strerror(errno));
    }

    private static String strerror(int errno) {
        try {
            return ((MemorySegment) STRERROR.invokeExact(errno)).reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
