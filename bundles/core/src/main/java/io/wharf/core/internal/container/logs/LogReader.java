package io.wharf.core.internal.container.logs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.container.logs.JsonFileLog.Position;
import io.wharf.core.internal.container.logs.JsonFileLog.Segment;
import io.wharf.core.internal.container.logs.JsonFileLog.Snapshot;

/**
 * {@code GET /containers/{id}/logs} over a json-file, as dockerd answers it (loggerutils.LogFile's
 * ReadLogs and follow, the API's logstream.Write): the last {@code tail} entries of the rotated
 * and current files, then with {@code since} and {@code until} applied, then, when following,
 * what is written next, until the log closes (the container stopped), {@code until} passes, the
 * client goes away (a write fails) or the thread is interrupted.
 *
 * <p>Entries go out as the container wrote them, in 8-byte-header frames per stream when the
 * container has no TTY ({@link StdStream}) or raw when it has one, where there is only one stream.
 */
public final class LogReader {

    private static final Logger LOG = LoggerFactory.getLogger(LogReader.class);
    private static final int BLOCK = 8192;

    private final JsonFileLog log;
    private final LogsOptions options;
    private final OutputStream out;
    private final boolean multiplexed;
    /** Cleared at the first entry at or after it: later ones may be older, and still go out. */
    private Instant since;
    private boolean flushEach;
    private RandomAccessFile current;

    private LogReader(JsonFileLog log, LogsOptions options, OutputStream out, boolean multiplexed) {
        this.log = log;
        this.options = options;
        this.out = out;
        this.multiplexed = multiplexed;
        this.since = options.since();
    }

    /**
     * Streams the log to {@code out}, framed when {@code multiplexed}. An error reading the files
     * is reported in the stream ("Error grabbing logs: ...", on the system-error stream when
     * framed) and ends it; an IOException is the client's; an interrupt ends a follow.
     */
    public static void copy(JsonFileLog log, LogsOptions options, OutputStream out, boolean multiplexed)
            throws IOException, InterruptedException {
        new LogReader(log, options, out, multiplexed).run();
    }

    private void run() throws IOException, InterruptedException {
        Snapshot snapshot = log.snapshot(options.tail() != 0);
        current = snapshot.current();
        try {
            try {
                if (tail(snapshot) && options.follow()) {
                    out.flush();
                    flushEach = true;
                    follow(snapshot.position());
                }
            } catch (ReadFailure e) {
                LOG.warn("Error streaming logs of {}: {}", log.path(), e.getCause().toString());
                byte[] text = ("Error grabbing logs: " + e.getCause().getMessage() + "\n")
                        .getBytes(StandardCharsets.UTF_8);
                if (multiplexed) {
                    StdStream.SYSTEMERR.writeFrame(out, text, 0, text.length);
                } else {
                    out.write(text);
                }
            }
            out.flush();
        } finally {
            for (Segment segment : snapshot.rotated()) {
                segment.close();
            }
            snapshot.current().close();
            current.close();
        }
    }

    /** The entries before the follow; false when {@code until} has been passed. */
    private boolean tail(Snapshot snapshot) throws IOException, ReadFailure {
        if (options.tail() == 0) {
            return true;
        }
        List<Part> parts;
        try {
            parts = new ArrayList<>();
            for (Segment segment : snapshot.rotated()) {
                parts.add(new Part(segment.file(), segment.gzip(), 0, segment.file().length(), 0));
            }
            parts.add(new Part(current, false, 0, snapshot.position().size(), 0));
            if (options.tail() > 0) {
                parts = lastLines(parts, options.tail());
            }
        } catch (IOException e) {
            throw new ReadFailure(e);
        }
        for (Part part : parts) {
            LineInput lines;
            try {
                lines = part.open();
            } catch (IOException e) {
                throw new ReadFailure(e);
            }
            if (!forward(lines)) {
                return false;
            }
        }
        return true;
    }

    /** Narrows the parts, oldest first, to their last {@code wanted} lines between them. */
    private static List<Part> lastLines(List<Part> parts, int wanted) throws IOException {
        Deque<Part> kept = new ArrayDeque<>();
        long remaining = wanted;
        for (int i = parts.size() - 1; i >= 0 && remaining > 0; i--) {
            Part part = parts.get(i);
            if (part.gzip()) {
                long lines;
                try (InputStream in = part.gunzip()) {
                    lines = LineInput.count(in);
                }
                long skip = Math.max(0, lines - remaining);
                remaining -= lines - skip;
                kept.addFirst(new Part(part.file(), true, 0, part.to(), skip));
            } else {
                TailStart tail = tailStart(part.file(), part.to(), remaining);
                remaining -= tail.lines();
                kept.addFirst(new Part(part.file(), false, tail.offset(), part.to(), 0));
            }
        }
        return List.copyOf(kept);
    }

    /**
     * Scans back from {@code to} for the start of the last {@code wanted} lines (moby's
     * tailfile); returns that offset and the number of lines found, fewer at the file's start.
     */
    private static TailStart tailStart(RandomAccessFile file, long to, long wanted) throws IOException {
        byte[] block = new byte[BLOCK];
        long found = 0;
        long end = to;
        while (end > 0) {
            int n = (int) Math.min(BLOCK, end);
            long from = end - n;
            file.seek(from);
            file.readFully(block, 0, n);
            for (int i = n - 1; i >= 0; i--) {
                if (block[i] == '\n' && from + i != to - 1 && ++found == wanted) {
                    return new TailStart(from + i + 1, found);
                }
            }
            end = from;
        }
        return new TailStart(0, to > 0 ? found + 1 : 0);
    }

    /** Follows the current file from {@code start} through its rotations. */
    private void follow(Position start) throws IOException, InterruptedException, ReadFailure {
        Position read = start;
        while (true) {
            Position wrote = log.awaitAdvance(read, options.until());
            if (wrote == null) {
                return;
            }
            if (wrote.rotation() != read.rotation()) {
                LineInput rest;
                try {
                    rest = new LineInput(new LineInput.Region(current, read.size(), current.length()));
                } catch (IOException e) {
                    throw new ReadFailure(e);
                }
                if (!forward(rest)) {
                    return;
                }
                Snapshot next;
                try {
                    current.close();
                    next = log.snapshotAfter(read.rotation());
                } catch (IOException e) {
                    throw new ReadFailure(e);
                }
                current = next.current();
                int missed = next.position().rotation() - read.rotation() - 1 - next.rotated().size();
                if (missed > 0) {
                    LOG.warn("{} rotated files were gone before a follower of {} could read them", missed, log.path());
                }
                try {
                    for (Segment segment : next.rotated()) {
                        if (!forward(whole(segment))) {
                            return;
                        }
                    }
                } finally {
                    for (Segment segment : next.rotated()) {
                        segment.close();
                    }
                }
                wrote = next.position();
                read = new Position(wrote.rotation(), 0);
            }
            if (!forward(new LineInput(new LineInput.Region(current, read.size(), wrote.size())))) {
                return;
            }
            read = wrote;
        }
    }

    private static LineInput whole(Segment segment) throws ReadFailure {
        try {
            return new Part(segment.file(), segment.gzip(), 0, segment.file().length(), 0).open();
        } catch (IOException e) {
            throw new ReadFailure(e);
        }
    }

    /** Sends the entries of {@code lines}, then closes it; false when {@code until} has been passed. */
    private boolean forward(LineInput lines) throws IOException, ReadFailure {
        try (lines) {
            while (true) {
                byte[] line;
                try {
                    line = lines.next();
                } catch (IOException e) {
                    throw new ReadFailure(e);
                }
                if (line == null) {
                    return true;
                }
                LogMessage message;
                try {
                    message = JsonLogLine.decode(line);
                } catch (IOException e) {
                    LOG.warn("Skipping an unreadable entry in {}: {}", log.path(), e.getMessage());
                    continue;
                }
                if (!offer(message)) {
                    return false;
                }
            }
        }
    }

    /** Applies since and until to one entry and writes it if its stream was asked for. */
    private boolean offer(LogMessage message) throws IOException {
        if (since != null) {
            if (message.time().isBefore(since)) {
                return true;
            }
            since = null;
        }
        if (options.until() != null && message.time().isAfter(options.until())) {
            return false;
        }
        StdStream stream = switch (message.stream()) {
            case "stdout" -> options.stdout() ? StdStream.STDOUT : null;
            case "stderr" -> options.stderr() ? StdStream.STDERR : null;
            default -> null;
        };
        if (stream == null) {
            return true;
        }
        byte[] payload = payload(message);
        if (multiplexed) {
            stream.writeFrame(out, payload, 0, payload.length);
        } else {
            out.write(payload);
        }
        if (flushEach) {
            out.flush();
        }
        return true;
    }

    /** The line, after its time and its attributes when those were asked for. */
    private byte[] payload(LogMessage message) {
        if (!options.timestamps() && !options.details()) {
            return message.line();
        }
        ByteArrayOutputStream payload = new ByteArrayOutputStream(message.line().length + 64);
        if (options.timestamps()) {
            payload.writeBytes((LogTime.rfc3339NanoFixed(message.time()) + " ").getBytes(StandardCharsets.US_ASCII));
        }
        if (options.details()) {
            payload.writeBytes((details(message.attrs()) + " ").getBytes(StandardCharsets.US_ASCII));
        }
        payload.writeBytes(message.line());
        return payload.toByteArray();
    }

    /** {@code k1=v1,k2=v2}, sorted by key and query-escaped, as logstream's attrsByteSlice. */
    private static String details(Map<String, String> attrs) {
        StringBuilder out = new StringBuilder();
        new TreeMap<>(attrs).forEach((k, v) -> {
            if (!out.isEmpty()) {
                out.append(',');
            }
            out.append(queryEscape(k)).append('=').append(queryEscape(v));
        });
        return out.toString();
    }

    /** Go's url.QueryEscape: only letters, digits and {@code -_.~} stay; a space becomes '+'. */
    private static String queryEscape(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-_.~".indexOf(c) >= 0) {
                out.append(c);
            } else if (c == ' ') {
                out.append('+');
            } else {
                out.append('%').append("0123456789ABCDEF".charAt(c >> 4)).append("0123456789ABCDEF".charAt(c & 0xf));
            }
        }
        return out.toString();
    }

    /**
     * A stretch of one file to read: bytes {@code [from, to)}, or a gzipped file whole, after
     * {@code skip} lines.
     */
    private record Part(RandomAccessFile file, boolean gzip, long from, long to, long skip) {

        InputStream gunzip() throws IOException {
            return new GZIPInputStream(new LineInput.Region(file, 0, to));
        }

        LineInput open() throws IOException {
            LineInput lines = new LineInput(gzip ? gunzip() : new LineInput.Region(file, from, to));
            lines.skip(skip);
            return lines;
        }
    }

    /** Where the last lines of a file start, and how many there are (fewer than asked at its start). */
    private record TailStart(long offset, long lines) {
    }

    /** A failure reading the log files, as opposed to writing to the client. */
    private static final class ReadFailure extends Exception {

        private static final long serialVersionUID = 1L;

        ReadFailure(IOException cause) {
            super(cause);
        }
    }
}
