package io.wharf.core.internal.container.spec;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import io.wharf.core.spi.errors.InvalidParameterException;

/** Linux signal names and numbers as docker spells them (moby pkg/signal): "KILL", "SIGTERM", "9", "RTMIN+3". */
public final class Signals {

    private static final int SIGRTMIN = 34;
    private static final int SIGRTMAX = 64;
    private static final Map<String, Integer> BY_NAME = new HashMap<>();

    static {
        String[] names = {null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV",
            "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU",
            "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"};
        for (int i = 1; i < names.length; i++) {
            BY_NAME.put(names[i], i);
        }
        BY_NAME.put("IOT", 6);
        BY_NAME.put("CLD", 17);
        BY_NAME.put("POLL", 29);
        BY_NAME.put("RTMIN", SIGRTMIN);
        BY_NAME.put("RTMAX", SIGRTMAX);
        for (int i = 1; i <= 15; i++) {
            BY_NAME.put("RTMIN+" + i, SIGRTMIN + i);
        }
        for (int i = 1; i <= 14; i++) {
            BY_NAME.put("RTMAX-" + i, SIGRTMAX - i);
        }
    }

    private Signals() {
    }

    /** The number of a signal given by number or by name, with or without "SIG", in any case. */
    public static int parse(String raw) {
        if (raw.matches("[+-]?[0-9]{1,9}")) {
            int n = Integer.parseInt(raw);
            if (n == 0) {
                throw invalid(raw);
            }
            return n;
        }
        String name = raw.toUpperCase(Locale.ROOT);
        Integer n = BY_NAME.get(name.startsWith("SIG") ? name.substring(3) : name);
        if (n == null) {
            throw invalid(raw);
        }
        return n;
    }

    private static InvalidParameterException invalid(String raw) {
        return new InvalidParameterException("Invalid signal: " + raw);
    }
}
