package io.wharf.graphdriver.devicemapper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device set against {@link FakeDmsetupHost}, a simulation of dmsetup and losetup: this host has
 * no device-mapper, so these tests check the command lines, their order, the metadata and the
 * crash recovery, not what a kernel does with them (DeviceMapperConformanceTest does that where
 * device-mapper exists).
 */
class DeviceSetWithFakeDmsetupTest {

    private static final String A = "aaaa";
    private static final String B = "bbbb";
    private static final String C = "cccc";

    @TempDir
    Path tempDir;

    private final FakeDmsetupHost fake = new FakeDmsetupHost();
    private Path home;
    private String prefix;
    private String pool;

    @BeforeEach
    void makeHome() throws IOException {
        home = Files.createDirectory(tempDir.resolve("devicemapper"));
        prefix = DeviceSet.devicePrefix(home);
        pool = prefix + "-pool";
    }

    @Test
    void loopLvmMakesSparseFilesPutsAPoolOnThemAndAnEmptyFilesystemOnTheBaseDevice() throws Exception {
        open();

        Path data = home.resolve("devicemapper/data");
        Path metadata = home.resolve("devicemapper/metadata");
        assertEquals(1L << 30, Files.size(data), "dm.loopdatasize");
        assertEquals(16L << 20, Files.size(metadata), "dm.loopmetadatasize");
        assertTrue(prefix.matches("wharf-\\d+:\\d+-\\d+"), prefix);
        String base = "/dev/mapper/" + prefix + "-base";
        assertInOrder(fake.commands(),
                "losetup --find --show " + data,
                "losetup --find --show " + metadata,
                "dmsetup create " + pool + " --table 0 2097152 thin-pool /dev/loop1 /dev/loop0 128 32768 1 skip_block_zeroing",
                "losetup --detach /dev/loop0",
                "losetup --detach /dev/loop1",
                "dmsetup message " + pool + " 0 create_thin 1",
                "dmsetup message " + pool + " 0 set_transaction_id 0 1",
                "dmsetup create " + prefix + "-base --table 0 131072 thin /dev/mapper/" + pool + " 1",
                "mkfs.ext4 -E nodiscard,lazy_itable_init=0,lazy_journal_init=0 " + base,
                "tune2fs -c -1 -i 0 " + base,
                "blkid -s UUID -o value " + base,
                "dmsetup remove --retry " + prefix + "-base");
        assertEquals(Set.of(pool), fake.activeDevices(), "only the pool stays active");
        assertEquals(Set.of(1), fake.thinIds(metadata));
        assertEquals(1, fake.transactionId(metadata));
        assertEquals("{\"device_id\":1,\"size\":67108864,\"transaction_id\":1,\"initialized\":true}",
                Files.readString(home.resolve("metadata/base")));
        assertTrue(Files.readString(home.resolve("metadata/deviceset-metadata")).contains("\"BaseDeviceFilesystem\":\"ext4\""));
    }

    @Test
    void mkfsArgAndXfsReachMkfs() throws Exception {
        DeviceSet set = open("dm.fs", "xfs", "dm.mkfsarg", "-K", "dm.mountopt", "nodiscard");
        assertInOrder(fake.commands(), "mkfs.xfs -K /dev/mapper/" + prefix + "-base");

        set.addDevice(A, "");
        Path mnt = Files.createDirectory(tempDir.resolve("mnt"));
        set.mount(A, mnt);
        assertInOrder(fake.commands(), "mount -t xfs -o nouuid,nodiscard /dev/mapper/" + prefix + "-" + A + " " + mnt);
    }

    @Test
    void eachLayerIsASnapshotOfItsParentTakenWithTheParentSuspendedIfActive() throws Exception {
        DeviceSet set = open();
        fake.clearCommands();
        set.addDevice(A, "");
        set.addDevice(B, A);
        assertInOrder(fake.commands(),
                "dmsetup message " + pool + " 0 create_snap 2 1",
                "dmsetup message " + pool + " 0 set_transaction_id 1 2",
                "dmsetup message " + pool + " 0 create_snap 3 2",
                "dmsetup message " + pool + " 0 set_transaction_id 2 3");
        assertFalse(fake.commands().stream().anyMatch(c -> c.startsWith("dmsetup suspend")), "nothing was active");

        Path mnt = Files.createDirectory(tempDir.resolve("mnt"));
        set.mount(A, mnt);
        fake.clearCommands();
        set.addDevice(C, A); // the fake refuses a snapshot of an active origin that is not suspended
        assertInOrder(fake.commands(),
                "dmsetup suspend " + prefix + "-" + A,
                "dmsetup message " + pool + " 0 create_snap 4 2",
                "dmsetup resume " + prefix + "-" + A);
        assertEquals(new Device(C, 4, 64L << 20, 4, false), set.lookup(C));
    }

    @Test
    void unknownParentsAndTakenIdsAreRefused() throws Exception {
        DeviceSet set = open();
        IOException e = assertThrows(IOException.class, () -> set.addDevice(B, A));
        assertTrue(e.getMessage().contains("Unknown device " + A), e.getMessage());
        set.addDevice(A, "");
        e = assertThrows(IOException.class, () -> set.addDevice(A, ""));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    }

    @Test
    void deviceIdsGoUpwardsAndAFreedOneIsNotReusedAtOnce() throws Exception {
        DeviceSet set = open();
        set.addDevice(A, "");
        set.addDevice(B, "");
        set.deleteDevice(A);
        set.addDevice(C, "");
        assertEquals(3, set.lookup(B).deviceId());
        assertEquals(4, set.lookup(C).deviceId());
    }

    @Test
    void anIdThePoolHasThoughNoMetadataNamesIsSkipped() throws Exception {
        DeviceSet set = open();
        fake.exec("dmsetup", "message", pool, "0", "create_thin 2"); // e.g. left by a lost metadata file
        set.addDevice(A, "");
        assertEquals(3, set.lookup(A).deviceId());
        assertInOrder(fake.commands(), "dmsetup message " + pool + " 0 create_snap 2 1",
                "dmsetup message " + pool + " 0 create_snap 3 1");
    }

    @Test
    void deleteDiscardsDeactivatesAndDeletesTheThinDeviceInATransaction() throws Exception {
        DeviceSet set = open();
        set.addDevice(A, "");
        fake.clearCommands();
        set.deleteDevice(A);

        String name = prefix + "-" + A;
        assertInOrder(fake.commands(),
                "dmsetup create " + name + " --table 0 131072 thin /dev/mapper/" + pool + " 2",
                "blkdiscard /dev/mapper/" + name,
                "dmsetup remove --retry " + name,
                "dmsetup message " + pool + " 0 delete 2",
                "dmsetup message " + pool + " 0 set_transaction_id 2 3");
        assertFalse(set.has(A));
        assertFalse(Files.exists(home.resolve("metadata/" + A)));
        assertEquals(Set.of(1), fake.thinIds(home.resolve("devicemapper/metadata")));
    }

    @Test
    void aGivenPoolIsNotDiscardedOnUnlessAsked() throws Exception {
        fake.givenPool("my-pool", tempDir.resolve("my-pool-metadata"));
        DeviceSet set = open("dm.thinpooldev", "/dev/mapper/my-pool");
        set.addDevice(A, "");
        set.deleteDevice(A);
        assertFalse(fake.commands().stream().anyMatch(c -> c.startsWith("blkdiscard")), fake.commands().toString());
    }

    @Test
    void aFailedCommitUndoesTheNewDeviceAtOnce() throws Exception {
        DeviceSet set = open();
        fake.failOnce(c -> c.getLast().startsWith("set_transaction_id"));
        assertThrows(IOException.class, () -> set.addDevice(A, ""));

        assertFalse(set.has(A));
        assertFalse(Files.exists(home.resolve("metadata/" + A)));
        assertEquals(Set.of(1), fake.thinIds(home.resolve("devicemapper/metadata")));
        set.addDevice(A, "");
        assertEquals(Set.of(1, set.lookup(A).deviceId()), fake.thinIds(home.resolve("devicemapper/metadata")));
    }

    @Test
    void aCrashBeforeTheCommitIsRolledBackAtTheNextStart() throws Exception {
        for (String crashBefore : List.of("create_snap", "set_transaction_id")) {
            DeviceSet set = open();
            set.addDevice(A, "");
            fake.crashOnce(c -> c.getLast().startsWith(crashBefore));
            assertThrows(FakeDmsetupHost.Crash.class, () -> set.addDevice(B, A), crashBefore);

            DeviceSet again = open(); // the killed daemon's pool is still active
            assertFalse(again.has(B), "crash before " + crashBefore + ": the half-made layer is gone");
            assertFalse(Files.exists(home.resolve("metadata/" + B)));
            assertFalse(Files.exists(home.resolve("metadata/transaction-metadata")));
            Path metadata = home.resolve("devicemapper/metadata");
            assertEquals(Set.of(1, again.lookup(A).deviceId()), fake.thinIds(metadata),
                    "crash before " + crashBefore + ": the pool's devices");
            again.addDevice(B, A);
            again.deleteDevice(B);
            again.deleteDevice(A);
            again.shutdown();
        }
    }

    @Test
    void aCrashInTheMiddleOfADeleteFinishesItAtTheNextStart() throws Exception {
        DeviceSet set = open();
        set.addDevice(A, "");
        fake.crashOnce(c -> c.getLast().startsWith("set_transaction_id"));
        assertThrows(FakeDmsetupHost.Crash.class, () -> set.deleteDevice(A));

        DeviceSet again = open();
        assertFalse(again.has(A));
        assertEquals(Set.of(1), fake.thinIds(home.resolve("devicemapper/metadata")));
    }

    @Test
    void devicesAndIdsSurviveARestart() throws Exception {
        DeviceSet set = open();
        set.addDevice(A, "");
        set.addDevice(B, A);
        set.shutdown();
        assertEquals(Set.of(), fake.activeDevices(), "shutdown removes the pool");
        assertEquals(Map.of(), fake.loopDevices(), "the loop devices went with the pool");

        fake.clearCommands();
        DeviceSet again = open();
        assertFalse(fake.commands().stream().anyMatch(c -> c.startsWith("mkfs")), "the base device is kept");
        assertInOrder(fake.commands(), "dmsetup create " + pool + " --table 0 2097152 thin-pool /dev/loop3 /dev/loop2 128");
        assertEquals(new Device(B, 3, 64L << 20, 3, false), again.lookup(B));
        again.addDevice(C, B);
        assertEquals(4, again.lookup(C).deviceId());
    }

    @Test
    void anotherPoolsBaseDeviceIsRefused() throws Exception {
        open().shutdown();
        Path state = home.resolve("metadata/deviceset-metadata");
        Files.writeString(state, Files.readString(state).replaceFirst("\"BaseDeviceUUID\":\"[^\"]*\"", "\"BaseDeviceUUID\":\"other\""));

        IOException e = assertThrows(IOException.class, this::open);
        assertTrue(e.getMessage().contains("does not match with stored UUID:other"), e.getMessage());
        assertEquals(Set.of(), fake.activeDevices(), "a failed start leaves no loop-lvm pool behind");
    }

    @Test
    void aLargerBaseSizeGrowsTheBaseDeviceAndASmallerOneIsRefused() throws Exception {
        open().shutdown();
        fake.clearCommands();
        DeviceSet set = open("dm.basesize", "128M");
        assertEquals(128L << 20, set.lookup("").size());
        assertInOrder(fake.commands(),
                "dmsetup create " + prefix + "-base --table 0 262144 thin /dev/mapper/" + pool + " 1",
                "resize2fs /dev/mapper/" + prefix + "-base",
                "umount --lazy",
                "dmsetup remove --retry " + prefix + "-base");
        set.addDevice(A, "");
        assertEquals(128L << 20, set.lookup(A).size(), "new layers have the new size");
        set.shutdown();

        IOException e = assertThrows(IOException.class, () -> open("dm.basesize", "32M"));
        assertTrue(e.getMessage().contains("cannot be smaller than 134.2MB"), e.getMessage());
    }

    @Test
    void aGivenPoolIsUsedAsItIsAndLeftActive() throws Exception {
        fake.givenPool("my-pool", tempDir.resolve("my-pool-metadata"));
        DeviceSet set = open("dm.thinpooldev", "my-pool");
        assertFalse(fake.commands().stream().anyMatch(c -> c.startsWith("losetup --find")), "no loop-lvm");
        assertInOrder(fake.commands(), "dmsetup message my-pool 0 create_thin 1");
        set.shutdown();
        assertEquals(Set.of("my-pool"), fake.activeDevices());
    }

    @Test
    void aGivenPoolThatIsNotEmptyIsRefused() throws Exception {
        fake.givenPool("used-pool", tempDir.resolve("used-pool-metadata"));
        fake.exec("dmsetup", "message", "used-pool", "0", "set_transaction_id 0 7");
        IOException e = assertThrows(IOException.class, () -> open("dm.thinpooldev", "used-pool"));
        assertTrue(e.getMessage().contains("Unable to take ownership of thin-pool (used-pool) with non-zero transaction ID"),
                e.getMessage());

        e = assertThrows(IOException.class, () -> open("dm.thinpooldev", "no-such-pool"));
        assertTrue(e.getMessage().contains("/dev/mapper/no-such-pool (dm.thinpooldev) does not exist"), e.getMessage());
    }

    @Test
    void aLoopFileAttachedElsewhereIsNotUsedForANewPool() throws Exception {
        Files.createDirectories(home.resolve("devicemapper"));
        Files.createFile(home.resolve("devicemapper/data"));
        String loop = fake.exec("losetup", "--find", "--show", home.resolve("devicemapper/data").toString()).stdout().trim();
        IOException e = assertThrows(IOException.class, this::open);
        assertTrue(e.getMessage().contains("already attached to " + loop), e.getMessage());
    }

    @Test
    void newLayersNeedTheMinimumFreeSpace() throws Exception {
        // The fake's pool uses 16 blocks a device: 16M of 64K blocks is 256 blocks, 10% of them 25.
        DeviceSet set = open("dm.loopdatasize", "16M");
        try {
            for (int i = 0; i < 20; i++) {
                set.addDevice("aa" + i, "");
            }
            fail("the pool never ran short");
        } catch (IOException e) {
            assertTrue(e.getMessage().contains("less than minimum required 25 free data blocks"), e.getMessage());
        }
    }

    @Test
    void statusHasDockerdsLines() throws Exception {
        DeviceSet set = open();
        Map<String, String> status = new LinkedHashMap<>();
        set.status().forEach(e -> status.put(e.getKey(), e.getValue()));
        assertEquals(List.of("Pool Name", "Pool Blocksize", "Base Device Size", "Backing Filesystem", "Data file",
                "Metadata file", "Data loop file", "Metadata loop file", "Data Space Used", "Data Space Total",
                "Data Space Available", "Metadata Space Used", "Metadata Space Total", "Metadata Space Available",
                "Thin Pool Minimum Free Space", "Deferred Removal Enabled", "Deferred Deletion Enabled",
                "Deferred Deleted Device Count", "Library Version"), List.copyOf(status.keySet()));
        assertEquals(pool, status.get("Pool Name"));
        assertEquals("65.54kB", status.get("Pool Blocksize"));
        assertEquals("67.11MB", status.get("Base Device Size"));
        assertEquals("ext4", status.get("Backing Filesystem"));
        assertEquals("/dev/loop0", status.get("Data file"));
        assertEquals(home.resolve("devicemapper/data").toString(), status.get("Data loop file"));
        assertEquals("1.074GB", status.get("Data Space Total"));
        assertEquals("1.049MB", status.get("Data Space Used"), "16 blocks of 64K");
        assertEquals("1.02.185 (2022-05-18)", status.get("Library Version"));
    }

    private DeviceSet open(String... options) throws Exception {
        Map<String, String> o = new LinkedHashMap<>(Map.of("dm.loopdatasize", "1G", "dm.loopmetadatasize", "16M",
                "dm.basesize", "64M"));
        for (int i = 0; i < options.length; i += 2) {
            o.put(options[i], options[i + 1]);
        }
        return DeviceSet.open(home, DmOptions.parse(o), fake);
    }

    /** {@code expected} appear in {@code actual} in this order, each as the start of a command. */
    static void assertInOrder(List<String> actual, String... expected) {
        int i = 0;
        for (String e : expected) {
            while (i < actual.size() && !actual.get(i).startsWith(e)) {
                i++;
            }
            if (i == actual.size()) {
                fail("no '" + e + "' in order in:\n  " + String.join("\n  ", actual));
            }
            i++;
        }
    }
}
