package io.wharf.core.internal.ids;

import java.security.SecureRandom;
import java.util.HexFormat;

/** The daemon's random IDs (moby's stringid): 64 lowercase hex digits, for containers, execs, layers and volumes. */
public final class StringIds {

    private static final SecureRandom RANDOM = new SecureRandom();

    private StringIds() {
    }

    public static String generate() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
