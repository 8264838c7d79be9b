package io.wharf.core.internal.container.logs;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.InstantSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a container's stdout or stderr into its log a line at a time, as moby's logger.Copier
 * does: a line is stamped when its end is read; a line longer than the 16 KiB buffer is written in
 * pieces without newlines, all stamped with the time of the first, so that readers can join them;
 * what is left at the end of the output is written as it is.
 */
public final class LogCopier {

    /** moby's defaultBufSize, the longest piece of a line one entry holds. */
    static final int BUFFER_SIZE = 16 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(LogCopier.class);

    private LogCopier() {
    }

    /**
     * Reads {@code in} to its end, writing each line to {@code log} as {@code stream}. A failed
     * write loses that line and is logged, as dockerd does, so that the container is never
     * blocked by its log; a failed read ends the copy with the exception.
     */
    public static void copy(InputStream in, String stream, JsonFileLog log, InstantSource clock) throws IOException {
        byte[] buf = new byte[BUFFER_SIZE];
        int n = 0;
        boolean eof = false;
        Instant partial = null;
        LossyWriter writer = new LossyWriter(log);
        while (true) {
            int read = in.read(buf, n, buf.length - n);
            if (read < 0) {
                eof = true;
            } else {
                n += read;
            }
            if (n == 0 && eof) {
                return;
            }
            int p = 0;
            for (int q = indexOfNewline(buf, p, n); q >= 0; q = indexOfNewline(buf, p, n)) {
                Instant time = partial != null ? partial : clock.instant();
                partial = null;
                writer.write(stream, buf, p, q + 1 - p, time);
                p = q + 1;
            }
            if (eof || p == 0 && n == buf.length) {
                if (p < n) {
                    if (partial == null) {
                        partial = clock.instant();
                    }
                    writer.write(stream, buf, p, n - p, partial);
                    p = n;
                }
                if (eof) {
                    return;
                }
            }
            System.arraycopy(buf, p, buf, 0, n - p);
            n -= p;
        }
    }

    private static int indexOfNewline(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Writes to the log, logging the first of a run of failures rather than every line. */
    private static final class LossyWriter {

        private final JsonFileLog log;
        private boolean failing;

        LossyWriter(JsonFileLog log) {
            this.log = log;
        }

        void write(String stream, byte[] b, int off, int len, Instant time) {
            try {
                log.write(stream, b, off, len, time);
                failing = false;
            } catch (IOException e) {
                if (!failing) {
                    LOG.error("Failed to log {} to {}; lines are lost until it works again: {}",
                            stream, log.path(), e.toString());
                }
                failing = true;
            }
        }
    }
}
