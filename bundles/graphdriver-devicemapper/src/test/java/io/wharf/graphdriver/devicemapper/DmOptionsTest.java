package io.wharf.graphdriver.devicemapper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.wharf.core.spi.graphdriver.NotSupportedException;

/** dockerd's dm.* options: defaults, sizes, validation, and the ones Wharf declines with a reason. */
class DmOptionsTest {

    @Test
    void defaultsAreDockerds() throws Exception {
        DmOptions o = DmOptions.parse(Map.of());
        assertEquals(10L << 30, o.baseSize());
        assertFalse(o.baseSizeGiven());
        assertEquals(100L << 30, o.loopDataSize());
        assertEquals(2L << 30, o.loopMetadataSize());
        assertEquals("ext4", o.filesystem());
        assertEquals(128, o.blockSizeSectors(), "64K in 512-byte sectors");
        assertTrue(o.loopLvm());
        assertTrue(o.blkDiscard(), "discards give loop-lvm's sparse file its space back");
        assertEquals(10, o.minFreeSpacePercent());
        assertEquals(List.of(), o.mkfsArgs());
        assertEquals("", o.mountOptions());
    }

    @Test
    void sizesAreBinaryMultiplesInDockerdsNotations() throws Exception {
        DmOptions o = DmOptions.parse(Map.of("dm.basesize", "20G", "dm.loopdatasize", "1.5GB", "dm.loopmetadatasize",
                "512MiB", "dm.blocksize", "512K"));
        assertEquals(20L << 30, o.baseSize());
        assertTrue(o.baseSizeGiven());
        assertEquals(3L << 29, o.loopDataSize());
        assertEquals(512L << 20, o.loopMetadataSize());
        assertEquals(1024, o.blockSizeSectors());
        assertEquals(4096, DmOptions.parse(Map.of("dm.basesize", "4096")).baseSize(), "a bare number is bytes");
    }

    @Test
    void aGivenThinPoolIsNamedWithoutDevMapperAndTurnsDiscardOff() throws Exception {
        DmOptions o = DmOptions.parse(Map.of("dm.thinpooldev", "/dev/mapper/docker-thinpool"));
        assertEquals("docker-thinpool", o.thinPoolDevice());
        assertFalse(o.loopLvm());
        assertFalse(o.blkDiscard(), "dockerd discards only on loop-lvm unless dm.blkdiscard says so");
        assertTrue(DmOptions.parse(Map.of("dm.thinpooldev", "pool", "dm.blkdiscard", "true")).blkDiscard());
    }

    @Test
    void filesystemMkfsArgAndMountOptions() throws Exception {
        DmOptions o = DmOptions.parse(Map.of("dm.fs", "xfs", "dm.mkfsarg", "-K", "dm.mountopt", "nodiscard"));
        assertEquals("xfs", o.filesystem());
        assertEquals(List.of("-K"), o.mkfsArgs());
        assertEquals("nodiscard", o.mountOptions());
    }

    @Test
    void badValuesAreRefusedNamingTheOption() {
        assertRefused(Map.of("dm.fs", "btrfs"), "Unsupported filesystem btrfs");
        assertRefused(Map.of("dm.basesize", "ten gigs"), "dm.basesize");
        assertRefused(Map.of("dm.basesize", "0"), "dm.basesize");
        assertRefused(Map.of("dm.blocksize", "4K"), "dm.blocksize");
        assertRefused(Map.of("dm.blocksize", "100K"), "dm.blocksize");
        assertRefused(Map.of("dm.blocksize", "2G"), "dm.blocksize");
        assertRefused(Map.of("dm.blkdiscard", "yes"), "dm.blkdiscard");
        assertRefused(Map.of("dm.min_free_space", "10"), "requires % suffix");
        assertRefused(Map.of("dm.min_free_space", "100%"), "Invalid value 100%");
        assertRefused(Map.of("dm.nonsense", "1"), "Unknown option dm.nonsense");
    }

    @Test
    void minFreeSpaceIsAPercentage() throws Exception {
        assertEquals(0, DmOptions.parse(Map.of("dm.min_free_space", "0%")).minFreeSpacePercent());
        assertEquals(25, DmOptions.parse(Map.of("dm.min_free_space", "25%")).minFreeSpacePercent());
    }

    @Test
    void optionsWharfDoesNotImplementDeclineWithTheReason() {
        for (String key : List.of("dm.datadev", "dm.metadatadev", "dm.directlvm_device", "dm.thinp_percent",
                "dm.xfs_nospace_max_retries", "dm.libdm_log_level")) {
            NotSupportedException e = assertThrows(NotSupportedException.class, () -> DmOptions.parse(Map.of(key, "1")), key);
            assertTrue(e.getMessage().contains(key), e.getMessage());
        }
        NotSupportedException e = assertThrows(NotSupportedException.class,
                () -> DmOptions.parse(Map.of("dm.use_deferred_removal", "true")));
        assertTrue(e.getMessage().contains("dm.use_deferred_removal=true"), e.getMessage());
    }

    @Test
    void optionsThatOnlySayWhatWharfDoesAnywayAreAccepted() throws Exception {
        DmOptions.parse(Map.of("dm.use_deferred_removal", "false", "dm.use_deferred_deletion", "false",
                "dm.override_udev_sync_check", "true"));
    }

    private static void assertRefused(Map<String, String> options, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DmOptions.parse(options),
                options.toString());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
