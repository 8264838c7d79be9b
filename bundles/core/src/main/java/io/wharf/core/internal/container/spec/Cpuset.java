package io.wharf.core.internal.container.spec;

import java.util.HashSet;
import java.util.Set;

import io.wharf.core.spi.errors.InvalidParameterException;

/** cpuset lists ("0-2,7") and dockerd's check that the ones asked for exist (moby sysinfo, parsers.ParseUintList). */
final class Cpuset {

    /** Linux's usual maximum number of CPUs; lists may name numbers up to it, or up to the largest available. */
    private static final int USUAL_MAXIMUM = 8192;

    private Cpuset() {
    }

    /**
     * Fails unless every number in {@code requested} is in {@code available}; {@code what} is "cpus"
     * or "mems" and {@code plural} "CPUs" or "memory nodes", for dockerd's messages.
     */
    static void checkAvailable(String requested, String available, String what, String plural) {
        Set<Integer> have = parse(available, 0);
        int maximum = Math.max(USUAL_MAXIMUM, have.stream().mapToInt(Integer::intValue).max().orElse(0));
        Set<Integer> wanted;
        try {
            wanted = parse(requested, maximum);
        } catch (IllegalArgumentException e) {
            throw new InvalidParameterException("Invalid value " + requested + " for cpuset " + what + ": "
                    + e.getMessage());
        }
        if (!have.containsAll(wanted)) {
            throw new InvalidParameterException("Requested " + plural + " are not available - requested " + requested
                    + ", available: " + available);
        }
    }

    /** The numbers of a list; {@code maximum} 0 means no maximum. */
    private static Set<Integer> parse(String list, int maximum) {
        Set<Integer> out = new HashSet<>();
        if (list.isEmpty()) {
            return out;
        }
        IllegalArgumentException invalidFormat = new IllegalArgumentException("invalid format: " + list);
        for (String r : list.split(",", -1)) {
            int dash = r.indexOf('-');
            int min = atoi(dash < 0 ? r : r.substring(0, dash), invalidFormat);
            int max = dash < 0 ? min : atoi(r.substring(dash + 1), invalidFormat);
            if (max < min) {
                throw invalidFormat;
            }
            if (maximum != 0 && max > maximum) {
                throw new IllegalArgumentException("value of out range, maximum is " + maximum);
            }
            for (int i = min; i <= max; i++) {
                out.add(i);
            }
        }
        return out;
    }

    /** Go's strconv.Atoi: an optional sign and decimal digits. */
    private static int atoi(String s, IllegalArgumentException invalid) {
        if (!s.matches("[+-]?[0-9]{1,9}")) {
            throw invalid;
        }
        return Integer.parseInt(s);
    }
}
