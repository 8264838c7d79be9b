package io.wharf.core.internal.time;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * The times API parameters and filters carry, read as dockerd reads them: a Unix time with an
 * optional fraction (what the docker CLI sends for --since/--until), an RFC 3339 time, and for the
 * prune filters' {@code until} also a Go duration back from now (moby's timetypes.GetTimestamp).
 */
public final class Timestamps {

    private static final Pattern GO_DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

    private Timestamps() {
    }

    /**
     * A Unix time with an optional fraction of up to 20 digits, read as nanoseconds (moby's
     * timestamp.ParseUnixTimestamp), or an RFC 3339 time; null for an empty or absent value.
     *
     * @throws InvalidParameterException naming {@code param} for anything else
     */
    public static Instant parse(String param, String value) {
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

    /** A Go duration ("24h", "1h30m", "10s") back from {@code now}, or a time as {@link #parse} reads it. */
    public static Instant parseRelative(String param, String value, Instant now) {
        Matcher m = GO_DURATION_PART.matcher(value);
        int end = 0;
        Duration total = Duration.ZERO;
        while (m.find() && m.start() == end) {
            double amount = Double.parseDouble(m.group(1));
            long unitNanos = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            total = total.plusNanos((long) (amount * unitNanos));
            end = m.end();
        }
        if (end > 0 && end == value.length()) {
            return now.minus(total);
        }
        return parse(param, value);
    }

    /** Nanoseconds since the epoch, as events carry their times. */
    public static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
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
