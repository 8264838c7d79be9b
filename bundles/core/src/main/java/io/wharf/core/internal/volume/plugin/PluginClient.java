package io.wharf.core.internal.volume.plugin;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

import io.wharf.core.internal.json.Json;

/**
 * The client side of Docker's legacy plugin protocol (moby's pkg/plugins Client): each call is an
 * HTTP/1.1 {@code POST /<Method>} with a JSON body and {@value #MIME} as Accept and Content-Type,
 * over the plugin's unix socket or TCP address; the answer is JSON. One connection per call.
 *
 * <p>A plugin that cannot be reached (no socket, nobody listening, the connection dropped before an
 * answer) is a {@link PluginUnreachableException}; an answer with a status other than 200 is a
 * {@link PluginCallException} carrying the status and the answer's "Err" (or its body).
 */
final class PluginClient {

    static final String MIME = "application/vnd.docker.plugins.v1.2+json";
    private static final int MAX_BODY = 16 << 20;

    private final PluginAddress address;
    private final Duration timeout;

    PluginClient(PluginAddress address, Duration timeout) {
        if (!address.unix() && !"tcp".equals(address.uri().getScheme()) && !"http".equals(address.uri().getScheme())) {
            throw new IllegalArgumentException("plugin " + address.name() + ": unsupported address " + address.uri()
                    + " (unix:// and tcp:// are)");
        }
        this.address = address;
        this.timeout = timeout;
    }

    PluginAddress address() {
        return address;
    }

    /** Calls {@code method} with {@code args} (null: an empty object) and returns the answer's JSON. */
    JsonNode call(String method, Object args) throws IOException {
        byte[] body = args == null ? "{}".getBytes(StandardCharsets.UTF_8) : Json.bytes(args);
        try (SocketChannel channel = connect(method)) {
            // A plugin that takes the call and never answers is cut off: the channel closed under the read.
            Thread watchdog = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(timeout);
                    channel.close();
                } catch (InterruptedException | IOException e) {
                    // answered in time, or closing failed: nothing to do
                }
            });
            try {
                OutputStream out = Channels.newOutputStream(channel);
                String head = "POST /" + method + " HTTP/1.1\r\n"
                        + "Host: " + (address.unix() ? "plugin" : address.uri().getAuthority()) + "\r\n"
                        + "User-Agent: Wharf\r\n"
                        + "Accept: " + MIME + "\r\n"
                        + "Content-Type: " + MIME + "\r\n"
                        + "Content-Length: " + body.length + "\r\n"
                        + "Connection: close\r\n\r\n";
                out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
                return read(method, new BufferedInputStream(Channels.newInputStream(channel)));
            } catch (ClosedChannelException e) {
                throw new PluginUnreachableException(method + ": no answer within " + timeout.toSeconds() + " s", e);
            } finally {
                watchdog.interrupt();
            }
        } catch (PluginUnreachableException | PluginCallException e) {
            throw e;
        } catch (IOException e) {
            throw new PluginUnreachableException(method + ": " + reason(e), e);
        }
    }

    private SocketChannel connect(String method) throws PluginUnreachableException {
        String where = address.unix() ? address.socket().toString() : address.uri().getAuthority();
        try {
            return address.unix() ? SocketChannel.open(UnixDomainSocketAddress.of(address.socket()))
                    : SocketChannel.open(new InetSocketAddress(address.uri().getHost(), address.uri().getPort()));
        } catch (IOException e) {
            throw new PluginUnreachableException(method + ": dial " + where + ": " + reason(e), e);
        }
    }

    private static String reason(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private JsonNode read(String method, InputStream in) throws IOException {
        String status = line(in);
        if (status == null) {
            throw new PluginUnreachableException(method + ": the plugin closed the connection without an answer",
                    new EOFException());
        }
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException(method + ": not an HTTP answer: " + status);
        }
        int code = Integer.parseInt(parts[1]);
        long length = -1;
        boolean chunked = false;
        for (String h; (h = line(in)) != null && !h.isEmpty();) {
            int colon = h.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            if (key.equals("content-length")) {
                length = Long.parseLong(value);
            } else if (key.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
                chunked = true;
            }
        }
        byte[] body = chunked ? chunked(in) : length >= 0 ? exactly(in, length) : upToEnd(in);
        JsonNode json;
        try {
            json = body.length == 0 ? NullNode.instance : Json.MAPPER.readTree(body);
        } catch (IOException e) {
            json = null;
        }
        if (code != 200) {
            String err = json != null && json.path("Err").isTextual() && !json.path("Err").asText().isEmpty()
                    ? json.path("Err").asText() : new String(body, StandardCharsets.UTF_8).trim();
            throw new PluginCallException(method, code, err);
        }
        if (json == null) {
            throw new IOException(method + ": the plugin's answer is not JSON: "
                    + new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8));
        }
        return json;
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            if (b.size() > 64 << 10) {
                throw new IOException("header line too long");
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    private static byte[] exactly(InputStream in, long length) throws IOException {
        if (length > MAX_BODY) {
            throw new IOException("plugin answer too large: " + length + " bytes");
        }
        byte[] b = in.readNBytes((int) length);
        if (b.length < length) {
            throw new EOFException("plugin answer cut short");
        }
        return b;
    }

    private static byte[] upToEnd(InputStream in) throws IOException {
        byte[] b = in.readNBytes(MAX_BODY + 1);
        if (b.length > MAX_BODY) {
            throw new IOException("plugin answer too large");
        }
        return b;
    }

    private static byte[] chunked(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            String size = line(in);
            if (size == null) {
                throw new EOFException("plugin answer cut short");
            }
            int semi = size.indexOf(';');
            long n = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
            if (n == 0) {
                for (String t; (t = line(in)) != null && !t.isEmpty();) {
                    // trailers
                }
                return out.toByteArray();
            }
            if (out.size() + n > MAX_BODY) {
                throw new IOException("plugin answer too large");
            }
            out.write(exactly(in, n));
            line(in);
        }
    }
}
