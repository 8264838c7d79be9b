package io.wharf.core.internal.network.dns;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The little of the DNS wire format (RFC 1035) the embedded server needs: a query's header and
 * question read, and replies written with A and PTR answers or only a response code. Anything it does
 * not answer itself travels to the upstream servers as the bytes it came in.
 */
final class DnsMessage {

    static final int TYPE_A = 1;
    static final int TYPE_PTR = 12;
    static final int TYPE_MX = 15;
    static final int TYPE_AAAA = 28;
    static final int TYPE_OPT = 41;
    static final int CLASS_IN = 1;

    static final int NOERROR = 0;
    static final int FORMERR = 1;
    static final int SERVFAIL = 2;
    static final int NXDOMAIN = 3;
    static final int NOTIMP = 4;
    static final int REFUSED = 5;

    /** Without EDNS a reply over UDP fits in 512 bytes. */
    static final int UDP_SIZE = 512;
    /** A reply over TCP carries a 2-byte length. */
    static final int TCP_SIZE = 65535;
    /** The TTL of the answers the server gives itself, as dockerd's (respTTL). */
    static final int TTL = 600;

    private static final int HEADER = 12;
    private static final int QR = 0x8000;
    private static final int OPCODE = 0x7800;
    private static final int AA = 0x0400;
    private static final int TC = 0x0200;
    private static final int RD = 0x0100;
    private static final int RA = 0x0080;
    private static final String IN_ADDR_ARPA = ".in-addr.arpa";

    private DnsMessage() {
    }

    /**
     * A query's header and its one question.
     *
     * @param id       the message id, echoed in the reply
     * @param flags    the header's flags
     * @param name     the question's name, lower-case and without the trailing dot ("" for the root);
     *                 a label holding a dot or a byte outside printable ASCII makes it null: such a
     *                 name is no container's and the query goes upstream as it is
     * @param type     the question's type
     * @param qclass   the question's class
     * @param end      the offset just past the question
     * @param udpSize  the largest UDP reply the client takes: its EDNS size, at least 512
     */
    record Query(int id, int flags, String name, int type, int qclass, int end, int udpSize) {
    }

    /** A message that is a query but cannot be read: it gets a reply with {@link #rcode}. */
    static final class Malformed extends Exception {

        private static final long serialVersionUID = 1L;
        final int id;
        final int flags;
        final int rcode;

        Malformed(int id, int flags, int rcode, String message) {
            super(message, null, false, false);
            this.id = id;
            this.flags = flags;
            this.rcode = rcode;
        }
    }

    static int u16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | b[at + 1] & 0xff;
    }

    static int id(byte[] b) {
        return u16(b, 0);
    }

    static int rcode(byte[] b) {
        return b[3] & 0x0f;
    }

    static boolean authoritative(byte[] b) {
        return (u16(b, 2) & AA) != 0;
    }

    /**
     * Reads a query. Returns null for what gets no reply at all (shorter than a header, or a
     * response rather than a query); throws {@link Malformed} for a query to answer with an error.
     */
    static Query parse(byte[] b, int len) throws Malformed {
        if (len < HEADER) {
            return null;
        }
        int id = u16(b, 0);
        int flags = u16(b, 2);
        if ((flags & QR) != 0) {
            return null;
        }
        if ((flags & OPCODE) != 0) {
            throw new Malformed(id, flags, NOTIMP, "opcode " + ((flags & OPCODE) >> 11));
        }
        if (u16(b, 4) != 1) {
            throw new Malformed(id, flags, FORMERR, u16(b, 4) + " questions");
        }
        StringBuilder name = new StringBuilder();
        boolean plain = true;
        int at = HEADER;
        while (true) {
            if (at >= len) {
                throw new Malformed(id, flags, FORMERR, "question cut short");
            }
            int label = b[at++] & 0xff;
            if (label == 0) {
                break;
            }
            if (label > 63 || at + label > len) {
                throw new Malformed(id, flags, FORMERR, "bad label in question");
            }
            if (at - HEADER + label > 255) {
                throw new Malformed(id, flags, FORMERR, "name longer than 255 bytes");
            }
            if (!name.isEmpty()) {
                name.append('.');
            }
            for (int i = 0; i < label; i++) {
                int c = b[at + i] & 0xff;
                if (c == '.' || c <= ' ' || c >= 0x7f) {
                    plain = false;
                }
                name.append(Character.toLowerCase((char) c));
            }
            at += label;
        }
        if (at + 4 > len) {
            throw new Malformed(id, flags, FORMERR, "question cut short");
        }
        int type = u16(b, at);
        int qclass = u16(b, at + 2);
        int end = at + 4;
        return new Query(id, flags, plain ? name.toString() : null, type, qclass, end,
                ednsSize(b, len, end, u16(b, 6) + u16(b, 8), u16(b, 10)));
    }

    /** The EDNS UDP size of an OPT record among the additional records, or 512 without one. */
    private static int ednsSize(byte[] b, int len, int at, int skip, int additional) {
        for (int i = 0; i < skip + additional; i++) {
            at = skipName(b, len, at);
            if (at < 0 || at + 10 > len) {
                return UDP_SIZE;
            }
            int type = u16(b, at);
            int size = u16(b, at + 2);
            int rdlength = u16(b, at + 8);
            if (i >= skip && type == TYPE_OPT) {
                return Math.max(UDP_SIZE, size);
            }
            at += 10 + rdlength;
        }
        return UDP_SIZE;
    }

    private static int skipName(byte[] b, int len, int at) {
        while (at < len) {
            int label = b[at] & 0xff;
            if (label == 0) {
                return at + 1;
            }
            if ((label & 0xc0) == 0xc0) {
                return at + 2;
            }
            if (label > 63) {
                return -1;
            }
            at += 1 + label;
        }
        return -1;
    }

    /** The address a PTR question under in-addr.arpa asks about ("4.3.2.1.in-addr.arpa" → 1.2.3.4), or null. */
    static Inet4Address reverseAddress(String name) {
        if (name == null || !name.endsWith(IN_ADDR_ARPA)) {
            return null;
        }
        String[] octets = name.substring(0, name.length() - IN_ADDR_ARPA.length()).split("\\.", -1);
        if (octets.length != 4) {
            return null;
        }
        byte[] address = new byte[4];
        for (int i = 0; i < 4; i++) {
            String octet = octets[3 - i];
            if (octet.isEmpty() || octet.length() > 3 || !octet.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            int value = Integer.parseInt(octet);
            if (value > 255) {
                return null;
            }
            address[i] = (byte) value;
        }
        try {
            return (Inet4Address) InetAddress.getByAddress(address);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // four bytes always make an address
        }
    }

    /** A name in wire form, uncompressed: "web.net" → 3 w e b 3 n e t 0. */
    static byte[] encodeName(String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(name.length() + 2);
        for (String label : name.split("\\.")) {
            byte[] bytes = label.getBytes(StandardCharsets.UTF_8);
            if (bytes.length == 0) {
                continue;
            }
            int length = Math.min(bytes.length, 63);
            out.write(length);
            out.write(bytes, 0, length);
        }
        out.write(0);
        return out.toByteArray();
    }

    static byte[] a(Inet4Address address) {
        return address.getAddress();
    }

    /**
     * A reply to {@code query} ({@code b} holds its bytes): the question echoed, then one answer of
     * {@code type} for each of {@code rdata}, named by a pointer to the question. Answers that do not
     * fit in {@code maxSize} are left out, and over UDP the reply says it was truncated.
     */
    static byte[] reply(byte[] b, Query query, int rcode, int type, List<byte[]> rdata, int maxSize, boolean tcp) {
        int questionLength = query.end() - HEADER;
        int size = HEADER + questionLength;
        int answers = 0;
        for (byte[] r : rdata) {
            int next = size + 12 + r.length;
            if (next > maxSize) {
                break;
            }
            size = next;
            answers++;
        }
        boolean truncated = answers < rdata.size() && !tcp;
        byte[] out = new byte[size];
        header(out, query.id(), query.flags(), rcode, truncated);
        out[5] = 1;
        out[7] = (byte) answers;
        out[6] = (byte) (answers >> 8);
        System.arraycopy(b, HEADER, out, HEADER, questionLength);
        int at = HEADER + questionLength;
        for (int i = 0; i < answers; i++) {
            byte[] r = rdata.get(i);
            out[at] = (byte) 0xc0;
            out[at + 1] = HEADER;
            put16(out, at + 2, type);
            put16(out, at + 4, CLASS_IN);
            put16(out, at + 6, TTL >>> 16);
            put16(out, at + 8, TTL & 0xffff);
            put16(out, at + 10, r.length);
            System.arraycopy(r, 0, out, at + 12, r.length);
            at += 12 + r.length;
        }
        return out;
    }

    /** A reply with only a response code, the question echoed. */
    static byte[] reply(byte[] b, Query query, int rcode) {
        return reply(b, query, rcode, 0, List.of(), Integer.MAX_VALUE, true);
    }

    /** A reply with only a response code and no question, for a query that could not be read. */
    static byte[] reply(Malformed malformed) {
        byte[] out = new byte[HEADER];
        header(out, malformed.id, malformed.flags, malformed.rcode, false);
        return out;
    }

    private static void header(byte[] out, int id, int queryFlags, int rcode, boolean truncated) {
        put16(out, 0, id);
        put16(out, 2, QR | queryFlags & (OPCODE | RD) | RA | (truncated ? TC : 0) | rcode & 0x0f);
    }

    private static void put16(byte[] b, int at, int value) {
        b[at] = (byte) (value >> 8);
        b[at + 1] = (byte) value;
    }

    /** For log lines: the name as asked, with its type. */
    static String describe(Query query) {
        String type = switch (query.type()) {
            case TYPE_A -> "A";
            case TYPE_PTR -> "PTR";
            case TYPE_MX -> "MX";
            case TYPE_AAAA -> "AAAA";
            default -> "type " + query.type();
        };
        return (query.name() == null ? "(unusual name)" : query.name()) + " " + type;
    }
}
