package io.wharf.core.internal.container.logs;

import java.util.Locale;
import java.util.Map;

import io.wharf.core.internal.units.Sizes;
import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * How a json-file rotates, read from the log options as dockerd's jsonfilelog.New reads them and
 * with its messages: {@code max-size} in go-units' decimal sizes ("10m" is 10,000,000 bytes),
 * {@code max-file}, {@code compress}.
 *
 * @param maxSize  bytes after which the file is rotated, or -1 for never
 * @param maxFiles files kept, the current one included
 * @param compress whether rotated files are gzipped
 */
record RotationPolicy(long maxSize, int maxFiles, boolean compress) {

    static RotationPolicy of(Map<String, String> logOpts) {
        long maxSize = -1;
        String size = logOpts.get("max-size");
        if (size != null) {
            maxSize = Sizes.parse(size, Sizes.DECIMAL);
            if (maxSize <= 0) {
                throw new InvalidParameterException("max-size must be a positive number");
            }
        }
        int maxFiles = 1;
        String files = logOpts.get("max-file");
        if (files != null) {
            maxFiles = atoi(files);
            if (maxFiles < 1) {
                throw new InvalidParameterException("max-file cannot be less than 1");
            }
        }
        boolean compress = false;
        String gzip = logOpts.get("compress");
        if (gzip != null) {
            compress = parseBool(gzip);
            if (compress && (maxFiles == 1 || maxSize == -1)) {
                throw new InvalidParameterException(
                        "compress cannot be true when max-file is less than 2 or max-size is not set");
            }
        }
        return new RotationPolicy(maxSize, maxFiles, compress);
    }

    private static int atoi(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            String why = text.matches("[+-]?[0-9]+") ? "value out of range" : "invalid syntax";
            throw new InvalidParameterException("strconv.Atoi: parsing \"" + text + "\": " + why);
        }
    }

    /** Go's strconv.ParseBool, which takes 1, t, T, TRUE, true, True and their false twins. */
    static boolean parseBool(String text) {
        return switch (text) {
            case "1", "t", "T", "TRUE", "true", "True" -> true;
            case "0", "f", "F", "FALSE", "false", "False" -> false;
            default -> throw new InvalidParameterException("strconv.ParseBool: parsing \"" + text + "\": invalid syntax");
        };
    }
}
