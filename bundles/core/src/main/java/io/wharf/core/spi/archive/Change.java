package io.wharf.core.spi.archive;

import java.util.Objects;

/**
 * One changed path between two directory trees, as {@code docker diff} shows it.
 *
 * @param path absolute within the tree, e.g. {@code /etc/passwd}
 * @param kind what happened to it
 */
public record Change(String path, Kind kind) {

    /** In the order of the Engine API's numbers: {@code ordinal()} is the {@code Kind} of {@code GET /containers/{id}/changes}. */
    public enum Kind {
        MODIFY, ADD, DELETE
    }

    public Change {
        Objects.requireNonNull(kind, "kind");
        if (path == null || !path.startsWith("/") || path.length() < 2 || path.endsWith("/")) {
            throw new IllegalArgumentException("not an absolute path below /: " + path);
        }
    }
}
