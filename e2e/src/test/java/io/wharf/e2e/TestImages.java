package io.wharf.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Image material the tests make themselves: a busybox-static rootfs and a docker-archive with whiteouts. */
final class TestImages {

    static final Path BUSYBOX = Path.of("/bin/busybox");

    private TestImages() {
    }

    /** A rootfs tar with busybox-static and a few of its applets as symlinks, as `docker import` takes it. */
    static Path busyboxRootfs(Path dir) throws IOException {
        Path tar = dir.resolve("busybox-rootfs.tar");
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(tar))) {
            dir(out, "bin/");
            dir(out, "etc/");
            dir(out, "tmp/", 01777);
            file(out, "bin/busybox", Files.readAllBytes(BUSYBOX), 0755);
            for (String applet : List.of("sh", "ls", "cat", "echo", "true")) {
                symlink(out, "bin/" + applet, "busybox");
            }
            file(out, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0644);
        }
        return tar;
    }

    /**
     * A rootfs tar with busybox-static and every applet it lists as a symlink, users root and app
     * (1000:1000, also in group extra 2000), as `docker import` takes it: the tests' busybox image.
     */
    static Path fullBusyboxRootfs(Path dir) throws Exception {
        return fullBusyboxRootfs(dir, false);
    }

    /**
     * The full busybox rootfs with the host's glibc getent (and the libc it needs) and an
     * nsswitch.conf, so that `getent hosts` resolves as in a distribution image.
     */
    static Path networkToolsRootfs(Path dir) throws Exception {
        return fullBusyboxRootfs(dir, true);
    }

    private static Path fullBusyboxRootfs(Path dir, boolean getent) throws Exception {
        Path tar = dir.resolve(getent ? "busybox-getent.tar" : "busybox-full.tar");
        String applets = Cli.run(Map.of(), List.of(BUSYBOX.toString(), "--list")).ok().out();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(tar))) {
            for (String d : List.of("bin/", "etc/", "root/", "home/", "home/app/", "var/", "usr/", "usr/bin/")) {
                dir(out, d);
            }
            dir(out, "tmp/", 01777);
            file(out, "bin/busybox", Files.readAllBytes(BUSYBOX), 0755);
            for (String applet : applets.split("\n")) {
                if (!applet.isBlank() && !applet.equals("busybox")) {
                    symlink(out, "bin/" + applet.trim(), "busybox");
                }
            }
            file(out, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n"
                    .getBytes(StandardCharsets.UTF_8), 0644);
            file(out, "etc/group", "root:x:0:\napp:x:1000:\nextra:x:2000:app\n".getBytes(StandardCharsets.UTF_8), 0644);
            if (getent) {
                for (String d : List.of("lib/", "lib/x86_64-linux-gnu/", "lib64/")) {
                    dir(out, d);
                }
                for (String f : List.of("usr/bin/getent", "lib/x86_64-linux-gnu/libc.so.6", "lib64/ld-linux-x86-64.so.2")) {
                    file(out, f, Files.readAllBytes(Path.of("/").resolve(f).toRealPath()), 0755);
                }
                file(out, "etc/nsswitch.conf", "hosts: files dns\n".getBytes(StandardCharsets.UTF_8), 0644);
            }
        }
        return tar;
    }

    record Archive(Path file, String imageId, List<String> diffIds) {
    }

    /**
     * A two-layer image as `docker save` writes one: layer 1 has a, d/x, d/y; layer 2 deletes a
     * (.wh.a), makes d opaque and adds d/z and b.
     */
    static Archive layeredArchive(Path dir, String repoTag) throws Exception {
        byte[] layer1 = tar(out -> {
            file(out, "a", "alpha\n".getBytes(StandardCharsets.UTF_8), 0644);
            dir(out, "d/");
            file(out, "d/x", "x\n".getBytes(StandardCharsets.UTF_8), 0600);
            file(out, "d/y", "y\n".getBytes(StandardCharsets.UTF_8), 04755);
            file(out, "big", new byte[300_000], 0644);
        });
        byte[] layer2 = tar(out -> {
            file(out, ".wh.a", new byte[0], 0644);
            dir(out, "d/");
            file(out, "d/.wh..wh..opq", new byte[0], 0644);
            file(out, "d/z", "z\n".getBytes(StandardCharsets.UTF_8), 0644);
            file(out, "b", "beta\n".getBytes(StandardCharsets.UTF_8), 0644);
        });
        String d1 = sha256(layer1);
        String d2 = sha256(layer2);
        String config = "{\"architecture\":\"amd64\",\"config\":{\"Cmd\":[\"/bin/sh\"],\"Labels\":{\"made-by\":\"e2e\"}},"
                + "\"created\":\"2026-01-02T03:04:05Z\",\"history\":[{\"created\":\"2026-01-02T03:04:05Z\",\"created_by\":\"layer one\"},"
                + "{\"created\":\"2026-01-02T03:04:06Z\",\"created_by\":\"noop\",\"empty_layer\":true},"
                + "{\"created\":\"2026-01-02T03:04:07Z\",\"created_by\":\"layer two\"}],\"os\":\"linux\","
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" + d1 + "\",\"sha256:" + d2 + "\"]}}";
        byte[] configBytes = config.getBytes(StandardCharsets.UTF_8);
        String id = sha256(configBytes);
        String manifest = "[{\"Config\":\"" + id + ".json\",\"RepoTags\":[\"" + repoTag + "\"],\"Layers\":[\"" + d1
                + "/layer.tar\",\"" + d2 + "/layer.tar\"]}]";
        Path file = dir.resolve("layered.tar");
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(file))) {
            dir(out, d1 + "/");
            file(out, d1 + "/layer.tar", layer1, 0644);
            dir(out, d2 + "/");
            file(out, d2 + "/layer.tar", layer2, 0644);
            file(out, id + ".json", configBytes, 0644);
            file(out, "manifest.json", manifest.getBytes(StandardCharsets.UTF_8), 0644);
        }
        return new Archive(file, "sha256:" + id, List.of("sha256:" + d1, "sha256:" + d2));
    }

    /** A docker-archive of {@code layers} layers, each one file of {@code bytesPerLayer} seeded random bytes. */
    static Archive bigArchive(Path dir, String repoTag, int layers, int bytesPerLayer) throws Exception {
        java.util.Random random = new java.util.Random(42);
        List<byte[]> tars = new java.util.ArrayList<>();
        for (int i = 0; i < layers; i++) {
            byte[] content = new byte[bytesPerLayer];
            random.nextBytes(content);
            String name = "data/layer-" + i + ".bin";
            tars.add(tar(out -> {
                dir(out, "data/");
                file(out, name, content, 0644);
            }));
        }
        StringBuilder diffIds = new StringBuilder();
        StringBuilder layerPaths = new StringBuilder();
        for (byte[] t : tars) {
            String d = sha256(t);
            diffIds.append(diffIds.isEmpty() ? "" : ",").append("\"sha256:").append(d).append('"');
            layerPaths.append(layerPaths.isEmpty() ? "" : ",").append('"').append(d).append("/layer.tar\"");
        }
        byte[] config = ("{\"architecture\":\"amd64\",\"config\":{},\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[" + diffIds + "]}}").getBytes(StandardCharsets.UTF_8);
        String id = sha256(config);
        Path file = dir.resolve("big.tar");
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(file))) {
            for (byte[] t : tars) {
                file(out, sha256(t) + "/layer.tar", t, 0644);
            }
            file(out, id + ".json", config, 0644);
            file(out, "manifest.json", ("[{\"Config\":\"" + id + ".json\",\"RepoTags\":[\"" + repoTag + "\"],\"Layers\":["
                    + layerPaths + "]}]").getBytes(StandardCharsets.UTF_8), 0644);
        }
        return new Archive(file, "sha256:" + id, List.of());
    }

    /**
     * An OCI image layout (oci-layout, index.json, blobs/sha256/...) with one two-file layer,
     * named {@code name} by the index's io.containerd.image.name annotation, as `docker save`
     * of Docker 25+ and containerd's exporter write it.
     */
    static Archive ociLayout(Path dir, String name) throws Exception {
        byte[] layer = tar(out -> {
            file(out, "hello.txt", "hello from OCI\n".getBytes(StandardCharsets.UTF_8), 0644);
            dir(out, "etc/");
            file(out, "etc/os-release", "ID=wharf-test\n".getBytes(StandardCharsets.UTF_8), 0644);
        });
        String diffId = sha256(layer);
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/hello\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" + diffId + "\"]}}").getBytes(StandardCharsets.UTF_8);
        String configDigest = sha256(config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:"
                + configDigest + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:" + diffId + "\",\"size\":"
                + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
        String manifestDigest = sha256(manifest);
        byte[] index = ("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"digest\":\"sha256:" + manifestDigest + "\",\"size\":" + manifest.length + ",\"annotations\":{"
                + "\"io.containerd.image.name\":\"" + name + "\",\"org.opencontainers.image.ref.name\":\"1\"}}]}")
                .getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("oci-layout.tar");
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(file))) {
            file(out, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8), 0644);
            dir(out, "blobs/");
            dir(out, "blobs/sha256/");
            file(out, "blobs/sha256/" + diffId, layer, 0644);
            file(out, "blobs/sha256/" + configDigest, config, 0644);
            file(out, "blobs/sha256/" + manifestDigest, manifest, 0644);
            file(out, "index.json", index, 0644);
        }
        return new Archive(file, "sha256:" + configDigest, List.of("sha256:" + diffId));
    }

    /** A docker-archive whose one layer has the given (hostile) entry. */
    static Path archiveWithLayer(Path dir, TarBody layer) throws Exception {
        byte[] bytes = tar(layer);
        String d = sha256(bytes);
        String config = "{\"architecture\":\"amd64\",\"config\":{},\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:"
                + d + "\"]}}";
        String id = sha256(config.getBytes(StandardCharsets.UTF_8));
        Path file = dir.resolve("hostile-" + d.substring(0, 8) + ".tar");
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(file))) {
            file(out, d + "/layer.tar", bytes, 0644);
            file(out, id + ".json", config.getBytes(StandardCharsets.UTF_8), 0644);
            file(out, "manifest.json", ("[{\"Config\":\"" + id + ".json\",\"RepoTags\":[\"hostile:1\"],\"Layers\":[\"" + d
                    + "/layer.tar\"]}]").getBytes(StandardCharsets.UTF_8), 0644);
        }
        return file;
    }

    interface TarBody {
        void write(TarArchiveOutputStream out) throws IOException;
    }

    static byte[] tar(TarBody body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            body.write(out);
        }
        return bytes.toByteArray();
    }

    static void dir(TarArchiveOutputStream out, String name) throws IOException {
        dir(out, name, 0755);
    }

    static void dir(TarArchiveOutputStream out, String name, int mode) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(mode);
        out.putArchiveEntry(e);
        out.closeArchiveEntry();
    }

    static void file(TarArchiveOutputStream out, String name, byte[] content, int mode) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        e.setMode(mode);
        out.putArchiveEntry(e);
        out.write(content);
        out.closeArchiveEntry();
    }

    static void symlink(TarArchiveOutputStream out, String name, String target) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
        e.setLinkName(target);
        e.setMode(0777);
        out.putArchiveEntry(e);
        out.closeArchiveEntry();
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

}
