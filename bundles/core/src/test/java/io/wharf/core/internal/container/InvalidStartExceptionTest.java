package io.wharf.core.internal.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.wharf.core.spi.errors.ApiException;
import io.wharf.core.spi.errors.SystemException;

/** The refusals below are containerd 1.6's and runc's own messages, as this machine gives them. */
class InvalidStartExceptionTest {
    private static final String RUNC = "failed to create shim task: OCI runtime create failed: runc create failed: "
            + "unable to start container process: ";

    @Test
    void aCommandNotFoundExitsWith127() {
        ApiException e = InvalidStartException.of("nosuchcmd",
                new SystemException(RUNC + "exec: \"nosuchcmd\": executable file not found in $PATH: unknown"));
        assertEquals(127, ((InvalidStartException) e).exitCode());
        e = InvalidStartException.of("/bin/nosuch",
                new SystemException(RUNC + "exec: \"/bin/nosuch\": stat /bin/nosuch: no such file or directory: unknown"));
        assertEquals(127, ((InvalidStartException) e).exitCode());
    }

    @Test
    void aFileThatCannotBeRunExitsWith126() {
        ApiException e = InvalidStartException.of("/etc/passwd",
                new SystemException(RUNC + "exec: \"/etc/passwd\": permission denied: unknown"));
        assertEquals(126, ((InvalidStartException) e).exitCode());
    }

    @Test
    void aFileMountedOntoADirectoryGetsDockerdsHint() {
        ApiException e = InvalidStartException.of("true", new SystemException(RUNC + "error during container init: "
                + "error mounting \"/tmp/a-file\" to rootfs at \"/etc\": mount /tmp/a-file:/etc (via /proc/self/fd/6), "
                + "flags: 0x5000: not a directory: unknown"));
        assertEquals(127, ((InvalidStartException) e).exitCode());
        assertTrue(e.getMessage().endsWith(": not a directory: unknown: Are you trying to mount a directory onto a file"
                + " (or vice-versa)? Check if the specified host path exists and is the expected type"), e.getMessage());
    }

    @Test
    void aMissingFileOtherThanTheCommandIsTheRuntimesFailure() {
        SystemException refusal = new SystemException(RUNC + "error during container init: open /x/y: no such file or directory: unknown");
        assertSame(refusal, InvalidStartException.of("true", refusal));
        SystemException other = new SystemException("failed to create shim task: context deadline exceeded: unknown");
        assertSame(other, InvalidStartException.of("true", other));
    }
}
