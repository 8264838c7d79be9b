package io.wharf.volume.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.linux.Mounts;

class LocalVolumeDriverTest {

    @TempDir
    Path root;

    /** Mount points a test may have left; unmounted whatever happens. */
    private final List<Path> mounts = new ArrayList<>();

    @AfterEach
    void unmountLeftovers() throws IOException {
        for (Path p : mounts) {
            while (Mounts.isMountPoint(p)) {
                Mounts.unmount(p, Mounts.MNT_DETACH);
            }
        }
    }

    @Test
    void aVolumeWithoutOptionsIsADirectoryInDockerdsLayout() throws Exception {
        LocalVolumeDriver driver = new LocalVolumeDriver(root);
        var v = driver.create("data", Map.of());
        assertEquals(root.resolve("data/_data").toString(), v.mountpoint());
        assertTrue(Files.isDirectory(root.resolve("data/_data")));
        assertTrue(v.createdAt() != null);
        assertEquals(v.mountpoint(), driver.mount("data", "c1"));
        driver.unmount("data", "c1");
        Files.writeString(root.resolve("data/_data/file"), "kept");

        LocalVolumeDriver again = new LocalVolumeDriver(root);
        assertEquals(List.of("data"), again.list().stream().map(x -> x.name()).toList());
        again.remove("data");
        assertTrue(Files.notExists(root.resolve("data")));
        assertTrue(again.get("data").isEmpty());
    }

    @Test
    void optionsAreCheckedAtCreateWithDockerdsMessages() throws Exception {
        LocalVolumeDriver driver = new LocalVolumeDriver(root);
        assertEquals("invalid option: \"foo\"", refused(driver, Map.of("foo", "bar")));
        assertEquals("missing required option: \"type\"", refused(driver, Map.of("device", "tmpfs")));
        assertEquals("missing required option: \"device\"", refused(driver, Map.of("type", "tmpfs")));
        assertEquals("missing required option: \"device\"", refused(driver, Map.of("o", "size=1m")));
        assertEquals("quota size requested but no quota support", refused(driver, Map.of("size", "1g")));
        assertEquals("invalid size: 'lots'", refused(driver, Map.of("size", "lots")));
        assertTrue(refused(driver, Map.of("type", "tmpfs", "device", "tmpfs", "o", "size=big")).contains("size must be"));
        assertTrue(refused(driver, Map.of("type", "tmpfs", "device", "tmpfs", "o", "mode=999")).contains("mode must be octal"));
        assertTrue(refused(driver, Map.of("type", "none", "device", root.toString())).contains("needs o=bind"));
        assertTrue(refused(driver, Map.of("type", "none", "device", "/no/such/dir", "o", "bind"))
                .contains("no such file or directory"));
        assertEquals("volume name is too short, names should be at least two alphanumeric characters",
                assertThrows(InvalidParameterException.class, () -> driver.create("a", Map.of())).getMessage());
        assertTrue(assertThrows(InvalidParameterException.class, () -> driver.create("_x", Map.of())).getMessage()
                .startsWith("\"_x\" includes invalid characters for a local volume name"));
        assertTrue(driver.list().isEmpty(), "nothing made by refused creates");
        assertEquals(List.of(), Files.list(root).toList());
    }

    private static String refused(LocalVolumeDriver driver, Map<String, String> opts) {
        return assertThrows(InvalidParameterException.class, () -> driver.create("vol", opts)).getMessage();
    }

    @Test
    void aTmpfsVolumeIsMountedOnFirstUseWithItsSizeLimitAndUnmountedAfterTheLast() throws Exception {
        LocalVolumeDriver driver = new LocalVolumeDriver(root);
        driver.create("small", Map.of("type", "tmpfs", "device", "tmpfs", "o", "size=1m,mode=0750,noexec"));
        Path data = root.resolve("small/_data");
        mounts.add(data);
        assertFalse(Mounts.isMountPoint(data), "not mounted before its first use");
        assertTrue(Files.readString(root.resolve("small/opts.json")).contains("\"MountType\":\"tmpfs\""));

        assertEquals(data.toString(), driver.mount("small", "c1"));
        assertEquals(data.toString(), driver.mount("small", "c2"));
        assertTrue(Mounts.isMountPoint(data));
        assertTrue(mountLine(data).contains(" tmpfs ") && mountLine(data).contains("noexec"), mountLine(data));
        assertEquals("rwxr-x---", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));

        // 512 KiB fit, 2 MiB do not: the size limit is the kernel's
        Files.write(data.resolve("half"), new byte[512 * 1024]);
        IOException full = assertThrows(IOException.class, () -> {
            try (OutputStream out = Files.newOutputStream(data.resolve("big"))) {
                out.write(new byte[2 * 1024 * 1024]);
            }
        });
        assertTrue(String.valueOf(full.getMessage()).contains("No space left on device"), full.toString());

        assertThrows(ConflictException.class, () -> driver.remove("small"), "in use by c1 and c2");
        driver.unmount("small", "c1");
        assertTrue(Mounts.isMountPoint(data), "c2 still uses it");
        driver.unmount("small", "c2");
        assertFalse(Mounts.isMountPoint(data), "unmounted after the last user");
        assertTrue(Files.notExists(data.resolve("half")), "tmpfs content gone with the mount");

        driver.remove("small");
        assertTrue(Files.notExists(root.resolve("small")));
    }

    @Test
    void aMountLeftByAnEarlierRunIsFoundAndUndoneAtRemove() throws Exception {
        LocalVolumeDriver first = new LocalVolumeDriver(root);
        first.create("kept", Map.of("type", "tmpfs", "device", "tmpfs", "o", "size=1m"));
        Path data = root.resolve("kept/_data");
        mounts.add(data);
        first.mount("kept", "c1");
        Files.writeString(data.resolve("f"), "x");

        LocalVolumeDriver second = new LocalVolumeDriver(root); // a restart: the mount is still there
        assertTrue(Mounts.isMountPoint(data));
        assertEquals(data.toString(), second.mount("kept", "c1"));
        assertEquals("x", Files.readString(data.resolve("f")), "the same mount, not another on top");
        second.unmount("kept", "c1");
        assertFalse(Mounts.isMountPoint(data));
        second.remove("kept");
    }

    @Test
    void aBindVolumeMountsItsDeviceAndRemoveNeverDeletesTheHostDirectory() throws Exception {
        Path host = Files.createDirectory(root.resolve(".host"));
        Files.writeString(host.resolve("precious"), "keep me");
        LocalVolumeDriver driver = new LocalVolumeDriver(root);
        driver.create("bound", Map.of("type", "none", "device", host.toString(), "o", "bind"));
        Path data = root.resolve("bound/_data");
        mounts.add(data);
        driver.mount("bound", "c1");
        assertEquals("keep me", Files.readString(data.resolve("precious")));
        driver.unmount("bound", "c1");
        driver.mount("bound", "c2"); // left mounted: remove must unmount before deleting
        driver.unmount("bound", "c2");
        driver.remove("bound");
        assertEquals("keep me", Files.readString(host.resolve("precious")));
    }

    @Test
    void leftoversOfACreateOrRemoveCutShortAreCleanedAtStart() throws Exception {
        Files.createDirectories(root.resolve(".half.creating/_data"));
        Files.createDirectories(root.resolve(".old.removing/_data"));
        Files.createDirectories(root.resolve("_metadata"));
        LocalVolumeDriver driver = new LocalVolumeDriver(root);
        assertTrue(driver.list().isEmpty());
        assertTrue(Files.notExists(root.resolve(".half.creating")));
        assertTrue(Files.notExists(root.resolve(".old.removing")));
        assertTrue(Files.exists(root.resolve("_metadata")), "the core's metadata is not a volume and is left alone");
    }

    private static String mountLine(Path dir) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            if (line.split(" ")[4].equals(dir.toString())) {
                return line;
            }
        }
        return "";
    }
}
