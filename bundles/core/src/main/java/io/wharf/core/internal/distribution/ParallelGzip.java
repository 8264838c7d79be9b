package io.wharf.core.internal.distribution;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * gzip with every core at work, as pigz does it: the input is cut into 1 MiB blocks, each deflated
 * on its own by a shared pool of threads with the 32 KiB before it as its dictionary (so the
 * ratio stays that of one stream) and ended with a sync flush on a byte boundary, so that the
 * blocks concatenate into one deflate stream; one gzip member with the CRC-32 and length of the
 * whole. The bytes depend only on the input and the level, never on the threads. A push compresses
 * its layers with it; a layer as big as the rest together no longer makes the other cores idle.
 * <p>
 * A block whose samples do not shrink at the fastest level (already compressed or random data) is
 * stored rather than deflated: deflate would end up storing it too, after a slow search for matches
 * that are not there.
 */
final class ParallelGzip implements AutoCloseable {

    static final int BLOCK = 1 << 20;
    private static final int DICTIONARY = 32 * 1024;
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

    private final ExecutorService pool;
    private final int level;
    private final int readAhead;
    private static final int SAMPLES = 4;
    private static final int SAMPLE = 16 * 1024;
    /** Compressed samples at least this share of their size mark a block as incompressible. */
    private static final double INCOMPRESSIBLE = 0.98;

    private final ThreadLocal<Deflater> deflaters;
    private final ThreadLocal<Deflater> storers = ThreadLocal.withInitial(() -> new Deflater(Deflater.NO_COMPRESSION, true));
    private final ThreadLocal<Deflater> samplers = ThreadLocal.withInitial(() -> new Deflater(Deflater.BEST_SPEED, true));

    /** {@code threads} compressing threads (daemon threads, ended by {@link #close}), at {@code level}. */
    ParallelGzip(int threads, int level) {
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "gzip-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.level = level;
        this.readAhead = threads + 1;
        this.deflaters = ThreadLocal.withInitial(() -> new Deflater(level, true));
    }

    /**
     * The gzip of {@code in}, read block by block as the result is read; {@code progress} hears
     * the uncompressed bytes whose compressed form has been read so far. Closing the result
     * closes {@code in}.
     */
    InputStream compress(InputStream in, LongConsumer progress) {
        return new Compressing(in, progress);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    /** One block, deflated; the last one finishes the deflate stream. */
    private byte[] deflate(byte[] data, int length, byte[] dictionary, boolean last) {
        Deflater d = incompressible(data, length) ? storers.get() : deflaters.get();
        d.reset();
        if (dictionary != null) {
            d.setDictionary(dictionary);
        }
        d.setInput(data, 0, length);
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + length / 500 + 64);
        byte[] buf = new byte[64 * 1024];
        if (last) {
            d.finish();
            while (!d.finished()) {
                out.write(buf, 0, d.deflate(buf));
            }
        } else {
            int n;
            do {
                n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
                out.write(buf, 0, n);
            } while (n == buf.length);
        }
        return out.toByteArray();
    }

    /** Whether samples spread over the block do not shrink when deflated at the fastest level. */
    private boolean incompressible(byte[] data, int length) {
        if (level == Deflater.NO_COMPRESSION || length < SAMPLES * SAMPLE) {
            return false;
        }
        Deflater sampler = samplers.get();
        byte[] out = new byte[SAMPLE + SAMPLE / 8];
        long compressed = 0;
        for (int i = 0; i < SAMPLES; i++) {
            sampler.reset();
            sampler.setInput(data, (int) ((long) (length - SAMPLE) * i / (SAMPLES - 1)), SAMPLE);
            sampler.finish();
            while (!sampler.finished()) {
                compressed += sampler.deflate(out);
            }
        }
        return compressed >= INCOMPRESSIBLE * SAMPLES * SAMPLE;
    }

    /** A block on its way: its compressed bytes to come and how many input bytes it holds. */
    private record Pending(Future<byte[]> output, int inputLength) {
    }

    private final class Compressing extends InputStream {

        private final InputStream in;
        private final LongConsumer progress;
        private final CRC32 crc = new CRC32();
        private final Deque<Pending> pending = new ArrayDeque<>();
        private byte[] previous;
        private long total;
        private boolean inputDone;
        private byte[] current = HEADER;
        private int currentInput;
        private int pos;
        private boolean trailerDone;
        private long reported;

        Compressing(InputStream in, LongConsumer progress) {
            this.in = in;
            this.progress = progress;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (pos == current.length) {
                if (!next()) {
                    return -1;
                }
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }

        /** Moves on to the next block's output (or the trailer); false at the end. */
        private boolean next() throws IOException {
            reported += currentInput;
            if (currentInput > 0) {
                progress.accept(reported);
            }
            currentInput = 0;
            fill();
            Pending p = pending.poll();
            if (p != null) {
                current = await(p.output());
                currentInput = p.inputLength();
                pos = 0;
                return true;
            }
            if (trailerDone) {
                return false;
            }
            trailerDone = true;
            long c = crc.getValue();
            current = new byte[] {(byte) c, (byte) (c >>> 8), (byte) (c >>> 16), (byte) (c >>> 24), (byte) total,
                    (byte) (total >>> 8), (byte) (total >>> 16), (byte) (total >>> 24)};
            pos = 0;
            return true;
        }

        /** Reads blocks and hands them to the pool until enough are on their way. */
        private void fill() throws IOException {
            while (!inputDone && pending.size() < readAhead) {
                byte[] data = in.readNBytes(BLOCK);
                // A short block is the last; a full one may be followed by an empty last one.
                boolean last = data.length < BLOCK;
                inputDone = last;
                crc.update(data);
                total += data.length;
                byte[] dictionary = previous == null ? null
                        : Arrays.copyOfRange(previous, Math.max(0, previous.length - DICTIONARY), previous.length);
                previous = data;
                pending.add(new Pending(pool.submit(() -> deflate(data, data.length, dictionary, last)), data.length));
            }
        }

        private byte[] await(Future<byte[]> f) throws IOException {
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while compressing");
            } catch (ExecutionException e) {
                throw new IOException("compressing failed: " + e.getCause(), e.getCause());
            }
        }

        @Override
        public void close() throws IOException {
            pending.forEach(p -> p.output().cancel(true));
            pending.clear();
            in.close();
        }
    }
}
