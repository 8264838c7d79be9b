package io.wharf.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A filesystem made for a test in a sparse image file and mounted through a loop device; closing
 * it unmounts it, which frees the loop device (mount -o loop sets it to clear itself).
 */
final class LoopFilesystem implements AutoCloseable {

    private final Path mountPoint;

    private LoopFilesystem(Path mountPoint) {
        this.mountPoint = mountPoint;
    }

    static LoopFilesystem create(Path image, Path mountPoint, String type, int megabytes) throws Exception {
        format(image, type, megabytes);
        Files.createDirectories(mountPoint);
        run("mount", "-o", "loop", image.toString(), mountPoint.toString());
        return new LoopFilesystem(mountPoint);
    }

    /** Makes {@code image} a sparse file of that size holding a new, empty filesystem of that type. */
    static void format(Path image, String type, int megabytes) throws Exception {
        try (var f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(megabytes * 1024L * 1024L);
        }
        run("mkfs." + type, "-q", image.toString());
    }

    Path mountPoint() {
        return mountPoint;
    }

    @Override
    public void close() throws Exception {
        run("umount", mountPoint.toString());
    }

    /** Runs {@code cmd} and answers its output; a non-zero exit is an IOException with that output. */
    static String run(String... cmd) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(cmd));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
