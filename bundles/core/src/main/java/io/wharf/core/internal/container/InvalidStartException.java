package io.wharf.core.internal.container;

import java.util.Locale;

import io.wharf.core.spi.errors.ApiException;
import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * A runtime's refusal to start a container's process that is the user's mistake, read as dockerd
 * 20.10 reads it: a command that is not there exits 127, one that cannot be run 126, a mount of a
 * file onto a directory (or the reverse) 127 with a hint. Scripts test those exit codes, and the
 * answer is a 400 rather than the runtime's failure.
 */
final class InvalidStartException extends InvalidParameterException {
    private static final long serialVersionUID = 1L;

    /** The exit code of a start that failed for any other reason. */
    static final int START_FAILED = 128;

    private final int exitCode;

    private InvalidStartException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }

    /**
     * The refusal as dockerd answers it when the runtime's message names one of those mistakes,
     * else {@code refusal} itself.
     *
     * @param command the process's command ({@code Path} in inspect), which a "not found" must name
     */
    static ApiException of(String command, ApiException refusal) {
        String message = refusal.getMessage();
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("not a directory")) {
            return new InvalidStartException(message + ": Are you trying to mount a directory onto a file (or vice-versa)?"
                    + " Check if the specified host path exists and is the expected type", 127, refusal);
        }
        if (lower.contains("permission denied")) {
            return new InvalidStartException(message, 126, refusal);
        }
        if (command != null && lower.contains(command.toLowerCase(Locale.ROOT))
                && (lower.contains("executable file not found") || lower.contains("no such file or directory"))) {
            return new InvalidStartException(message, 127, refusal);
        }
        return refusal;
    }
}
