package io.wharf.graphdriver.devicemapper;

import static io.wharf.graphdriver.devicemapper.DeviceSetWithFakeDmsetupTest.assertInOrder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver's mounts and reference counts against {@link FakeDmsetupHost}: nothing is really
 * mounted (the fake records mount and umount), so the layer directories here are plain directories.
 */
class DeviceMapperDriverWithFakeDmsetupTest {

    private static final String BASE = "1a";
    private static final String CHILD = "2b";

    @TempDir
    Path tempDir;

    private final FakeDmsetupHost fake = new FakeDmsetupHost();
    private Path home;
    private DeviceMapperDriver driver;
    private String prefix;

    @BeforeEach
    void startDriver() throws Exception {
        home = Files.createDirectory(tempDir.resolve("devicemapper"));
        DeviceSet devices = DeviceSet.open(home, DmOptions.parse(Map.of("dm.loopdatasize", "1G",
                "dm.loopmetadatasize", "16M", "dm.basesize", "64M")), fake);
        prefix = devices.prefix();
        driver = new DeviceMapperDriver(home, devices, fake);
        driver.create(BASE, null);
        driver.create(CHILD, BASE);
    }

    @Test
    void theFirstGetMountsTheLastPutUnmountsAndDeactivates() throws Exception {
        fake.clearCommands();
        Path rootfs = driver.get(CHILD);
        assertEquals(home.resolve("mnt/" + CHILD + "/rootfs"), rootfs);
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(rootfs)));
        assertEquals(rootfs, driver.get(CHILD));
        String name = prefix + "-" + CHILD;
        assertEquals(1, fake.commands().stream().filter(c -> c.startsWith("mount ")).count(), fake.commands().toString());
        assertInOrder(fake.commands(),
                "dmsetup create " + name + " --table 0 131072 thin /dev/mapper/" + prefix + "-pool 3",
                "mount -t ext4 /dev/mapper/" + name + " " + home.resolve("mnt/" + CHILD));

        driver.put(CHILD);
        assertEquals(Set.of(home.resolve("mnt/" + CHILD)), fake.mountPoints(), "one get is still outstanding");
        driver.put(CHILD);
        assertEquals(Set.of(), fake.mountPoints());
        assertEquals(Set.of(prefix + "-pool"), fake.activeDevices(), "an unmounted layer is deactivated");
        assertInOrder(fake.commands(), "umount --lazy " + home.resolve("mnt/" + CHILD), "dmsetup remove --retry " + name);
        driver.put(CHILD); // one put too many is ignored
    }

    @Test
    void aMountAnEarlierRunLeftIsUsedNotStackedOver() throws Exception {
        Path mountPoint = Files.createDirectories(home.resolve("mnt/" + CHILD));
        fake.exec("dmsetup", "create", prefix + "-" + CHILD, "--table", Dmsetup.thinTable(64L << 20, prefix + "-pool", 3));
        fake.exec("mount", "-t", "ext4", "/dev/mapper/" + prefix + "-" + CHILD, mountPoint.toString());
        fake.clearCommands();

        driver.get(CHILD);
        assertFalse(fake.commands().stream().anyMatch(c -> c.startsWith("mount ")), fake.commands().toString());
        driver.put(CHILD);
        assertEquals(Set.of(), fake.mountPoints());
    }

    @Test
    void removeUnmountsAMountedLayerAndDeletesIt() throws Exception {
        driver.get(CHILD);
        driver.remove(CHILD);
        assertFalse(driver.exists(CHILD));
        assertEquals(Set.of(), fake.mountPoints());
        assertFalse(Files.exists(home.resolve("mnt/" + CHILD)));
        IOException e = assertThrows(IOException.class, () -> driver.get(CHILD));
        assertTrue(e.getMessage().contains("no layer " + CHILD), e.getMessage());
        driver.remove(CHILD); // removing what is gone is not an error
        assertTrue(driver.exists(BASE));
    }

    @Test
    void cleanupUnmountsEveryLayerAndRemovesThePool() throws Exception {
        driver.get(BASE);
        driver.get(CHILD);
        driver.get(CHILD);
        driver.cleanup();
        assertEquals(Set.of(), fake.mountPoints());
        assertEquals(Set.of(), fake.activeDevices());
        assertEquals(Map.of(), fake.loopDevices(), "the pool's loop devices went with it");
        driver.cleanup(); // a second cleanup finds nothing to do
    }

    @Test
    void aLayerStillBusyAtShutdownKeepsThePoolButTheOthersAreDeactivated() throws Exception {
        driver.get(BASE);
        driver.get(CHILD);
        // Something else mounted CHILD's device too, e.g. a container's leftover: it cannot go.
        Path elsewhere = Files.createDirectory(tempDir.resolve("elsewhere"));
        fake.exec("mount", "-t", "ext4", "/dev/mapper/" + prefix + "-" + CHILD, elsewhere.toString());

        IOException e = assertThrows(IOException.class, driver::cleanup);
        assertTrue(e.getMessage().contains("Device or resource busy"), e.getMessage());
        assertEquals(Set.of(prefix + "-pool", prefix + "-" + CHILD), fake.activeDevices(),
                "every device that could go went; the busy one and its pool stay");
        assertEquals(Set.of(elsewhere), fake.mountPoints(), "the driver's own mounts are gone");
    }

    @Test
    void metadataIsTheDevicesIdSizeAndName() throws Exception {
        assertEquals(Map.of("DeviceId", "3", "DeviceSize", "67108864", "DeviceName", prefix + "-" + CHILD),
                driver.metadata(CHILD));
        assertEquals("devicemapper", driver.name());
        assertEquals("Pool Name", driver.status().getFirst().getKey());
    }

    @Test
    void layerIdsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> driver.create("../escape", null));
        assertThrows(IllegalArgumentException.class, () -> driver.get("Not-Hex"));
        assertFalse(Files.exists(home.resolve("mnt/Not-Hex")));
    }
}
