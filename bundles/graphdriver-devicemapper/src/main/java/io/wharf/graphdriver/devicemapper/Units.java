package io.wharf.graphdriver.devicemapper;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes as dockerd reads and prints them (go-units RAMInBytes and HumanSize). */
final class Units {

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?");
    private static final String[] DECIMAL = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};

    private Units() {
    }

    /** "10G", "10GB", "10GiB", "512k", "100": binary multiples, as dockerd takes --storage-opt sizes. */
    static long parseBytes(String key, String value) {
        Matcher m = SIZE.matcher(value.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("devmapper: invalid size for " + key + ": '" + value + "'");
        }
        int shift = m.group(2) == null ? 0 : 10 * ("kmgtp".indexOf(m.group(2).toLowerCase(Locale.ROOT)) + 1);
        return new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1L << shift)).longValue();
    }

    /** Four significant digits and a decimal unit: 65.54kB, 10.74GB, 0B. */
    static String humanSize(long bytes) {
        double size = bytes;
        int unit = 0;
        while (size >= 1000 && unit < DECIMAL.length - 1) {
            size /= 1000;
            unit++;
        }
        return new BigDecimal(size).round(new MathContext(4)).stripTrailingZeros().toPlainString() + DECIMAL[unit];
    }
}
