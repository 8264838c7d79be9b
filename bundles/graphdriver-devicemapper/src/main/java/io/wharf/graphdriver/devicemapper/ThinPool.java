package io.wharf.graphdriver.devicemapper;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin pool every layer lives in: one given with dm.thinpooldev, or loop-lvm's own, made over
 * two sparse files in home/devicemapper ("data" and "metadata") attached to loop devices. A
 * loop-lvm pool is this driver's to remove at shutdown; a given pool is left as it was found.
 */
final class ThinPool {

    private static final Logger LOG = LoggerFactory.getLogger(ThinPool.class);

    /** What the pool's status says: its transaction id and its used and total blocks. */
    record Usage(long transactionId, long metadataUsed, long metadataTotal, long dataUsed, long dataTotal, long sectors) {

        /** Parses a thin-pool status line: "0 LEN thin-pool TRANSACTION META_USED/META_TOTAL DATA_USED/DATA_TOTAL ...". */
        static Usage parse(String name, String[] status) throws IOException {
            if (status.length < 6 || !status[2].equals("thin-pool")) {
                throw new IOException("devmapper: Device " + name + " is not a thin pool: " + String.join(" ", status));
            }
            try {
                String[] meta = status[4].split("/");
                String[] data = status[5].split("/");
                return new Usage(Long.parseLong(status[3]), Long.parseLong(meta[0]), Long.parseLong(meta[1]),
                        Long.parseLong(data[0]), Long.parseLong(data[1]), Long.parseLong(status[1]));
            } catch (RuntimeException e) {
                throw new IOException("devmapper: cannot read the status of pool " + name + ": "
                        + String.join(" ", status), e);
            }
        }
    }

    private final Dmsetup dm;
    private final String name;
    private final String dataDevice;
    private final String metadataDevice;
    private final Path dataFile;
    private final Path metadataFile;

    private ThinPool(Dmsetup dm, String name, String dataDevice, String metadataDevice, Path dataFile,
            Path metadataFile) {
        this.dm = dm;
        this.name = name;
        this.dataDevice = dataDevice;
        this.metadataDevice = metadataDevice;
        this.dataFile = dataFile;
        this.metadataFile = metadataFile;
    }

    /**
     * The pool for {@code options}: dm.thinpooldev, which must exist and be a thin pool; else loop-lvm's
     * pool {@code prefix}-pool, used as it is when an earlier run left it active, made otherwise.
     */
    static ThinPool open(Path home, DmOptions options, String prefix, Dmsetup dm, Losetup losetup) throws IOException {
        if (!options.loopLvm()) {
            String given = options.thinPoolDevice();
            if (!dm.exists(given)) {
                throw new IOException("devmapper: the thin pool " + Dmsetup.devPath(given)
                        + " (dm.thinpooldev) does not exist");
            }
            Usage.parse(given, dm.status(given));
            String[] table = dm.table(given);
            return new ThinPool(dm, given, table[4], table[3], null, null);
        }
        String name = prefix + "-pool";
        Path dir = home.resolve("devicemapper");
        Path data = dir.resolve("data");
        Path metadata = dir.resolve("metadata");
        if (dm.exists(name)) {
            Usage.parse(name, dm.status(name));
            return new ThinPool(dm, name, firstOrEmpty(losetup.attachedTo(data)),
                    firstOrEmpty(losetup.attachedTo(metadata)), data, metadata);
        }
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        long dataBytes = ensureSparseFile(data, options.loopDataSize());
        ensureSparseFile(metadata, options.loopMetadataSize());
        for (Path file : List.of(data, metadata)) {
            List<String> attached = losetup.attachedTo(file);
            if (!attached.isEmpty()) {
                throw new IOException("devmapper: " + file + " is already attached to " + String.join(", ", attached)
                        + " while pool " + name + " does not exist; another device-mapper pool may be using it (detach it "
                        + "with losetup -d if nothing does)");
            }
        }
        LOG.warn("devmapper: usage of loopback devices is strongly discouraged for production use; "
                + "give a thin pool with --storage-opt dm.thinpooldev");
        String dataLoop = losetup.attach(data);
        String metadataLoop;
        try {
            metadataLoop = losetup.attach(metadata);
        } catch (IOException e) {
            losetup.detach(dataLoop);
            throw e;
        }
        try {
            dm.create(name, Dmsetup.thinPoolTable(dataBytes >> 9, metadataLoop, dataLoop, options.blockSizeSectors()));
        } finally {
            // The pool holds both loop devices now: detaching marks them to go when the pool goes
            // (and detaches them at once if the pool could not be made).
            losetup.detach(dataLoop);
            losetup.detach(metadataLoop);
        }
        return new ThinPool(dm, name, dataLoop, metadataLoop, data, metadata);
    }

    /** Creates {@code file} sparse with {@code size} bytes, or grows it to that; returns its size. */
    private static long ensureSparseFile(Path file, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            if (f.length() < size) {
                f.setLength(size);
            } else if (f.length() > size) {
                LOG.warn("devmapper: can't shrink loopback file {} to {} bytes", file, size);
            }
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            return f.length();
        }
    }

    private static String firstOrEmpty(List<String> devices) {
        return devices.isEmpty() ? "" : devices.getFirst();
    }

    String name() {
        return name;
    }

    /** Whether the pool is loop-lvm's, made over home/devicemapper's files. */
    boolean loopLvm() {
        return dataFile != null;
    }

    String dataDevice() {
        return dataDevice;
    }

    String metadataDevice() {
        return metadataDevice;
    }

    /** Loop-lvm's data file, or null for a given pool. */
    Path dataFile() {
        return dataFile;
    }

    /** Loop-lvm's metadata file, or null for a given pool. */
    Path metadataFile() {
        return metadataFile;
    }

    Usage usage() throws IOException {
        return Usage.parse(name, dm.status(name));
    }

    void createThin(int deviceId) throws IOException {
        dm.message(name, Dmsetup.createThinMessage(deviceId));
    }

    /** Snapshots thin device {@code originId}; the caller has suspended the origin if it is active. */
    void createSnapshot(int deviceId, int originId) throws IOException {
        dm.message(name, Dmsetup.createSnapMessage(deviceId, originId));
    }

    void delete(int deviceId) throws IOException {
        dm.message(name, Dmsetup.deleteMessage(deviceId));
    }

    void setTransactionId(long current, long next) throws IOException {
        dm.message(name, Dmsetup.setTransactionIdMessage(current, next));
    }

    /** Removes loop-lvm's pool (its loop devices go with it); leaves a given pool alone. */
    void close() throws IOException {
        if (loopLvm() && dm.exists(name)) {
            dm.remove(name);
        }
    }
}
