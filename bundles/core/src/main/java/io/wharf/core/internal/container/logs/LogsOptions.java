package io.wharf.core.internal.container.logs;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

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
            throw new InvalidParameterException("must specify at least one of 'stdout' or 'stderr'");
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
        return parseTime("since", value);
    }

    /** {@code until}; empty, absent or "0" is none. */
    public static Instant parseUntil(String value) {
        return "0".equals(value) ? null : parseTime("until", value);
    }

    /**
     * A Unix time with an optional fraction of up to 20 digits, read as nanoseconds (moby's
     * timestamp.ParseUnixTimestamp, which the docker CLI sends), or an RFC 3339 time.
     */
    private static Instant parseTime(String param, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return value.indexOf('T') >= 0 ? OffsetDateTime.parse(value).toInstant() : parseUnix(value);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new InvalidParameterException("invalid value for \"" + param + "\": invalid timestamp \""
                    + value + "\": " + e.getMessage(), e);
        }
    }

    private static Instant parseUnix(String value) {
        int dot = value.indexOf('.');
        String seconds = dot < 0 ? value : value.substring(0, dot);
        long sec;
        try {
            sec = Long.parseLong(seconds);
        } catch (NumberFormatException e) {
            String why = seconds.matches("[+-]?[0-9]+") ? "value out of range" : "invalid syntax";
            throw new IllegalArgumentException("invalid seconds \"" + seconds + "\": " + why);
        }
        String fraction = dot < 0 ? "" : value.substring(dot + 1);
        if (fraction.length() > 20) {
            throw new IllegalArgumentException(
                    "invalid nanoseconds: length " + fraction.length() + " exceeds maximum 20");
        }
        for (int i = 0; i < fraction.length(); i++) {
            char c = fraction.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("invalid nanoseconds: invalid character '" + c
                        + "' at position " + i);
            }
        }
        String nanos = (fraction + "000000000").substring(0, 9);
        return Instant.ofEpochSecond(sec, Integer.parseInt(nanos));
    }
}
