package io.wharf.core.internal.archive;

import java.util.ArrayList;
import java.util.List;

import io.wharf.core.spi.archive.UnsafeEntryException;

/**
 * A name in a layer, cleaned as Go's {@code filepath.Clean} does ({@code .} and empty parts
 * dropped, {@code ..} taking away the part before it), as the parts below the root. A name that is
 * absolute or climbs above the root with {@code ..} is refused.
 *
 * @param entry the name as the tar spells it, for messages
 * @param parts the cleaned parts; empty for the root itself
 */
record EntryPath(String entry, List<String> parts) {

    /** Parses the name of an entry. */
    static EntryPath of(String entry) throws UnsafeEntryException {
        return parse(entry, entry, "path");
    }

    /** Parses the target of hard link {@code entry}, by the same rules. */
    static EntryPath linkTarget(String entry, String target) throws UnsafeEntryException {
        return parse(entry, target, "hard link target \"" + target + "\"");
    }

    /** Checks that relative symbolic link target {@code target} of {@code entry}, read from {@code directory}, stays inside. */
    static void symlinkTarget(String entry, List<String> directory, String target) throws UnsafeEntryException {
        String from = String.join("/", directory);
        parse(entry, from.isEmpty() ? target : from + "/" + target, "symbolic link target \"" + target + "\"");
    }

    private static EntryPath parse(String entry, String name, String what) throws UnsafeEntryException {
        if (name.startsWith("/")) {
            throw new UnsafeEntryException(entry, what + " is absolute");
        }
        if (name.indexOf('\0') >= 0) {
            throw new UnsafeEntryException(entry, what + " contains a NUL byte");
        }
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    throw new UnsafeEntryException(entry, what + " leads outside the root");
                }
                parts.removeLast();
            } else if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        return new EntryPath(entry, List.copyOf(parts));
    }

    boolean isRoot() {
        return parts.isEmpty();
    }

    /** The last part. */
    String base() {
        return parts.getLast();
    }

    /** The parts of the parent directory. */
    List<String> parent() {
        return parts.subList(0, parts.size() - 1);
    }
}
