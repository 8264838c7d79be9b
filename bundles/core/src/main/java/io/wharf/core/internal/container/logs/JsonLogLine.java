package io.wharf.core.internal.container.logs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import io.wharf.core.internal.json.Json;

/**
 * One line of a json-file log, written byte for byte as dockerd's jsonlog.JSONLogs does: the
 * fields in the order log, stream, attrs, time; "log" escaped like Go's encoder (HTML characters,
 * U+2028 and U+2029 as \\u escapes, each byte of invalid UTF-8 as U+FFFD), so the file reads the
 * same to tools written for dockerd's files.
 */
final class JsonLogLine {

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private JsonLogLine() {
    }

    /**
     * The entry for one message, with its newline. {@code attrs} is the JSON object of the
     * container's extra attributes, or null.
     */
    static byte[] encode(String stream, byte[] b, int off, int len, Instant time, byte[] attrs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(len + 96);
        out.write('{');
        boolean first = true;
        if (len != 0) {
            out.writeBytes(ascii("\"log\":"));
            writeString(out, b, off, len);
            first = false;
        }
        if (!stream.isEmpty()) {
            out.writeBytes(ascii(first ? "\"stream\":" : ",\"stream\":"));
            byte[] name = stream.getBytes(StandardCharsets.UTF_8);
            writeString(out, name, 0, name.length);
            first = false;
        }
        if (attrs != null) {
            out.writeBytes(ascii(first ? "\"attrs\":" : ",\"attrs\":"));
            out.writeBytes(attrs);
            first = false;
        }
        out.writeBytes(ascii((first ? "\"time\":\"" : ",\"time\":\"") + LogTime.rfc3339Nano(time) + "\"}\n"));
        return out.toByteArray();
    }

    /** The "attrs" object for the given attributes, keys sorted as Go's json.Marshal sorts them. */
    static byte[] encodeAttrs(SortedMap<String, String> attrs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write('{');
        attrs.forEach((k, v) -> {
            if (out.size() > 1) {
                out.write(',');
            }
            byte[] key = k.getBytes(StandardCharsets.UTF_8);
            writeString(out, key, 0, key.length);
            out.write(':');
            byte[] value = v.getBytes(StandardCharsets.UTF_8);
            writeString(out, value, 0, value.length);
        });
        out.write('}');
        return out.toByteArray();
    }

    /** Reads one entry back; throws IOException when the line is not an entry. */
    static LogMessage decode(byte[] line) throws IOException {
        String log = "";
        String stream = "";
        Instant time = null;
        Map<String, String> attrs = Map.of();
        try (JsonParser p = Json.MAPPER.getFactory().createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "log" -> log = p.getValueAsString("");
                    case "stream" -> stream = p.getValueAsString("");
                    case "time" -> time = Instant.parse(p.getValueAsString(""));
                    case "attrs" -> attrs = readAttrs(p, value);
                    default -> p.skipChildren();
                }
            }
        } catch (DateTimeParseException e) {
            throw new IOException("bad time in log entry: " + e.getMessage(), e);
        }
        if (time == null) {
            throw new IOException("log entry without a time");
        }
        return new LogMessage(stream, time, log.getBytes(StandardCharsets.UTF_8), attrs);
    }

    private static Map<String, String> readAttrs(JsonParser p, JsonToken start) throws IOException {
        if (start != JsonToken.START_OBJECT) {
            p.skipChildren();
            return Map.of();
        }
        Map<String, String> attrs = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            p.nextToken();
            attrs.put(key, p.getValueAsString(""));
        }
        return attrs;
    }

    /** A JSON string of the given bytes, escaped as Go's ffjson-derived writer in moby does. */
    private static void writeString(ByteArrayOutputStream out, byte[] s, int off, int len) {
        out.write('"');
        int end = off + len;
        int start = off;
        int i = off;
        while (i < end) {
            int b = s[i] & 0xff;
            if (b < 0x80) {
                if (b >= 0x20 && b != '\\' && b != '"' && b != '<' && b != '>' && b != '&') {
                    i++;
                    continue;
                }
                out.write(s, start, i - start);
                switch (b) {
                    case '\\', '"' -> {
                        out.write('\\');
                        out.write(b);
                    }
                    case '\n' -> out.writeBytes(ascii("\\n"));
                    case '\r' -> out.writeBytes(ascii("\\r"));
                    default -> {
                        out.writeBytes(ascii("\\u00"));
                        out.write(HEX[b >> 4]);
                        out.write(HEX[b & 0xf]);
                    }
                }
                start = ++i;
                continue;
            }
            int size = runeLength(s, i, end);
            if (size == 0) {
                out.write(s, start, i - start);
                out.writeBytes(ascii("\\ufffd"));
                start = ++i;
                continue;
            }
            if (size == 3 && b == 0xe2 && s[i + 1] == (byte) 0x80 && (s[i + 2] == (byte) 0xa8 || s[i + 2] == (byte) 0xa9)) {
                out.write(s, start, i - start);
                out.writeBytes(ascii("\\u202"));
                out.write(HEX[s[i + 2] & 0xf]);
                i += size;
                start = i;
                continue;
            }
            i += size;
        }
        out.write(s, start, end - start);
        out.write('"');
    }

    /**
     * The length of the UTF-8 sequence at {@code i}, or 0 where Go's utf8.DecodeRune would see an
     * error: a stray continuation byte, a truncated or overlong sequence, a surrogate, or a code
     * point past U+10FFFF.
     */
    private static int runeLength(byte[] s, int i, int end) {
        int b = s[i] & 0xff;
        int size;
        int lo = 0x80;
        int hi = 0xbf;
        if (b >= 0xc2 && b <= 0xdf) {
            size = 2;
        } else if (b >= 0xe0 && b <= 0xef) {
            size = 3;
            lo = b == 0xe0 ? 0xa0 : 0x80;
            hi = b == 0xed ? 0x9f : 0xbf;
        } else if (b >= 0xf0 && b <= 0xf4) {
            size = 4;
            lo = b == 0xf0 ? 0x90 : 0x80;
            hi = b == 0xf4 ? 0x8f : 0xbf;
        } else {
            return 0;
        }
        if (end - i < size) {
            return 0;
        }
        int second = s[i + 1] & 0xff;
        if (second < lo || second > hi) {
            return 0;
        }
        for (int k = 2; k < size; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return 0;
            }
        }
        return size;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
