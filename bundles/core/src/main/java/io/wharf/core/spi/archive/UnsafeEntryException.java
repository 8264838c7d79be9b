package io.wharf.core.spi.archive;

import java.io.IOException;

/**
 * A layer entry that would reach outside the directory it is applied to: a path escaping with
 * {@code ..}, an absolute path, a path through a symbolic link leading out, a hard link or
 * whiteout doing the same. Nothing outside the directory has been written when it is thrown.
 */
public final class UnsafeEntryException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String entry;

    public UnsafeEntryException(String entry, String reason) {
        super("unsafe layer entry \"" + entry + "\": " + reason);
        this.entry = entry;
    }

    /** The entry's name as written in the tar. */
    public String entry() {
        return entry;
    }
}
