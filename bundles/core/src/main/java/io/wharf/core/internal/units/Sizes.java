package io.wharf.core.internal.units;

import java.util.Locale;

import io.wharf.core.spi.errors.InvalidParameterException;

/** Sizes as docker's flags and options write them ("64m", "1.5GiB", "10 kb"), read with go-units' rules. */
public final class Sizes {

    /** RAMInBytes: k, m, g... are powers of 1024. */
    public static final long BINARY = 1024;
    /** FromHumanSize: k, m, g... are powers of 1000. */
    public static final long DECIMAL = 1000;

    private Sizes() {
    }

    /**
     * go-units' size parser: a number, an optional space, an optional k/m/g/t/p with b or ib, in
     * powers of {@code base} (1000 for FromHumanSize, 1024 for RAMInBytes).
     */
    public static long parse(String text, long base) {
        int sep = -1;
        for (int i = text.length() - 1; i >= 0 && sep < 0; i--) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9' || c == '.' || c == ' ') {
                sep = i;
            }
        }
        if (sep < 0) {
            throw new InvalidParameterException("invalid size: '" + text + "'");
        }
        String number = text.charAt(sep) == ' ' ? text.substring(0, sep) : text.substring(0, sep + 1);
        String suffix = text.substring(sep + 1);
        double size;
        try {
            if (number.isEmpty() || number.strip().length() != number.length()) {
                throw new NumberFormatException();
            }
            size = Double.parseDouble(number);
        } catch (NumberFormatException e) {
            throw new InvalidParameterException("strconv.ParseFloat: parsing \"" + number + "\": invalid syntax");
        }
        if (size < 0) {
            throw new InvalidParameterException("invalid size: '" + text + "'");
        }
        if (suffix.isEmpty()) {
            return (long) size;
        }
        if (suffix.length() > 3) {
            throw new InvalidParameterException("invalid suffix: '" + suffix + "'");
        }
        String unit = suffix.toLowerCase(Locale.ROOT);
        if (unit.charAt(0) == 'b') {
            if (unit.length() > 1) {
                throw new InvalidParameterException("invalid suffix: '" + unit + "'");
            }
            return (long) size;
        }
        int power = "kmgtp".indexOf(unit.charAt(0)) + 1;
        if (power == 0) {
            throw new InvalidParameterException("invalid suffix: '" + unit + "'");
        }
        if (unit.length() == 2 && unit.charAt(1) != 'b' || unit.length() == 3 && !unit.endsWith("ib")) {
            throw new InvalidParameterException("invalid suffix: '" + unit + "'");
        }
        return (long) (size * Math.pow(base, power));
    }
}
