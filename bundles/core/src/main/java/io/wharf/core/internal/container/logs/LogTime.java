package io.wharf.core.internal.container.logs;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The two RFC 3339 spellings dockerd uses for log times: Go's {@code time.RFC3339Nano} in the
 * json-file (trailing zeros of the fraction dropped, no fraction at all on a whole second) and
 * {@code RFC3339NanoFixed} in {@code docker logs -t} (always nine digits, so columns line up).
 */
final class LogTime {

    private static final DateTimeFormatter SECONDS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    private LogTime() {
    }

    /** {@code 2024-01-01T00:00:00.1234Z}: the json-file's "time". */
    static String rfc3339Nano(Instant time) {
        StringBuilder out = new StringBuilder(30);
        SECONDS.formatTo(time, out);
        if (time.getNano() != 0) {
            String digits = nineDigits(time.getNano());
            int end = digits.length();
            while (digits.charAt(end - 1) == '0') {
                end--;
            }
            out.append('.').append(digits, 0, end);
        }
        return out.append('Z').toString();
    }

    /** {@code 2024-01-01T00:00:00.123400000Z}: the prefix {@code docker logs -t} puts on a line. */
    static String rfc3339NanoFixed(Instant time) {
        StringBuilder out = new StringBuilder(30);
        SECONDS.formatTo(time, out);
        return out.append('.').append(nineDigits(time.getNano())).append('Z').toString();
    }

    private static String nineDigits(int nanos) {
        return Integer.toString(1_000_000_000 + nanos).substring(1);
    }
}
