package io.wharf.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client over a unix socket, for routes the docker CLI has no command for
 * (the hot-plugged test route) and for reading raw headers. One request per connection.
 */
final class UnixHttp {

    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private UnixHttp() {
    }

    static Response get(Path socket, String path) throws IOException {
        return request(socket, "GET", path, Map.of());
    }

    static Response request(Path socket, String method, String path, Map<String, String> headers) throws IOException {
        return request(socket, method, path, headers, null);
    }

    /** A request with {@code body} (sent with its Content-Length) when it is not null. */
    static Response request(Path socket, String method, String path, Map<String, String> headers, byte[] body)
            throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n");
            headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
            if (body != null) {
                req.append("Content-Length: ").append(body.length).append("\r\n");
            }
            req.append("\r\n");
            ch.write(ByteBuffer.wrap(req.toString().getBytes(StandardCharsets.US_ASCII)));
            if (body != null) {
                ByteBuffer b = ByteBuffer.wrap(body);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
            byte[] raw = Channels.newInputStream(ch).readAllBytes();
            return parse(raw);
        }
    }

    private static Response parse(byte[] raw) throws IOException {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IOException("incomplete HTTP response: " + text);
        }
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private static byte[] dechunk(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < body.length) {
            int lineEnd = i;
            while (lineEnd + 1 < body.length && !(body[lineEnd] == '\r' && body[lineEnd + 1] == '\n')) {
                lineEnd++;
            }
            int size = Integer.parseInt(new String(body, i, lineEnd - i, StandardCharsets.US_ASCII).split(";")[0].trim(), 16);
            if (size == 0) {
                break;
            }
            out.write(body, lineEnd + 2, size);
            i = lineEnd + 2 + size + 2;
        }
        return out.toByteArray();
    }
}
