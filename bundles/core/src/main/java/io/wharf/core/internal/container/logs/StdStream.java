package io.wharf.core.internal.container.logs;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The streams of Docker's multiplexed stream format (moby's stdcopy), used when a container has
 * no TTY so that stdout and stderr can share one connection: each frame is a byte naming the
 * stream, three zero bytes, the payload's length as a big-endian uint32, then the payload. The
 * ordinal is the byte on the wire.
 */
public enum StdStream {
    STDIN, STDOUT, STDERR,
    /** An error of the daemon's, which ends the client's copy (stdcopy.Systemerr). */
    SYSTEMERR;

    private static final int HEADER = 8;

    /**
     * Writes {@code b[off, off+len)} as one frame, in a single write so that it stays one piece
     * of the response; callers writing from several threads serialise the calls themselves.
     */
    public void writeFrame(OutputStream out, byte[] b, int off, int len) throws IOException {
        byte[] frame = new byte[HEADER + len];
        frame[0] = (byte) ordinal();
        frame[4] = (byte) (len >>> 24);
        frame[5] = (byte) (len >>> 16);
        frame[6] = (byte) (len >>> 8);
        frame[7] = (byte) len;
        System.arraycopy(b, off, frame, HEADER, len);
        out.write(frame);
    }
}
