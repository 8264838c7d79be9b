package io.wharf.graphdriver.btrfs;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.spi.linux.Commands;
import io.wharf.core.spi.graphdriver.GraphDriver;
import io.wharf.test.graphtest.GraphDriverConformance;

/**
 * The graph-driver conformance suite on btrfs. The host's temporary directory is not btrfs, so the
 * test makes one: a 300 MB sparse image, mkfs.btrfs, mount -o loop. Every test gets a fresh home on
 * it; after the class the filesystem is unmounted, and the loop device mount attached (which it
 * marks auto-clear) must be gone. Needs root and btrfs-progs; skipped, saying which, without them.
 */
class BtrfsConformanceTest extends GraphDriverConformance {

    @TempDir
    static Path scratch;

    private static Path image;
    private static Path mountPoint;
    private static boolean mounted;
    private static int homes;

    @BeforeAll
    static void mountBtrfs() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "making and mounting a btrfs filesystem needs root");
        assumeTrue(onPath("mkfs.btrfs"), "mkfs.btrfs (btrfs-progs) is not installed, so no btrfs filesystem can be made to test on");
        assumeTrue(Files.readString(Path.of("/proc/filesystems")).contains("\tbtrfs\n"), "the kernel has no btrfs");
        image = scratch.resolve("btrfs.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(300L << 20); // sparse, like truncate -s 300M
        }
        run("mkfs.btrfs", "-q", image.toString());
        mountPoint = Files.createDirectory(scratch.resolve("mnt"));
        run("mount", "-o", "loop", image.toString(), mountPoint.toString());
        mounted = true;
    }

    @AfterAll
    static void unmountBtrfs() throws Exception {
        if (!mounted) {
            return;
        }
        String attached = loopDeviceOf(image);
        try {
            run("umount", mountPoint.toString());
            mounted = false;
        } finally {
            if (mounted) {
                run("umount", "-l", mountPoint.toString());
            }
            // mount -o loop set auto-clear: the unmount must have released the loop device.
            String left = loopDeviceOf(image);
            if (!left.isEmpty()) {
                run("losetup", "-d", left);
                fail("unmounting " + mountPoint + " left loop device " + left + " (attached as " + attached + ") on " + image);
            }
        }
    }

    @Override
    protected Path newHome() {
        return mountPoint.resolve("graph-" + ++homes);
    }

    @Override
    protected GraphDriver createDriver(Path home) throws Exception {
        return new BtrfsDriverFactory().create(home, Map.of());
    }

    /** The loop device backed by {@code file}, or "" when none is. */
    private static String loopDeviceOf(Path file) throws IOException {
        return run("losetup", "--noheadings", "--output", "NAME", "--associated", file.toString()).trim();
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", command)) || Files.isExecutable(Path.of("/sbin", command));
    }

    private static String run(String... command) throws IOException {
        return Commands.run(command);
    }
}
