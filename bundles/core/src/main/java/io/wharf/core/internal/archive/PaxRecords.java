package io.wharf.core.internal.archive;

import java.nio.charset.StandardCharsets;

/**
 * The records of a PAX extended header, {@code "<length> <key>=<value>\n"}, with values as raw
 * bytes: Go's archive/tar, which writes Docker's layers, stores extended attribute values such as
 * {@code security.capability} unencoded.
 */
final class PaxRecords {

    /** Receives one record: its key, and where its value lies in the header data. */
    @FunctionalInterface
    interface Visitor {
        void record(String key, int valueOffset, int valueLength);
    }

    private PaxRecords() {
    }

    /** Visits each well-formed record; stops at the first malformed one (commons-compress has refused those already). */
    static void forEach(byte[] data, Visitor visitor) {
        int pos = 0;
        while (pos < data.length) {
            int space = indexOf(data, (byte) ' ', pos, data.length);
            if (space < 0) {
                return;
            }
            int length;
            try {
                length = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                return;
            }
            int end = pos + length;
            int equals = indexOf(data, (byte) '=', space + 1, Math.min(end, data.length));
            if (length <= 0 || end > data.length || equals < 0 || data[end - 1] != '\n') {
                return;
            }
            String key = new String(data, space + 1, equals - space - 1, StandardCharsets.UTF_8);
            visitor.record(key, equals + 1, end - 1 - (equals + 1));
            pos = end;
        }
    }

    private static int indexOf(byte[] data, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
