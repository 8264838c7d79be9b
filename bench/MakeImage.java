import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes the test image of bench/images: a docker-archive tarball as `docker save` writes one
 * (a directory per layer holding layer.tar, the config as IMAGE_ID.json, manifest.json), of five
 * uncompressed layers, about 100 MiB in all, the same bytes on every run and every machine.
 *
 * <pre>
 * java bench/MakeImage.java OUTPUT_FILE [REPO:TAG]
 * </pre>
 * prints {@code sha256:IMAGE_ID ARCHIVE_BYTES} on stdout. The content of the files is
 * pseudo-random (SplitMix64 from fixed seeds), so it does not compress; the layers are
 * <ol>
 * <li>a base: 48 directories, 2,400 small files (256 B - 10 KiB), symlinks, a hard link, a cache
 *     directory of 200 files;</li>
 * <li>three large files (24, 16 and 8 MiB);</li>
 * <li>1,600 files of 512 B - 16 KiB and a 6 MiB file;</li>
 * <li>changes: a whiteout of the 16 MiB file, an opaque cache directory with 50 new files, 300
 *     files of layer 1 rewritten, a new 8 MiB file;</li>
 * <li>a 10 MiB file, 300 small files, whiteouts of 20 files of layer 3.</li>
 * </ol>
 * Every entry has mode, owner root and one fixed modification time; the tar headers are ustar.
 */
public class MakeImage {

    /** Changes whenever the image's bytes change; it is the tag, so a stale cache is never used. */
    static final String VERSION = "v1";
    static final long MTIME = 1_767_225_600L; // 2026-01-01T00:00:00Z

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: MakeImage OUTPUT_FILE [REPO:TAG]   (default tag wharf-bench/images:" + VERSION + ")");
            System.exit(64);
        }
        Path out = Path.of(args[0]);
        String repoTag = args.length == 2 ? args[1] : "wharf-bench/images:" + VERSION;
        Path part = out.resolveSibling(out.getFileName() + ".part");
        List<String> diffIds = new ArrayList<>();
        List<String> history = new ArrayList<>();
        try (OutputStream file = Files.newOutputStream(part)) {
            Tar archive = new Tar(file);
            String[] comments = { "base", "large files", "application", "changes with whiteouts", "top" };
            for (int n = 1; n <= 5; n++) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 << 20);
                Tar layer = new Tar(bytes);
                switch (n) {
                    case 1 -> layer1(layer);
                    case 2 -> layer2(layer);
                    case 3 -> layer3(layer);
                    case 4 -> layer4(layer);
                    default -> layer5(layer);
                }
                layer.finish();
                byte[] tar = bytes.toByteArray();
                String diffId = sha256(tar);
                diffIds.add("sha256:" + diffId);
                history.add("{\"created\":\"2026-01-01T00:00:0" + n + "Z\",\"created_by\":\"bench/MakeImage.java: layer " + n
                        + ", " + comments[n - 1] + "\"}");
                archive.dir(diffId + "/");
                archive.file(diffId + "/layer.tar", tar, 0644);
            }
            String config = "{\"architecture\":\"amd64\",\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],"
                    + "\"Cmd\":[\"/bin/sh\"],\"Labels\":{\"io.wharf.bench\":\"images-" + VERSION + "\"}},"
                    + "\"created\":\"2026-01-01T00:00:05Z\",\"history\":[" + String.join(",", history) + "],"
                    + "\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + String.join("\",\"", diffIds)
                    + "\"]}}";
            byte[] configBytes = config.getBytes(StandardCharsets.UTF_8);
            String id = sha256(configBytes);
            archive.file(id + ".json", configBytes, 0644);
            StringBuilder layers = new StringBuilder();
            for (String d : diffIds) {
                layers.append(layers.isEmpty() ? "" : ",").append('"').append(d.substring(7)).append("/layer.tar\"");
            }
            String manifest = "[{\"Config\":\"" + id + ".json\",\"RepoTags\":[\"" + repoTag + "\"],\"Layers\":[" + layers + "]}]";
            archive.file("manifest.json", manifest.getBytes(StandardCharsets.UTF_8), 0644);
            archive.finish();
            System.out.println("sha256:" + id + " " + archive.written);
        }
        Files.move(part, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static final int MiB = 1 << 20;

    static void layer1(Tar t) throws IOException {
        Random r = new Random(1);
        for (String d : List.of("bin/", "etc/", "usr/", "usr/bin/", "usr/lib/", "usr/lib/bench/", "usr/share/", "var/",
                "var/cache/", "var/cache/bench/", "tmp/")) {
            t.dir(d, d.equals("tmp/") ? 01777 : 0755);
        }
        t.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0644);
        t.file("etc/os-release", "NAME=\"wharf bench\"\nVERSION_ID=1\n".getBytes(StandardCharsets.UTF_8), 0644);
        t.file("bin/tool", r.bytes(1 * MiB), 0755);
        for (int d = 0; d < 48; d++) {
            t.dir(String.format("usr/lib/bench/d%02d/", d), 0755);
            for (int f = 0; f < 50; f++) {
                t.file(String.format("usr/lib/bench/d%02d/f%03d.so", d, f), r.bytes(r.between(256, 10_240)),
                        f % 7 == 0 ? 0755 : 0644);
            }
        }
        for (int s = 0; s < 50; s++) {
            t.symlink(String.format("usr/bin/cmd%02d", s), "../../bin/tool");
        }
        t.hardlink("usr/bin/tool-hardlink", "bin/tool");
        for (int f = 0; f < 200; f++) {
            t.file(String.format("var/cache/bench/c%03d", f), r.bytes(r.between(1_024, 8_192)), 0644);
        }
    }

    static void layer2(Tar t) throws IOException {
        Random r = new Random(2);
        t.dir("opt/", 0755);
        t.dir("opt/big/", 0755);
        t.file("opt/big/blob24", r.bytes(24 * MiB), 0644);
        t.file("opt/big/blob16", r.bytes(16 * MiB), 0644);
        t.file("opt/big/blob8", r.bytes(8 * MiB), 0644);
    }

    static void layer3(Tar t) throws IOException {
        Random r = new Random(3);
        t.dir("app/", 0755);
        for (int d = 0; d < 32; d++) {
            t.dir(String.format("app/m%02d/", d), 0755);
            for (int f = 0; f < 50; f++) {
                t.file(String.format("app/m%02d/c%03d.class", d, f), r.bytes(r.between(512, 16_384)), 0644);
            }
        }
        t.file("app/app.jar", r.bytes(6 * MiB), 0644);
    }

    static void layer4(Tar t) throws IOException {
        Random r = new Random(4);
        t.dir("opt/", 0755);
        t.dir("opt/big/", 0755);
        t.file("opt/big/.wh.blob16", new byte[0], 0644);
        t.file("opt/big/blob8-next", r.bytes(8 * MiB), 0644);
        t.dir("usr/", 0755);
        t.dir("usr/lib/", 0755);
        t.dir("usr/lib/bench/", 0755);
        for (int d = 0; d < 48; d += 8) {
            t.dir(String.format("usr/lib/bench/d%02d/", d), 0755);
            for (int f = 0; f < 50; f++) {
                t.file(String.format("usr/lib/bench/d%02d/f%03d.so", d, f), r.bytes(r.between(256, 10_240)), 0644);
            }
        }
        t.dir("var/", 0755);
        t.dir("var/cache/", 0755);
        t.dir("var/cache/bench/", 0755);
        t.file("var/cache/bench/.wh..wh..opq", new byte[0], 0644);
        for (int f = 0; f < 50; f++) {
            t.file(String.format("var/cache/bench/n%03d", f), r.bytes(r.between(1_024, 8_192)), 0644);
        }
    }

    static void layer5(Tar t) throws IOException {
        Random r = new Random(5);
        t.dir("app/", 0755);
        for (int d = 0; d < 20; d++) {
            t.dir(String.format("app/m%02d/", d), 0755);
            t.file(String.format("app/m%02d/.wh.c%03d.class", d, d), new byte[0], 0644);
        }
        t.dir("srv/", 0755);
        t.file("srv/data.bin", r.bytes(10 * MiB), 0644);
        t.dir("srv/www/", 0755);
        for (int f = 0; f < 300; f++) {
            t.file(String.format("srv/www/p%03d.html", f), r.bytes(r.between(256, 8_192)), 0644);
        }
    }

    /** SplitMix64: fixed output for a seed, whatever the JDK. */
    static final class Random {
        private long state;

        Random(long seed) {
            state = seed * 0x9E3779B97F4A7C15L;
        }

        long next() {
            long z = (state += 0x9E3779B97F4A7C15L);
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }

        int between(int lo, int hi) {
            return lo + (int) Long.remainderUnsigned(next(), hi - lo + 1);
        }

        byte[] bytes(int n) {
            byte[] b = new byte[n];
            int i = 0;
            for (; i + 8 <= n; i += 8) {
                long v = next();
                for (int k = 0; k < 8; k++) {
                    b[i + k] = (byte) (v >>> (8 * k));
                }
            }
            long v = next();
            for (int k = 0; i < n; i++, k++) {
                b[i] = (byte) (v >>> (8 * k));
            }
            return b;
        }
    }

    /** A ustar writer: names under 100 bytes only, which is all this image has. */
    static final class Tar {
        private final OutputStream out;
        long written;

        Tar(OutputStream out) {
            this.out = out;
        }

        void dir(String name) throws IOException {
            dir(name, 0755);
        }

        void dir(String name, int mode) throws IOException {
            header(name, mode, 0, '5', "");
        }

        void file(String name, byte[] content, int mode) throws IOException {
            header(name, mode, content.length, '0', "");
            write(content, content.length);
            int pad = (512 - content.length % 512) % 512;
            write(new byte[pad], pad);
        }

        void symlink(String name, String target) throws IOException {
            header(name, 0777, 0, '2', target);
        }

        void hardlink(String name, String target) throws IOException {
            header(name, 0644, 0, '1', target);
        }

        void finish() throws IOException {
            write(new byte[1024], 1024);
            out.flush();
        }

        private void write(byte[] b, int n) throws IOException {
            out.write(b, 0, n);
            written += n;
        }

        private void header(String name, int mode, long size, char type, String link) throws IOException {
            byte[] h = new byte[512];
            put(h, 0, 100, name);
            octal(h, 100, 8, mode);
            octal(h, 108, 8, 0);
            octal(h, 116, 8, 0);
            octal(h, 124, 12, size);
            octal(h, 136, 12, MTIME);
            h[156] = (byte) type;
            put(h, 157, 100, link);
            put(h, 257, 6, "ustar");
            put(h, 263, 2, "00");
            put(h, 265, 32, "root");
            put(h, 297, 32, "root");
            octal(h, 329, 8, 0);
            octal(h, 337, 8, 0);
            for (int i = 148; i < 156; i++) {
                h[i] = ' ';
            }
            long sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            String s = String.format("%06o", sum);
            put(h, 148, 6, s);
            h[154] = 0;
            h[155] = ' ';
            write(h, 512);
        }

        private static void put(byte[] h, int off, int len, String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            if (b.length > len) {
                throw new IllegalArgumentException("too long for a ustar header: " + s);
            }
            System.arraycopy(b, 0, h, off, b.length);
        }

        private static void octal(byte[] h, int off, int len, long v) {
            String s = Long.toOctalString(v);
            s = "0".repeat(len - 1 - s.length()) + s; // NUL-terminated, zero-padded
            put(h, off, len - 1, s);
        }
    }

    static String sha256(byte[] b) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
