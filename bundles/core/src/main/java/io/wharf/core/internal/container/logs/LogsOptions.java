package io.wharf.core.internal.container.logs;

import java.time.Instant;

import io.wharf.core.internal.time.Timestamps;
import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * The query of {@code GET /containers/{id}/logs} (moby's backend.ContainerLogsOptions), with the
 * router's parsing of since, until and tail.
 *
 * @param stdout     include the container's stdout
 * @param stderr     include its stderr
 * @param follow     keep streaming what is written until the container stops
 * @param since      skip entries before this, or null
 * @param until      stop at the first entry after this, or null
 * @param timestamps prefix each line with its time
 * @param tail       the number of lines from the end to start with; negative for all
 * @param details    prefix each line with the entry's extra attributes
 */
public record LogsOptions(boolean stdout, boolean stderr, boolean follow, Instant since, Instant until,
        boolean timestamps, int tail, boolean details) {

    public LogsOptions {
        if (!stdout && !stderr) {
            throw new InvalidParameterException("Bad parameters: you must choose at least one stream");
        }
    }

    /** {@code tail}: "all", or anything else that is not a number, means all lines, as in dockerd. */
    public static int parseTail(String value) {
        try {
            return value == null ? -1 : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** {@code since}; empty or absent is none. */
    public static Instant parseSince(String value) {
        return Timestamps.parse("since", value);
    }

    /** {@code until}; empty, absent or "0" is none. */
    public static Instant parseUntil(String value) {
        return "0".equals(value) ? null : Timestamps.parse("until", value);
    }
}
