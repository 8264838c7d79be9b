package io.wharf.core.spi.graphdriver;

import java.util.regex.Pattern;

/**
 * The layer IDs the core hands to drivers: lowercase hex, optionally with the "-init" suffix of a
 * container's init layer. Drivers check them before turning one into a path.
 */
public final class LayerIds {

    private static final Pattern VALID = Pattern.compile("[0-9a-f]{1,128}(-init)?");

    private LayerIds() {
    }

    /** Returns {@code id}, or refuses it naming the driver. */
    public static String check(String driver, String id) {
        if (id == null || !VALID.matcher(id).matches()) {
            throw new IllegalArgumentException(driver + ": invalid layer id " + id);
        }
        return id;
    }
}
