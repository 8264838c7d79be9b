import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ProtocolException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * A small HTTP/1.1 load client for a Docker-style API on a unix socket.
 *
 * <pre>
 * java bench/HttpLoad.java SOCKET PATH CONNECTIONS SECONDS [WARMUP_SECONDS]
 * </pre>
 * opens CONNECTIONS keep-alive connections to SOCKET, one platform thread each, and on each
 * sends {@code GET PATH} and reads the whole response (Content-Length, chunked, or to EOF)
 * before sending the next. Responses completed during the first WARMUP_SECONDS (default 2)
 * are not counted; those completed during the SECONDS that follow are. It prints one line on
 * stdout, starting with the rate: {@code 41234.5 req/s (412345 responses in 10.00 s, ...)},
 * and exits 2 when any response was not 200, any I/O or protocol error happened, or nothing
 * was answered.
 *
 * <pre>
 * java bench/HttpLoad.java --await SOCKET TIMEOUT_SECONDS
 * </pre>
 * is the start-up probe used by bench/run: it warms itself up, prints {@code ready}, then tries
 * {@code GET /_ping} every millisecond (a fresh connection per try) until one is answered 200,
 * and prints {@code up EPOCH_MICROS} (the wall-clock time of that answer), or {@code timeout}
 * and exits 1.
 */
public class HttpLoad {

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("--await")) {
            System.exit(await(Path.of(args[1]), Double.parseDouble(args[2])));
        }
        if (args.length != 4 && args.length != 5) {
            System.err.println("usage: HttpLoad SOCKET PATH CONNECTIONS SECONDS [WARMUP_SECONDS]\n"
                    + "       HttpLoad --await SOCKET TIMEOUT_SECONDS");
            System.exit(64);
        }
        Path socket = Path.of(args[0]);
        String path = args[1];
        int connections = Integer.parseInt(args[2]);
        double seconds = Double.parseDouble(args[3]);
        double warmup = args.length == 5 ? Double.parseDouble(args[4]) : 2.0;
        System.exit(load(socket, path, connections, seconds, warmup));
    }

    static byte[] request(String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: docker\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    static SocketChannel connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    // ---------------------------------------------------------------- load

    static int load(Path socket, String path, int connections, double seconds, double warmup)
            throws InterruptedException {
        long start = System.nanoTime();
        long measureFrom = start + (long) (warmup * 1e9);
        long end = measureFrom + (long) (seconds * 1e9);
        byte[] request = request(path);
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Worker w = new Worker(socket, request, measureFrom, end);
            w.thread = Thread.ofPlatform().name("load-" + i).daemon(true).start(w);
            workers.add(w);
        }
        // A worker blocked on a server that stopped answering is unblocked by closing its channel.
        long graceMillis = 5_000;
        for (Worker w : workers) {
            long left = Math.max(1, (end - System.nanoTime()) / 1_000_000 + graceMillis);
            w.thread.join(left);
            if (w.thread.isAlive()) {
                w.stuck = true;
                w.closeQuietly();
                w.thread.join(1_000);
            }
        }
        long responses = 0, non200 = 0, errors = 0, reconnects = 0, stuck = 0;
        String firstProblem = null;
        for (Worker w : workers) {
            responses += w.responses;
            non200 += w.non200;
            errors += w.errors;
            reconnects += w.reconnects;
            stuck += w.stuck ? 1 : 0;
            if (firstProblem == null) {
                firstProblem = w.firstProblem;
            }
        }
        double rate = responses / seconds;
        System.out.printf(Locale.ROOT,
                "%.1f req/s (%d responses to GET %s in %.2f s after %.1f s warm-up, %d connections; "
                        + "%d non-200, %d errors, %d reconnects, %d stuck)%n",
                rate, responses, path, seconds, warmup, connections, non200, errors, reconnects, stuck);
        if (firstProblem != null) {
            System.err.println("HttpLoad: first problem: " + firstProblem);
        }
        return responses == 0 || non200 > 0 || errors > 0 || stuck > 0 ? 2 : 0;
    }

    static final class Worker implements Runnable {
        private final Path socket;
        private final ByteBuffer request;
        private final long measureFrom;
        private final long end;
        Thread thread;
        private volatile SocketChannel channel;
        volatile boolean stuck;
        long responses, non200, errors, reconnects;
        String firstProblem;

        Worker(Path socket, byte[] request, long measureFrom, long end) {
            this.socket = socket;
            this.request = ByteBuffer.wrap(request);
            this.measureFrom = measureFrom;
            this.end = end;
        }

        @Override
        public void run() {
            HttpReader reader = null;
            while (System.nanoTime() < end && !stuck) {
                try {
                    if (channel == null) {
                        channel = connect(socket);
                        reader = new HttpReader(channel);
                    }
                    request.clear();
                    while (request.hasRemaining()) {
                        channel.write(request);
                    }
                    int status = reader.readResponse(false);
                    long now = System.nanoTime();
                    if (status != 200) {
                        non200++;
                        problem("status " + status);
                    }
                    if (now >= measureFrom && now < end) {
                        responses++;
                    }
                    if (reader.mustClose) {
                        reconnects++;
                        closeQuietly();
                    }
                } catch (IOException | RuntimeException e) {
                    if (stuck || (e instanceof ClosedChannelException && System.nanoTime() >= end)) {
                        break;
                    }
                    errors++;
                    problem(e.toString());
                    closeQuietly();
                    LockSupport.parkNanos(1_000_000);
                }
            }
            closeQuietly();
        }

        private void problem(String what) {
            if (firstProblem == null) {
                firstProblem = what;
            }
        }

        void closeQuietly() {
            SocketChannel ch = channel;
            channel = null;
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // nothing to do
                }
            }
        }
    }

    // ---------------------------------------------------------------- start-up probe

    static int await(Path socket, double timeoutSeconds) throws Exception {
        Thread.ofPlatform().daemon(true).start(() -> {
            LockSupport.parkNanos((long) (timeoutSeconds * 1e9));
            System.out.println("timeout");
            System.out.flush();
            Runtime.getRuntime().halt(1);
        });
        byte[] request = request("/_ping");
        // Warm up the paths used below so that the probe itself adds little to what it measures.
        byte[] canned = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK"
                + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nOK\r\n0\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 2_000; i++) {
            HttpReader r = new HttpReader(Channels.newChannel(new ByteArrayInputStream(canned)));
            r.readResponse(false);
            r.readResponse(false);
        }
        Path absent = socket.resolveSibling(socket.getFileName() + ".absent");
        for (int i = 0; i < 200; i++) {
            tryPing(absent, request);
        }
        PrintStream out = System.out;
        out.println("ready");
        out.flush();
        while (true) {
            if (tryPing(socket, request)) {
                Instant now = Instant.now();
                out.println("up " + (now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000));
                out.flush();
                return 0;
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    static boolean tryPing(Path socket, byte[] request) {
        try (SocketChannel ch = connect(socket)) {
            ByteBuffer b = ByteBuffer.wrap(request);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            return new HttpReader(ch).readResponse(false) == 200;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- response parsing

    /**
     * Reads HTTP/1.x responses off a channel, keeping what it read ahead for the next one. The
     * body is skipped, or with {@link #readResponse(boolean, ByteArrayOutputStream)} kept
     * (bench/ContainerLoad.java reads IDs and exit codes from it).
     */
    static final class HttpReader {
        private final ReadableByteChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        private final byte[] a = buf.array();
        private int lineStart, lineEnd; // the last line read, without its CR LF
        private ByteArrayOutputStream body; // where the body goes while one is read, or null
        boolean mustClose;

        HttpReader(ReadableByteChannel ch) {
            this.ch = ch;
            buf.flip(); // empty, in read mode
        }

        /** Reads one whole response and returns its status; {@code head} if it answers a HEAD. */
        int readResponse(boolean head) throws IOException {
            return readResponse(head, null);
        }

        /** {@link #readResponse(boolean)}, appending the (de-chunked) body to {@code body} if not null. */
        int readResponse(boolean head, ByteArrayOutputStream body) throws IOException {
            this.body = body;
            try {
                return readOne(head);
            } finally {
                this.body = null;
            }
        }

        private int readOne(boolean head) throws IOException {
            while (true) {
                readLine();
                // "HTTP/1.1 200 OK": the version, a space, three digits, then a space or the end
                int n = lineEnd - lineStart;
                if (n < 12 || !startsWith(lineStart, "HTTP/1.") || a[lineStart + 8] != ' '
                        || (n > 12 && a[lineStart + 12] != ' ')) {
                    throw new ProtocolException("bad status line: " + line());
                }
                int status = 0;
                for (int i = 9; i < 12; i++) {
                    byte c = a[lineStart + i];
                    if (c < '0' || c > '9') {
                        throw new ProtocolException("bad status line: " + line());
                    }
                    status = status * 10 + (c - '0');
                }
                boolean http10 = a[lineStart + 7] == '0';
                long length = -1;
                boolean chunked = false;
                boolean close = http10;
                while (true) {
                    readLine();
                    if (lineEnd == lineStart) {
                        break;
                    }
                    if (header("content-length")) {
                        length = parseLength();
                    } else if (header("transfer-encoding")) {
                        chunked = value().toLowerCase(Locale.ROOT).endsWith("chunked");
                    } else if (header("connection")) {
                        String v = value().toLowerCase(Locale.ROOT);
                        close = v.contains("close") || (http10 && !v.contains("keep-alive"));
                    }
                }
                if (status >= 100 && status < 200) {
                    continue; // an interim response: the real one follows
                }
                mustClose = close;
                if (head || status == 204 || status == 304) {
                    return status;
                }
                if (chunked) {
                    readChunks();
                } else if (length >= 0) {
                    skip(length);
                } else {
                    while (fill()) { // the body runs to the end of the connection
                        skip(buf.remaining());
                    }
                    mustClose = true;
                }
                return status;
            }
        }

        private void readChunks() throws IOException {
            while (true) {
                readLine();
                long size = 0;
                int digits = 0;
                for (int i = lineStart; i < lineEnd; i++) {
                    int d = Character.digit(a[i], 16);
                    if (d < 0) {
                        if (a[i] == ';' || a[i] == ' ' || a[i] == '\t') {
                            break; // a chunk extension
                        }
                        throw new ProtocolException("bad chunk size: " + line());
                    }
                    size = size * 16 + d;
                    if (++digits > 15) {
                        throw new ProtocolException("chunk too large: " + line());
                    }
                }
                if (digits == 0) {
                    throw new ProtocolException("bad chunk size: " + line());
                }
                if (size == 0) {
                    do { // trailer fields, then the empty line
                        readLine();
                    } while (lineEnd != lineStart);
                    return;
                }
                skip(size);
                readLine();
                if (lineEnd != lineStart) {
                    throw new ProtocolException("no CRLF after a chunk: " + line());
                }
            }
        }

        /** Sets lineStart..lineEnd to the next line, CR LF (or a bare LF) excluded. */
        private void readLine() throws IOException {
            int from = buf.position();
            while (true) {
                for (int i = from; i < buf.limit(); i++) {
                    if (a[i] == '\n') {
                        lineStart = buf.position();
                        lineEnd = i > lineStart && a[i - 1] == '\r' ? i - 1 : i;
                        buf.position(i + 1);
                        return;
                    }
                }
                if (buf.remaining() == buf.capacity()) {
                    throw new ProtocolException("line longer than " + buf.capacity() + " bytes");
                }
                int scanned = buf.remaining();
                if (!fill()) {
                    throw new EOFException("connection closed mid-response");
                }
                from = buf.position() + scanned;
            }
        }

        private void skip(long n) throws IOException {
            while (n > 0) {
                if (!buf.hasRemaining() && !fill()) {
                    throw new EOFException("connection closed mid-body");
                }
                int step = (int) Math.min(n, buf.remaining());
                if (body != null) {
                    body.write(a, buf.position(), step);
                }
                buf.position(buf.position() + step);
                n -= step;
            }
        }

        /** Compacts the buffer and reads more; false at the end of the stream. */
        private boolean fill() throws IOException {
            buf.compact();
            try {
                int n;
                do {
                    n = ch.read(buf);
                } while (n == 0);
                return n > 0;
            } finally {
                buf.flip();
            }
        }

        private boolean startsWith(int at, String s) {
            for (int i = 0; i < s.length(); i++) {
                if (a[at + i] != s.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        /** Whether the current line is the header {@code name} (given in lower case). */
        private boolean header(String name) {
            int n = name.length();
            if (lineEnd - lineStart <= n || a[lineStart + n] != ':') {
                return false;
            }
            for (int i = 0; i < n; i++) {
                int c = a[lineStart + i];
                if (c >= 'A' && c <= 'Z') {
                    c += 'a' - 'A';
                }
                if (c != name.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        private String value() {
            int colon = lineStart;
            while (a[colon] != ':') {
                colon++;
            }
            return new String(a, colon + 1, lineEnd - colon - 1, StandardCharsets.ISO_8859_1).trim();
        }

        private long parseLength() throws ProtocolException {
            int i = lineStart;
            while (a[i] != ':') {
                i++;
            }
            i++;
            while (i < lineEnd && (a[i] == ' ' || a[i] == '\t')) {
                i++;
            }
            int end = lineEnd;
            while (end > i && (a[end - 1] == ' ' || a[end - 1] == '\t')) {
                end--;
            }
            if (end == i || end - i > 18) {
                throw new ProtocolException("bad Content-Length: " + line());
            }
            long n = 0;
            for (; i < end; i++) {
                if (a[i] < '0' || a[i] > '9') {
                    throw new ProtocolException("bad Content-Length: " + line());
                }
                n = n * 10 + (a[i] - '0');
            }
            return n;
        }

        private String line() {
            return new String(a, lineStart, lineEnd - lineStart, StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * One keep-alive connection for Engine API calls (ContainerLoad, VolumeLoad): each call writes
     * the request by hand and answers the body, or throws unless the status is the expected one.
     */
    static final class ApiClient implements Closeable {

        private final Path socket;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private SocketChannel channel;
        private HttpReader reader;

        ApiClient(Path socket) {
            this.socket = socket;
        }

        String call(String method, String path, byte[] json, int expect) throws IOException {
            if (channel == null) {
                channel = connect(socket);
                reader = new HttpReader(channel);
            }
            StringBuilder head = new StringBuilder(160).append(method).append(' ').append(path)
                    .append(" HTTP/1.1\r\nHost: docker\r\n");
            if (json != null) {
                head.append("Content-Type: application/json\r\n");
            }
            head.append("Content-Length: ").append(json == null ? 0 : json.length).append("\r\n\r\n");
            byte[] h = head.toString().getBytes(StandardCharsets.US_ASCII);
            ByteBuffer out = ByteBuffer.allocate(h.length + (json == null ? 0 : json.length)).put(h);
            if (json != null) {
                out.put(json);
            }
            out.flip();
            while (out.hasRemaining()) {
                channel.write(out);
            }
            body.reset();
            int status = reader.readResponse(method.equals("HEAD"), body);
            if (reader.mustClose) {
                close();
            }
            String text = body.toString(StandardCharsets.UTF_8);
            if (status != expect) {
                throw new ProtocolException(method + " " + path + ": status " + status + " (expected " + expect
                        + "): " + text.strip());
            }
            return text;
        }

        /** Drops the connection; the next call opens a new one. */
        @Override
        public void close() {
            SocketChannel ch = channel;
            channel = null;
            reader = null;
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // nothing to do
                }
            }
        }
    }
}
