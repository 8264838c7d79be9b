package io.wharf.core.internal.platform;

import java.io.IOException;
import java.nio.file.Path;

/** A failed system call: the call, the path it was given, and errno with its text. */
public final class ErrnoException extends IOException {

    public static final int EPERM = 1;
    public static final int ERANGE = 34;
    public static final int ENODATA = 61;
    public static final int ENOTSUP = 95;

    private static final long serialVersionUID = 1L;

    private final int errno;

    ErrnoException(String call, Path path, int errno) {
        super(call + " " + path + ": " + PosixFiles.strerror(errno));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
