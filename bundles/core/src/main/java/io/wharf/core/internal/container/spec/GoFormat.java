package io.wharf.core.internal.container.spec;

import java.util.List;
import java.util.stream.Collectors;

/** The two Go formatting verbs dockerd's messages use on strings, so Wharf's read the same. */
final class GoFormat {

    private GoFormat() {
    }

    /** Go's {@code %q} of a string (strconv.Quote): double quotes, with backslash escapes. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        s.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\x%02x", c));
                    } else {
                        b.appendCodePoint(c);
                    }
                }
            }
        });
        return b.append('"').toString();
    }

    /** Go's {@code %v} of a string slice: {@code [a b c]}. */
    static String list(List<?> values) {
        return values.stream().map(v -> v instanceof List<?> l ? list(l) : String.valueOf(v))
                .collect(Collectors.joining(" ", "[", "]"));
    }
}
