package io.wharf.core.internal.container.logs;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.util.Arrays;

/** The lines of a log file, newline-terminated except perhaps the last (a crash mid-write). */
final class LineInput implements Closeable {

    private final InputStream in;
    private byte[] buf = new byte[8192];
    private int start;
    private int end;
    private boolean eof;

    LineInput(InputStream in) {
        this.in = in;
    }

    /** The next line without its newline, or null at the end. */
    byte[] next() throws IOException {
        int scan = start;
        while (true) {
            for (int i = scan; i < end; i++) {
                if (buf[i] == '\n') {
                    byte[] line = Arrays.copyOfRange(buf, start, i);
                    start = i + 1;
                    return line;
                }
            }
            if (eof) {
                if (start == end) {
                    return null;
                }
                byte[] line = Arrays.copyOfRange(buf, start, end);
                start = end;
                return line;
            }
            int pending = end - start;
            System.arraycopy(buf, start, buf, 0, pending);
            start = 0;
            end = pending;
            scan = pending;
            if (end == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            int n = in.read(buf, end, buf.length - end);
            if (n < 0) {
                eof = true;
            } else {
                end += n;
            }
        }
    }

    /** Reads past {@code lines} lines. */
    void skip(long lines) throws IOException {
        for (long i = 0; i < lines && next() != null; i++) {
            // the line is dropped
        }
    }

    /** Closes the stream (a gzip stream's inflater); a file region leaves its file open. */
    @Override
    public void close() throws IOException {
        in.close();
    }

    /** The number of lines {@code in} holds to its end, counted as {@link #next} would return them. */
    static long count(InputStream in) throws IOException {
        byte[] block = new byte[8192];
        long lines = 0;
        int last = '\n';
        for (int n = in.read(block); n >= 0; n = in.read(block)) {
            for (int i = 0; i < n; i++) {
                if (block[i] == '\n') {
                    lines++;
                }
            }
            if (n > 0) {
                last = block[n - 1];
            }
        }
        return last == '\n' ? lines : lines + 1;
    }

    /**
     * Bytes {@code [from, to)} of a file. It seeks before every read, so other regions of the same
     * file can be read in between; and a RandomAccessFile, unlike a channel, is not closed when the
     * reading thread is interrupted (which is how a follower is told its client is gone).
     */
    static final class Region extends InputStream {

        private final RandomAccessFile file;
        private long position;
        private final long to;

        Region(RandomAccessFile file, long from, long to) {
            this.file = file;
            this.position = from;
            this.to = to;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (position >= to) {
                return -1;
            }
            file.seek(position);
            int n = file.read(b, off, (int) Math.min(len, to - position));
            if (n > 0) {
                position += n;
            }
            return n;
        }
    }
}
