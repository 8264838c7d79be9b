package io.wharf.graphdriver.devicemapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin devices of one pool, as moby's DeviceSet: a base device with an empty filesystem, and each
 * layer a snapshot of its parent (of the base device for a layer without one). Every change to the
 * pool is a transaction: the device and the pool transaction id that will follow are written to
 * transaction-metadata first, the pool is changed, the device's metadata written, and only then is
 * the pool's transaction id moved on. A daemon that died in between finds the pool's id behind the
 * open one at the next start and rolls the change back: the thin device and its metadata go.
 *
 * <p>Devices are activated (given a thin table under /dev/mapper) only while they are mounted or
 * being worked on. All methods are synchronized: dmsetup calls and the metadata are serialised.
 */
final class DeviceSet {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceSet.class);

    /** Makes a thin device with the given id in the pool. */
    @FunctionalInterface
    private interface ThinDeviceCreation {
        void create(int deviceId) throws IOException;
    }

    private final Host host;
    private final Dmsetup dm;
    private final ThinPool pool;
    private final MetadataStore store;
    private final DmOptions options;
    private final String prefix;
    private final Map<String, Device> devices;
    private final DeviceIds ids;
    private final String libraryVersion;
    private MetadataStore.DeviceSetState state;
    private long transactionId;

    private DeviceSet(Host host, Dmsetup dm, ThinPool pool, MetadataStore store, DmOptions options, String prefix)
            throws IOException {
        this.host = host;
        this.dm = dm;
        this.pool = pool;
        this.store = store;
        this.options = options;
        this.prefix = prefix;
        this.state = store.loadDeviceSet();
        this.devices = store.loadDevices();
        this.ids = new DeviceIds(state.nextDeviceId());
        devices.values().forEach(d -> ids.markUsed(d.deviceId()));
        this.transactionId = pool.usage().transactionId();
        this.libraryVersion = dm.libraryVersion();
    }

    /**
     * Opens the device set of {@code home}: the pool (made for loop-lvm if need be), the metadata in
     * home/metadata, a roll-back of a transaction a crash left open, and the base device (made with
     * its filesystem the first time).
     */
    static DeviceSet open(Path home, DmOptions options, Host host) throws IOException {
        Path metadata = home.resolve("metadata");
        Files.createDirectories(metadata);
        Files.setPosixFilePermissions(metadata, PosixFilePermissions.fromString("rwx------"));
        String prefix = devicePrefix(home);
        Dmsetup dm = new Dmsetup(host);
        ThinPool pool = ThinPool.open(home, options, prefix, dm, new Losetup(host));
        try {
            DeviceSet set = new DeviceSet(host, dm, pool, new MetadataStore(metadata), options, prefix);
            set.rollBackOpenTransaction();
            set.setUpBaseDevice();
            return set;
        } catch (IOException | RuntimeException e) {
            try {
                pool.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * "wharf-MAJOR:MINOR-INODE" of {@code home}: unique to this data root on this host, so that two
     * data roots (or a dockerd, whose devices are "docker-...") never share device names.
     */
    static String devicePrefix(Path home) throws IOException {
        long dev = (Long) Files.getAttribute(home, "unix:dev");
        long ino = (Long) Files.getAttribute(home, "unix:ino");
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & 0xfffff000L);
        long minor = (dev & 0xff) | ((dev >>> 12) & 0xffffff00L);
        return "wharf-" + major + ":" + minor + "-" + ino;
    }

    String prefix() {
        return prefix;
    }

    synchronized boolean has(String hash) {
        return devices.containsKey(hash);
    }

    synchronized Device lookup(String hash) throws IOException {
        Device d = devices.get(hash);
        if (d == null) {
            throw new IOException("devmapper: Unknown device " + (hash.isEmpty() ? "base" : hash));
        }
        return d;
    }

    /** Makes {@code hash} a snapshot of {@code originHash} ("" for the base device). */
    synchronized void addDevice(String hash, String originHash) throws IOException {
        if (devices.containsKey(hash)) {
            throw new IOException("devmapper: device " + hash + " already exists");
        }
        Device origin = lookup(originHash);
        checkFreeSpace();
        // A snapshot of an active device needs it suspended, so that no write is half in it.
        String originName = origin.name(prefix);
        boolean active = dm.exists(originName);
        if (active) {
            dm.suspend(originName);
        }
        try {
            createDevice(hash, origin.size(), id -> pool.createSnapshot(id, origin.deviceId()));
        } finally {
            if (active) {
                dm.resume(originName);
            }
        }
    }

    /** Deactivates {@code hash} and deletes it from the pool and the metadata. */
    synchronized void deleteDevice(String hash) throws IOException {
        Device d = lookup(hash);
        if (options.blkDiscard()) {
            discard(d);
        }
        deactivate(d);
        long open = transactionId + 1;
        store.save(new MetadataStore.Transaction(open, hash, d.deviceId()));
        try {
            pool.delete(d.deviceId());
            store.remove(hash);
            devices.remove(hash);
            ids.free(d.deviceId());
        } finally {
            // As moby: the transaction ends either way, so the pool and the metadata agree on what happened.
            pool.setTransactionId(transactionId, open);
            transactionId = open;
        }
    }

    /** Activates {@code hash} and mounts its filesystem on {@code dir}. */
    synchronized void mount(String hash, Path dir) throws IOException {
        Device d = lookup(hash);
        activate(d);
        List<String> mountOptions = new ArrayList<>();
        if (filesystem().equals("xfs")) {
            mountOptions.add("nouuid"); // every snapshot has the base device's UUID
        }
        if (!options.mountOptions().isEmpty()) {
            mountOptions.add(options.mountOptions());
        }
        List<String> command = new ArrayList<>(List.of("mount", "-t", filesystem()));
        if (!mountOptions.isEmpty()) {
            command.addAll(List.of("-o", String.join(",", mountOptions)));
        }
        command.addAll(List.of(Dmsetup.devPath(d.name(prefix)), dir.toString()));
        try {
            host.run(command.toArray(String[]::new));
        } catch (IOException e) {
            deactivate(d);
            throw e;
        }
    }

    /** Unmounts {@code dir} (detached, as moby does) and deactivates {@code hash}. */
    synchronized void unmount(String hash, Path dir) throws IOException {
        Device d = lookup(hash);
        host.run("umount", "--lazy", dir.toString());
        deactivate(d);
    }

    /**
     * Saves the set's state, deactivates every device of this set still active and removes a
     * loop-lvm pool. The caller has unmounted the layers; a device still busy (a lazily unmounted
     * layer still in use) is logged and left, and then the pool is left too.
     */
    synchronized void shutdown() throws IOException {
        saveState();
        for (String name : dm.list("thin")) {
            if (name.startsWith(prefix + "-")) {
                try {
                    dm.remove(name);
                } catch (IOException e) {
                    LOG.warn("devmapper: cannot deactivate {} at shutdown: {}", name, e.getMessage());
                }
            }
        }
        pool.close();
    }

    /** "Driver Status" of `docker info`, as dockerd's devicemapper driver gives it. */
    synchronized List<Map.Entry<String, String>> status() {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        Optional<ThinPool.Usage> usage;
        try {
            usage = Optional.of(pool.usage());
        } catch (IOException e) {
            LOG.warn("devmapper: cannot read the pool's status: {}", e.getMessage());
            usage = Optional.empty();
        }
        Device base = devices.get("");
        out.add(Map.entry("Pool Name", pool.name()));
        usage.ifPresent(u -> out.add(Map.entry("Pool Blocksize", Units.humanSize(blockBytes(u)))));
        out.add(Map.entry("Base Device Size", Units.humanSize(base == null ? 0 : base.size())));
        out.add(Map.entry("Backing Filesystem", filesystem()));
        out.add(Map.entry("Data file", pool.dataDevice()));
        out.add(Map.entry("Metadata file", pool.metadataDevice()));
        if (pool.loopLvm()) {
            out.add(Map.entry("Data loop file", pool.dataFile().toString()));
            out.add(Map.entry("Metadata loop file", pool.metadataFile().toString()));
        }
        usage.ifPresent(u -> {
            long block = blockBytes(u);
            long dataUsed = u.dataUsed() * block;
            long dataTotal = u.dataTotal() * block;
            long metaUsed = u.metadataUsed() * 4096; // metadata blocks are always 4k
            long metaTotal = u.metadataTotal() * 4096;
            out.add(Map.entry("Data Space Used", Units.humanSize(dataUsed)));
            out.add(Map.entry("Data Space Total", Units.humanSize(dataTotal)));
            out.add(Map.entry("Data Space Available", Units.humanSize(available(dataTotal - dataUsed, pool.dataFile()))));
            out.add(Map.entry("Metadata Space Used", Units.humanSize(metaUsed)));
            out.add(Map.entry("Metadata Space Total", Units.humanSize(metaTotal)));
            out.add(Map.entry("Metadata Space Available",
                    Units.humanSize(available(metaTotal - metaUsed, pool.metadataFile()))));
            out.add(Map.entry("Thin Pool Minimum Free Space",
                    Units.humanSize(u.dataTotal() * options.minFreeSpacePercent() / 100 * block)));
        });
        out.add(Map.entry("Deferred Removal Enabled", "false"));
        out.add(Map.entry("Deferred Deletion Enabled", "false"));
        out.add(Map.entry("Deferred Deleted Device Count", "0"));
        out.add(Map.entry("Library Version", libraryVersion));
        return out;
    }

    /** The filesystem of the base device, so of every layer. */
    synchronized String filesystem() {
        return state.baseDeviceFilesystem().isEmpty() ? options.filesystem() : state.baseDeviceFilesystem();
    }

    // ------------------------------------------------------------------ start-up

    /** moby's processPendingTransaction: undoes a change the pool never saw committed. */
    private void rollBackOpenTransaction() throws IOException {
        Optional<MetadataStore.Transaction> open = store.loadTransaction();
        if (open.isEmpty() || open.get().openTransactionId() <= transactionId) {
            return;
        }
        MetadataStore.Transaction t = open.get();
        LOG.warn("devmapper: rolling back open transaction {} (device {}, id {}); the pool is at {}",
                t.openTransactionId(), t.deviceHash().isEmpty() ? "base" : t.deviceHash(), t.deviceId(), transactionId);
        try {
            pool.delete(t.deviceId());
        } catch (IOException e) {
            // The device may never have been made, or already be deleted.
            LOG.info("devmapper: rolling back: {}", e.getMessage());
        }
        store.remove(t.deviceHash());
        devices.remove(t.deviceHash());
        ids.free(t.deviceId());
        store.removeTransaction();
    }

    /** moby's setupBaseImage: checks an initialized base device; (re)makes a missing or half-made one. */
    private void setUpBaseDevice() throws IOException {
        Device base = devices.get("");
        if (base != null && base.initialized()) {
            verifyBaseDevice(base);
            growBaseDeviceIfAsked(base);
            return;
        }
        if (base != null) {
            LOG.info("devmapper: removing the uninitialized base device");
            deleteDevice("");
        } else if (!pool.loopLvm()) {
            // Taking over a given pool: it must be empty.
            ThinPool.Usage u = pool.usage();
            if (u.dataUsed() != 0) {
                throw new IOException("devmapper: Unable to take ownership of thin-pool (" + pool.name()
                        + ") that already has used data blocks");
            }
            if (u.transactionId() != 0) {
                throw new IOException("devmapper: Unable to take ownership of thin-pool (" + pool.name()
                        + ") with non-zero transaction ID");
            }
        }
        createBaseDevice();
    }

    private void createBaseDevice() throws IOException {
        Device base = createDevice("", options.baseSize(), pool::createThin);
        state = new MetadataStore.DeviceSetState(ids.next(), "", options.filesystem());
        store.save(state);
        activate(base);
        try {
            makeFilesystem(base);
            base = base.asInitialized();
            store.save(base);
            devices.put("", base);
            state = new MetadataStore.DeviceSetState(ids.next(), uuid(base), options.filesystem());
            store.save(state);
        } finally {
            deactivate(base);
        }
    }

    private void makeFilesystem(Device base) throws IOException {
        String dev = Dmsetup.devPath(base.name(prefix));
        LOG.info("devmapper: creating filesystem {} on device {}", options.filesystem(), base.name(prefix));
        if (options.filesystem().equals("xfs")) {
            host.run(command("mkfs.xfs", options.mkfsArgs(), dev));
            return;
        }
        Host.Result r = host.exec(command("mkfs.ext4", options.mkfsArgs(), "-E",
                "nodiscard,lazy_itable_init=0,lazy_journal_init=0", dev));
        if (r.exitCode() != 0) {
            // e2fsprogs before 1.42.7 do not know lazy_journal_init.
            host.run(command("mkfs.ext4", options.mkfsArgs(), "-E", "nodiscard,lazy_itable_init=0", dev));
        }
        host.run("tune2fs", "-c", "-1", "-i", "0", dev);
    }

    private static String[] command(String tool, List<String> extra, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(tool);
        cmd.addAll(extra);
        cmd.addAll(List.of(args));
        return cmd.toArray(String[]::new);
    }

    /** The base device must be the one made for this data root, not one of another pool. */
    private void verifyBaseDevice(Device base) throws IOException {
        activate(base);
        String uuid;
        try {
            uuid = uuid(base);
        } finally {
            deactivate(base);
        }
        if (state.baseDeviceUuid().isEmpty()) {
            state = new MetadataStore.DeviceSetState(state.nextDeviceId(), uuid, filesystem());
            store.save(state);
        } else if (!state.baseDeviceUuid().equals(uuid)) {
            throw new IOException("devmapper: Current Base Device UUID:" + uuid + " does not match with stored UUID:"
                    + state.baseDeviceUuid() + ". Possibly using a different thin pool than last invocation");
        }
        if (!filesystem().equals(options.filesystem())) {
            LOG.warn("devmapper: Base device already exists and has filesystem {} on it. User specified filesystem {} "
                    + "will be ignored.", filesystem(), options.filesystem());
        }
    }

    /** dm.basesize larger than the base device grows it (and so every layer made afterwards). */
    private void growBaseDeviceIfAsked(Device base) throws IOException {
        if (!options.baseSizeGiven() || options.baseSize() == base.size()) {
            return;
        }
        if (options.baseSize() < base.size()) {
            throw new IOException("devmapper: Base device size cannot be smaller than " + Units.humanSize(base.size()));
        }
        Device grown = base.withSize(options.baseSize());
        store.save(grown);
        devices.put("", grown);
        String dev = Dmsetup.devPath(grown.name(prefix));
        Path mountPoint = Files.createTempDirectory(store.dir().getParent(), "grow-base");
        try {
            mount("", mountPoint); // activated with the new size
            try {
                if (filesystem().equals("xfs")) {
                    host.run("xfs_growfs", mountPoint.toString());
                } else {
                    host.run("resize2fs", dev);
                }
            } finally {
                unmount("", mountPoint);
            }
        } finally {
            Files.deleteIfExists(mountPoint);
        }
    }

    private String uuid(Device d) throws IOException {
        return host.run("blkid", "-s", "UUID", "-o", "value", Dmsetup.devPath(d.name(prefix))).trim();
    }

    // ------------------------------------------------------------------ devices and transactions

    /**
     * Makes a thin device in one pool transaction: allocate an id, record the open transaction, make
     * the device, write its metadata, then move the pool's transaction id on.
     */
    private Device createDevice(String hash, long size, ThinDeviceCreation creation) throws IOException {
        long open = transactionId + 1;
        int id = ids.allocate();
        store.save(new MetadataStore.Transaction(open, hash, id));
        while (true) {
            try {
                creation.create(id);
                break;
            } catch (IOException e) {
                if (!String.valueOf(e.getMessage()).contains("File exists")) {
                    ids.free(id);
                    throw e;
                }
                // The pool has the id though no metadata names it: leave it marked used, take the next.
                LOG.error("devmapper: Device ID {} exists in pool but it is supposed to be unused", id);
                id = ids.allocate();
                store.save(new MetadataStore.Transaction(open, hash, id));
            }
        }
        Device d = new Device(hash, id, size, open, false);
        try {
            store.save(d);
            pool.setTransactionId(transactionId, open);
        } catch (IOException e) {
            try {
                store.remove(hash);
                pool.delete(id);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            ids.free(id);
            throw e;
        }
        transactionId = open;
        devices.put(hash, d);
        return d;
    }

    private void activate(Device d) throws IOException {
        String name = d.name(prefix);
        if (!dm.exists(name)) {
            dm.create(name, Dmsetup.thinTable(d.size(), pool.name(), d.deviceId()));
        }
    }

    private void deactivate(Device d) throws IOException {
        String name = d.name(prefix);
        if (dm.exists(name)) {
            dm.remove(name);
        }
    }

    /**
     * Gives a device's blocks back before deleting it (dm.blkdiscard): the pool does not pass the
     * deletion down, so loop-lvm's sparse data file would otherwise keep them.
     */
    private void discard(Device d) throws IOException {
        activate(d);
        String name = d.name(prefix);
        if (dm.openCount(name) != 0) {
            LOG.debug("devmapper: device {} is in use; not discarding its blocks", name);
            return;
        }
        Host.Result r = host.exec("blkdiscard", Dmsetup.devPath(name));
        if (r.exitCode() != 0) {
            LOG.debug("devmapper: discarding the blocks of {} failed (ignored): {}", name, r.stderr().trim());
        }
    }

    /** moby's poolHasFreeSpace: a new layer needs dm.min_free_space of the pool free. */
    private void checkFreeSpace() throws IOException {
        if (options.minFreeSpacePercent() == 0) {
            return;
        }
        ThinPool.Usage u = pool.usage();
        long minData = Math.max(1, u.dataTotal() * options.minFreeSpacePercent() / 100);
        if (u.dataTotal() - u.dataUsed() < minData) {
            throw new IOException("devmapper: Thin Pool has " + (u.dataTotal() - u.dataUsed()) + " free data blocks "
                    + "which is less than minimum required " + minData + " free data blocks. Create more free space in "
                    + "thin pool or use dm.min_free_space option to change behavior");
        }
        long minMetadata = Math.max(1, u.metadataTotal() * options.minFreeSpacePercent() / 100);
        if (u.metadataTotal() - u.metadataUsed() < minMetadata) {
            throw new IOException("devmapper: Thin Pool has " + (u.metadataTotal() - u.metadataUsed()) + " free "
                    + "metadata blocks which is less than minimum required " + minMetadata + " free metadata blocks. "
                    + "Create more free metadata space in thin pool or use dm.min_free_space option to change behavior");
        }
    }

    private void saveState() throws IOException {
        state = new MetadataStore.DeviceSetState(ids.next(), state.baseDeviceUuid(), state.baseDeviceFilesystem());
        store.save(state);
    }

    /** The pool's block size in bytes, from its length and its number of data blocks. */
    private static long blockBytes(ThinPool.Usage u) {
        return u.dataTotal() == 0 ? 0 : u.sectors() / u.dataTotal() * 512;
    }

    /** {@code free} of the pool, but no more than the filesystem under a loop file has left. */
    private static long available(long free, Path loopFile) {
        if (loopFile == null) {
            return free;
        }
        try {
            return Math.min(free, Files.getFileStore(loopFile).getUnallocatedSpace());
        } catch (IOException e) {
            return free;
        }
    }
}
