package io.wharf.core.internal.image;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.fs.AtomicFiles;
import io.wharf.core.internal.ids.StringIds;
import io.wharf.core.spi.graphdriver.DiffDriver;
import io.wharf.core.spi.graphdriver.GraphDriver;
import io.wharf.core.spi.linux.Trees;
import io.wharf.core.spi.reference.Digest;

/**
 * Content-addressed read-only layers in moby's layout, image/DRIVER/layerdb/sha256/CHAINID/ with
 * the files diff, size, cache-id and parent. Each layer also keeps its uncompressed tar
 * (layer.tar), as containerd keeps layer blobs beside its snapshots: `docker save` then hands out
 * exactly the bytes whose digest the image's config names.
 *
 * <p>A layer is built in layerdb/tmp and renamed into place whole, after the driver holds its
 * content; what a crash leaves in tmp, and driver layers no entry names, are removed at start.
 */
public final class LayerStore {

    private static final Logger LOG = LoggerFactory.getLogger(LayerStore.class);

    private final Path root;
    private final GraphDriver driver;
    private final DiffDriver diff;
    private final Map<Digest, Layer> layers = new ConcurrentHashMap<>();

    public LayerStore(Path root, GraphDriver driver, DiffDriver diff) throws IOException {
        this.root = root;
        this.driver = driver;
        this.diff = diff;
        Files.createDirectories(root.resolve("sha256"));
        Files.createDirectories(root.resolve("tmp"));
        load();
    }

    private void load() throws IOException {
        try (Stream<Path> tmp = Files.list(root.resolve("tmp"))) {
            for (Path leftover : tmp.toList()) {
                // A kill between making the directory and writing cache-id leaves it empty; then
                // the driver layer was not made either (it is made after cache-id is written).
                String cacheId = readOr(leftover.resolve("cache-id"));
                if (cacheId != null && cacheId.matches("[0-9a-f]{64}") && driver.exists(cacheId)) {
                    driver.remove(cacheId);
                }
                Trees.delete(leftover);
                LOG.info("removed a layer left half-written by an earlier run: {}", leftover.getFileName());
            }
        }
        try (Stream<Path> dirs = Files.list(root.resolve("sha256"))) {
            for (Path dir : dirs.toList()) {
                Digest chain = Digest.parse("sha256:" + dir.getFileName());
                Digest parent = readOr(dir.resolve("parent")) == null ? null : Digest.parse(readOr(dir.resolve("parent")));
                layers.put(chain, new Layer(chain, Digest.parse(readOr(dir.resolve("diff"))), readOr(dir.resolve("cache-id")),
                        parent, Long.parseLong(readOr(dir.resolve("size")))));
            }
        }
    }

    private static String readOr(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    public Layer get(Digest chainId) {
        return layers.get(chainId);
    }

    public boolean exists(Digest chainId) {
        return layers.containsKey(chainId);
    }

    /**
     * Unpacks a layer tar (plain or gzip) on {@code parent} and registers it; a layer whose chain
     * ID is already known is not stored twice.
     */
    public synchronized Layer register(InputStream tar, Digest parent) throws IOException {
        return register(parent, (tmp, digester, apply) -> {
            try (OutputStream copy = Files.newOutputStream(tmp.resolve("layer.tar"));
                    InputStream plain = decompressed(tar);
                    InputStream teed = new TeeInputStream(plain, digester.wrap(copy))) {
                long size = apply.unpack(teed);
                teed.transferTo(OutputStream.nullOutputStream());
                return size;
            }
        });
    }

    /**
     * Registers a layer tar that is a file on the data root's filesystem (as `docker load`
     * spools them): a plain tar is read once and then moved in as the layer's blob, not copied.
     */
    public synchronized Layer register(Path tarFile, Digest parent) throws IOException {
        try (InputStream probe = Files.newInputStream(tarFile)) {
            if (probe.read() == 0x1f) {
                try (InputStream compressed = Files.newInputStream(tarFile)) {
                    return register(compressed, parent);
                }
            }
        }
        return register(parent, (tmp, digester, apply) -> {
            long size;
            try (InputStream in = new BufferedInputStream(digester.wrap(Files.newInputStream(tarFile)), 1 << 16)) {
                size = apply.unpack(new NonClosingInputStream(in));
                in.transferTo(OutputStream.nullOutputStream());
            }
            Files.move(tarFile, tmp.resolve("layer.tar"));
            return size;
        });
    }

    /** How a layer's tar reaches its temporary directory and the driver. */
    @FunctionalInterface
    private interface Unpacking {
        long run(Path tmp, Digest.Digester digester, Applier apply) throws IOException;
    }

    @FunctionalInterface
    private interface Applier {
        long unpack(InputStream plainTar) throws IOException;
    }

    private Layer register(Digest parent, Unpacking unpacking) throws IOException {
        Layer parentLayer = parent == null ? null : layers.get(parent);
        if (parent != null && parentLayer == null) {
            throw new IOException("parent layer " + parent + " does not exist");
        }
        String parentCacheId = parentLayer == null ? null : parentLayer.cacheId();
        Path tmp = Files.createDirectory(root.resolve("tmp").resolve(StringIds.generate()));
        String cacheId = StringIds.generate();
        Files.writeString(tmp.resolve("cache-id"), cacheId);
        driver.create(cacheId, parentCacheId);
        Digest.Digester digester = Digest.sha256Digester();
        long size;
        try {
            size = unpacking.run(tmp, digester, plain -> diff.applyDiff(cacheId, parentCacheId, plain));
        } catch (IOException | RuntimeException e) {
            driver.remove(cacheId);
            Trees.delete(tmp);
            throw e;
        }
        Digest diffId = digester.digest();
        Digest chain = Layer.chainId(parent, diffId);
        Layer existing = layers.get(chain);
        if (existing != null) {
            driver.remove(cacheId);
            Trees.delete(tmp);
            return existing;
        }
        Files.writeString(tmp.resolve("diff"), diffId.toString());
        Files.writeString(tmp.resolve("size"), Long.toString(size));
        if (parent != null) {
            Files.writeString(tmp.resolve("parent"), parent.toString());
        }
        for (String f : List.of("cache-id", "diff", "size", "layer.tar")) {
            try (var ch = java.nio.channels.FileChannel.open(tmp.resolve(f), java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }
        Files.move(tmp, root.resolve("sha256").resolve(chain.encoded()), StandardCopyOption.ATOMIC_MOVE);
        AtomicFiles.syncDirectory(root.resolve("sha256"));
        Layer layer = new Layer(chain, diffId, cacheId, parent, size);
        layers.put(chain, layer);
        return layer;
    }

    /** The layer's uncompressed tar, exactly as it was registered. */
    public InputStream tar(Digest chainId) throws IOException {
        return Files.newInputStream(root.resolve("sha256").resolve(chainId.encoded()).resolve("layer.tar"));
    }

    public long tarSize(Digest chainId) throws IOException {
        return Files.size(root.resolve("sha256").resolve(chainId.encoded()).resolve("layer.tar"));
    }

    /** Removes a layer; the caller has made sure that no image or child layer uses it. */
    public synchronized void remove(Digest chainId) throws IOException {
        Layer layer = layers.remove(chainId);
        if (layer == null) {
            return;
        }
        Path dir = root.resolve("sha256").resolve(chainId.encoded());
        Path doomed = root.resolve("tmp").resolve(StringIds.generate());
        // Out of sha256/ first: a crash from here on leaves only what start-up sweeps away.
        Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
        driver.remove(layer.cacheId());
        Trees.delete(doomed);
    }

    /** The layers of a chain, base first. */
    public List<Layer> chain(Digest top) {
        java.util.LinkedList<Layer> out = new java.util.LinkedList<>();
        for (Layer l = layers.get(top); l != null; l = l.parent() == null ? null : layers.get(l.parent())) {
            out.addFirst(l);
        }
        return out;
    }

    public Set<Digest> chainIds() {
        return Set.copyOf(layers.keySet());
    }

    private static InputStream decompressed(InputStream in) throws IOException {
        BufferedInputStream b = new BufferedInputStream(in, 1 << 16);
        b.mark(2);
        int m1 = b.read();
        int m2 = b.read();
        b.reset();
        return m1 == 0x1f && m2 == 0x8b ? new GZIPInputStream(b, 1 << 16) : b;
    }


    /** Lets the reader close its view without closing the stream the store still drains. */
    private static final class NonClosingInputStream extends FilterInputStream {
        NonClosingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
            // the store drains and closes the underlying stream
        }
    }

    /** Copies everything read through it to a second stream. */
    private static final class TeeInputStream extends FilterInputStream {
        private final OutputStream copy;

        TeeInputStream(InputStream in, OutputStream copy) {
            super(in);
            this.copy = copy;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                copy.write(b);
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) {
                copy.write(buf, off, n);
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            // The apply closes its input when done; the rest is drained and closed by the store.
        }
    }
}
