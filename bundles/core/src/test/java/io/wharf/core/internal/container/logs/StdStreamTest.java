package io.wharf.core.internal.container.logs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

/** stdcopy's frame header: stream byte, three zeros, big-endian length. */
class StdStreamTest {

    @Test
    void aFrameCarriesItsStreamAndBigEndianLengthBeforeTheSlice() throws IOException {
        byte[] payload = new byte[70_000];
        Arrays.fill(payload, (byte) 'x');
        payload[5] = 'a';
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StdStream.SYSTEMERR.writeFrame(out, payload, 5, 69_995);
        byte[] frame = out.toByteArray();
        assertArrayEquals(new byte[] {3, 0, 0, 0, 0, 1, 0x11, 0x6b}, Arrays.copyOf(frame, 8));
        assertEquals(8 + 69_995, frame.length);
        assertEquals('a', frame[8]);
    }
}
