package io.wharf.graphdriver.devicemapper;

import java.util.List;
import java.util.Map;
import java.util.Set;

import io.wharf.core.spi.graphdriver.NotSupportedException;

/**
 * dockerd's --storage-opt dm.* options (moby deviceset.go NewDeviceSet), parsed and checked before
 * anything touches the host. Sizes are in bytes; the pool block size in 512-byte sectors.
 *
 * @param baseSize          dm.basesize: the size of the base device, so of every layer (10G)
 * @param baseSizeGiven     whether dm.basesize was given (only then is an existing base device grown)
 * @param loopDataSize      dm.loopdatasize: the sparse data file of loop-lvm (100G)
 * @param loopMetadataSize  dm.loopmetadatasize: the sparse metadata file of loop-lvm (2G)
 * @param filesystem        dm.fs: ext4 or xfs (ext4)
 * @param mkfsArgs          dm.mkfsarg: extra arguments to mkfs
 * @param mountOptions      dm.mountopt: extra mount options for every layer
 * @param thinPoolDevice    dm.thinpooldev: an existing thin pool under /dev/mapper, or "" for loop-lvm
 * @param blockSizeSectors  dm.blocksize: the pool's allocation unit for a new pool (64K)
 * @param blkDiscard        dm.blkdiscard: discard a device's blocks before deleting it (on for loop-lvm)
 * @param minFreeSpacePercent dm.min_free_space: refuse new layers below this much free pool space (10%)
 */
record DmOptions(long baseSize, boolean baseSizeGiven, long loopDataSize, long loopMetadataSize, String filesystem,
        List<String> mkfsArgs, String mountOptions, String thinPoolDevice, long blockSizeSectors, boolean blkDiscard,
        int minFreeSpacePercent) {

    private static final long GiB = 1L << 30;
    private static final long MIN_BLOCK = 64 << 10;
    private static final long MAX_BLOCK = GiB;

    /** dockerd's direct-lvm options, which make an LVM thin pool on a block device. */
    private static final Set<String> DIRECT_LVM = Set.of("dm.directlvm_device", "dm.directlvm_device_force",
            "dm.thinp_percent", "dm.thinp_metapercent", "dm.thinp_autoextend_threshold", "dm.thinp_autoextend_percent");

    /** Options that only switch on what Wharf does not do: "false" is what it does anyway. */
    private static final Set<String> ONLY_FALSE = Set.of("dm.use_deferred_removal", "dm.use_deferred_deletion");

    /**
     * @throws IllegalArgumentException for an unknown option or a value dockerd would refuse
     * @throws NotSupportedException    for a dockerd option Wharf does not implement
     */
    static DmOptions parse(Map<String, String> options) throws NotSupportedException {
        long baseSize = 10 * GiB;
        boolean baseSizeGiven = false;
        long loopDataSize = 100 * GiB;
        long loopMetadataSize = 2 * GiB;
        String fs = "ext4";
        List<String> mkfsArgs = List.of();
        String mountOptions = "";
        String thinPool = "";
        long blockSize = MIN_BLOCK;
        Boolean blkDiscard = null;
        int minFree = 10;
        for (Map.Entry<String, String> o : options.entrySet()) {
            String key = o.getKey();
            String value = o.getValue();
            switch (key) {
                case "dm.basesize" -> {
                    baseSize = positiveSize(key, value);
                    baseSizeGiven = true;
                }
                case "dm.loopdatasize" -> loopDataSize = positiveSize(key, value);
                case "dm.loopmetadatasize" -> loopMetadataSize = positiveSize(key, value);
                case "dm.fs" -> {
                    if (!value.equals("ext4") && !value.equals("xfs")) {
                        throw new IllegalArgumentException("devmapper: Unsupported filesystem " + value);
                    }
                    fs = value;
                }
                case "dm.mkfsarg" -> mkfsArgs = List.of(value);
                case "dm.mountopt" -> mountOptions = value;
                case "dm.thinpooldev" -> thinPool = value.startsWith("/dev/mapper/")
                        ? value.substring("/dev/mapper/".length()) : value;
                case "dm.blocksize" -> {
                    long bytes = Units.parseBytes(key, value);
                    if (bytes < MIN_BLOCK || bytes > MAX_BLOCK || bytes % MIN_BLOCK != 0) {
                        throw new IllegalArgumentException(
                                "devmapper: dm.blocksize must be a multiple of 64K between 64K and 1G, not " + value);
                    }
                    blockSize = bytes;
                }
                case "dm.blkdiscard" -> blkDiscard = bool(key, value);
                case "dm.override_udev_sync_check" -> bool(key, value); // dmsetup synchronises with udev itself
                case "dm.min_free_space" -> minFree = percent(key, value);
                default -> {
                    if (ONLY_FALSE.contains(key)) {
                        if (bool(key, value)) {
                            throw new NotSupportedException(key + "=true is not implemented by Wharf: it removes "
                                    + "and deletes devices at once");
                        }
                    } else {
                        throw new NotSupportedException(notImplemented(key));
                    }
                }
            }
        }
        // As dockerd: discarding is worth its cost only to give space back to loop-lvm's sparse file.
        boolean discard = blkDiscard != null ? blkDiscard : thinPool.isEmpty();
        return new DmOptions(baseSize, baseSizeGiven, loopDataSize, loopMetadataSize, fs, mkfsArgs, mountOptions,
                thinPool, blockSize >> 9, discard, minFree);
    }

    /** Why a dockerd option Wharf does not implement declines the driver; an option dockerd does not know is refused. */
    private static String notImplemented(String key) {
        if (DIRECT_LVM.contains(key)) {
            return "direct-lvm set-up (" + key + ") is not implemented by Wharf; set up an LVM thin pool and give it "
                    + "with dm.thinpooldev";
        }
        return switch (key) {
            case "dm.datadev", "dm.metadatadev" -> key + " is deprecated in dockerd and not implemented by Wharf; give a "
                    + "thin pool with dm.thinpooldev";
            case "dm.xfs_nospace_max_retries" -> key + " is not implemented by Wharf";
            case "dm.libdm_log_level" -> key + " has no effect: Wharf drives device-mapper with dmsetup, not libdevmapper";
            default -> throw new IllegalArgumentException("devmapper: Unknown option " + key);
        };
    }

    boolean loopLvm() {
        return thinPoolDevice.isEmpty();
    }

    private static long positiveSize(String key, String value) {
        long bytes = Units.parseBytes(key, value);
        if (bytes <= 0) {
            throw new IllegalArgumentException("devmapper: " + key + " must be more than 0, not " + value);
        }
        return bytes;
    }

    /** Go's strconv.ParseBool. */
    private static boolean bool(String key, String value) {
        return switch (value) {
            case "1", "t", "T", "true", "TRUE", "True" -> true;
            case "0", "f", "F", "false", "FALSE", "False" -> false;
            default -> throw new IllegalArgumentException("devmapper: invalid boolean for " + key + ": '" + value + "'");
        };
    }

    private static int percent(String key, String value) {
        if (!value.endsWith("%")) {
            throw new IllegalArgumentException("devmapper: Option " + key + " requires % suffix");
        }
        try {
            int p = Integer.parseInt(value.substring(0, value.length() - 1));
            if (p >= 0 && p < 100) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("devmapper: Invalid value " + value + " for option " + key);
    }
}
