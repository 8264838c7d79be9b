package io.wharf.graphdriver.devicemapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * A stand-in for dmsetup, losetup, mkfs, blkid, mount and umount, for tests on a host without
 * device-mapper: it keeps in memory what the kernel would (loop devices, active devices and their
 * tables, each pool's thin devices and transaction id, filesystem UUIDs, mounts), answers the
 * command lines the driver runs as the real tools do, and records every command. It also refuses
 * what the kernel would refuse, and what would be unsafe though the kernel allows it (a snapshot of
 * an active origin that is not suspended), so that tests catch the driver doing so.
 *
 * <p>Nothing real is made: no loop device, no device-mapper device, no mount. A pool's thin devices
 * are kept per metadata file, as the pool's metadata device keeps them, so they outlive the pool's
 * removal and come back when a pool is made again over the same files.
 */
final class FakeDmsetupHost implements Host {

    /** What the pool's metadata device holds. */
    static final class PoolData {
        long transactionId;
        final Map<Integer, String> thinUuids = new LinkedHashMap<>(); // thin id -> filesystem UUID ("" before mkfs)
    }

    private final List<List<String>> commands = new ArrayList<>();
    private final Map<String, Path> loops = new LinkedHashMap<>(); // /dev/loopN -> backing file
    private final Set<String> autoclear = new HashSet<>();
    private final Map<String, String[]> tables = new LinkedHashMap<>(); // active device -> table fields
    private final Set<String> suspended = new HashSet<>();
    private final Map<Path, PoolData> poolData = new HashMap<>(); // metadata file -> pool content
    private final Map<Path, String> mounts = new LinkedHashMap<>(); // mount point -> device
    private Predicate<List<String>> failure;
    private Predicate<List<String>> crash;
    private int nextLoop;

    // ------------------------------------------------------------------ for tests

    /** Every command run, one string each (arguments joined with spaces). */
    List<String> commands() {
        return commands.stream().map(c -> String.join(" ", c)).toList();
    }

    void clearCommands() {
        commands.clear();
    }

    /**
     * Makes the next command that {@code when} matches fail, as if the daemon died there: it does
     * nothing and exits 1. Only the first match fails.
     */
    void failOnce(Predicate<List<String>> when) {
        failure = when;
    }

    /**
     * Makes the next command that {@code when} matches throw {@link Crash} before doing anything, as
     * if the daemon were killed just before running it: the driver gets no chance to tidy up.
     */
    void crashOnce(Predicate<List<String>> when) {
        crash = when;
    }

    /** The daemon "died" here. */
    static final class Crash extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Crash(String command) {
            super("simulated crash before: " + command);
        }
    }

    Set<String> activeDevices() {
        return tables.keySet();
    }

    Map<String, Path> loopDevices() {
        return loops;
    }

    Set<Path> mountPoints() {
        return mounts.keySet();
    }

    /** The thin device ids of the pool whose metadata lives in {@code metadataFile}. */
    Set<Integer> thinIds(Path metadataFile) {
        PoolData p = poolData.get(metadataFile);
        return p == null ? Set.of() : p.thinUuids.keySet();
    }

    long transactionId(Path metadataFile) {
        return poolData.get(metadataFile).transactionId;
    }

    /** Makes an active thin pool named {@code name}, as an administrator would before giving dm.thinpooldev. */
    void givenPool(String name, Path metadataFile) {
        poolData.computeIfAbsent(metadataFile, f -> new PoolData());
        String meta = "/dev/loop" + nextLoop++;
        String data = "/dev/loop" + nextLoop++;
        loops.put(meta, metadataFile);
        loops.put(data, metadataFile.resolveSibling(metadataFile.getFileName() + "-data"));
        tables.put(name, ("0 2097152 thin-pool " + meta + " " + data + " 128 32768 1 skip_block_zeroing").split(" "));
    }

    // ------------------------------------------------------------------ Host

    @Override
    public synchronized Result exec(String... command) throws IOException {
        List<String> c = List.of(command);
        commands.add(c);
        if (crash != null && crash.test(c)) {
            crash = null;
            throw new Crash(String.join(" ", c));
        }
        if (failure != null && failure.test(c)) {
            failure = null;
            return fail("injected failure");
        }
        return switch (c.getFirst()) {
            case "dmsetup" -> dmsetup(c);
            case "losetup" -> losetup(c);
            case "mkfs.ext4", "mkfs.xfs" -> mkfs(c.getLast());
            case "tune2fs", "resize2fs", "xfs_growfs", "blkdiscard" -> ok("");
            case "blkid" -> ok(pool(thinTable(c.getLast())).thinUuids.get(thinId(c.getLast())) + "\n");
            case "mount" -> mount(c);
            case "umount" -> mounts.remove(Path.of(c.getLast())) != null ? ok("") : fail("umount: " + c.getLast() + ": not mounted.");
            default -> throw new IOException("the fake host has no " + c.getFirst());
        };
    }

    @Override
    public synchronized boolean isMountPoint(Path dir) {
        return mounts.containsKey(dir);
    }

    // ------------------------------------------------------------------ dmsetup

    private Result dmsetup(List<String> c) {
        String name = c.getLast();
        switch (c.get(1)) {
            case "version":
                return ok("Library version:   1.02.185 (2022-05-18)\nDriver version:    4.48.0\n");
            case "info":
                if (!tables.containsKey(name)) {
                    return fail("Device does not exist.\nCommand failed.");
                }
                return ok(c.contains("open") ? openCount(name) + "\n" : name + "\n");
            case "create":
                return create(c.get(2), c.get(4).split(" "));
            case "remove":
                return remove(name);
            case "suspend":
                return tables.containsKey(name) && suspended.add(name) ? ok("") : fail("cannot suspend " + name);
            case "resume":
                return suspended.remove(name) ? ok("") : fail("cannot resume " + name);
            case "message":
                return message(c.get(2), c.get(4).split(" "));
            case "status":
                return status(name);
            case "table":
                return tables.containsKey(name) ? ok(String.join(" ", tables.get(name)) + "\n") : fail("Device does not exist.");
            case "ls":
                List<String> thin = tables.entrySet().stream().filter(e -> e.getValue()[2].equals(c.getLast()))
                        .map(e -> e.getKey() + "\t(253:0)").toList();
                return ok(thin.isEmpty() ? "No devices found\n" : String.join("\n", thin) + "\n");
            default:
                return fail("the fake dmsetup has no " + c.get(1));
        }
    }

    private Result create(String name, String[] table) {
        if (tables.containsKey(name)) {
            return fail("device-mapper: create ioctl on " + name + " failed: Device or resource busy");
        }
        switch (table[2]) {
            case "thin-pool" -> {
                if (!loops.containsKey(table[3]) || !loops.containsKey(table[4])) {
                    return fail("device-mapper: reload ioctl on " + name + " failed: No such device or address");
                }
                poolData.computeIfAbsent(loops.get(table[3]), f -> new PoolData());
            }
            case "thin" -> {
                String pool = table[3].substring("/dev/mapper/".length());
                if (!tables.containsKey(pool) || !pool(pool).thinUuids.containsKey(Integer.parseInt(table[4]))) {
                    return fail("device-mapper: reload ioctl on " + name + " failed: No data available");
                }
            }
            default -> {
                return fail("the fake dmsetup has no target " + table[2]);
            }
        }
        tables.put(name, table);
        return ok("");
    }

    private Result remove(String name) {
        if (!tables.containsKey(name)) {
            return fail("Device does not exist.\nCommand failed.");
        }
        if (openCount(name) > 0) {
            return fail("device-mapper: remove ioctl on " + name + " failed: Device or resource busy");
        }
        String[] table = tables.remove(name);
        suspended.remove(name);
        if (table[2].equals("thin-pool")) {
            for (String loop : List.of(table[3], table[4])) {
                if (autoclear.remove(loop)) {
                    loops.remove(loop);
                }
            }
        }
        return ok("");
    }

    private int openCount(String name) {
        String dev = "/dev/mapper/" + name;
        if (tables.get(name)[2].equals("thin-pool")) {
            return (int) tables.values().stream().filter(t -> t[2].equals("thin") && t[3].equals(dev)).count();
        }
        return mounts.containsValue(dev) ? 1 : 0;
    }

    private Result message(String poolName, String[] message) {
        if (!tables.containsKey(poolName)) {
            return fail("Device does not exist.");
        }
        PoolData pool = pool(poolName);
        String failed = "device-mapper: message ioctl on " + poolName + " failed: ";
        switch (message[0]) {
            case "create_thin" -> {
                int id = Integer.parseInt(message[1]);
                if (pool.thinUuids.putIfAbsent(id, "") != null) {
                    return fail(failed + "File exists");
                }
            }
            case "create_snap" -> {
                int id = Integer.parseInt(message[1]);
                int origin = Integer.parseInt(message[2]);
                if (!pool.thinUuids.containsKey(origin)) {
                    return fail(failed + "No data available");
                }
                for (Map.Entry<String, String[]> active : tables.entrySet()) {
                    String[] t = active.getValue();
                    if (t[2].equals("thin") && Integer.parseInt(t[4]) == origin && !suspended.contains(active.getKey())) {
                        return fail("fake: snapshot of active origin " + active.getKey() + " that is not suspended");
                    }
                }
                if (pool.thinUuids.containsKey(id)) {
                    return fail(failed + "File exists");
                }
                pool.thinUuids.put(id, pool.thinUuids.get(origin));
            }
            case "delete" -> {
                int id = Integer.parseInt(message[1]);
                boolean active = tables.values().stream().anyMatch(t -> t[2].equals("thin") && Integer.parseInt(t[4]) == id);
                if (active) {
                    return fail(failed + "Device or resource busy");
                }
                if (pool.thinUuids.remove(id) == null) {
                    return fail(failed + "No data available");
                }
            }
            case "set_transaction_id" -> {
                if (Long.parseLong(message[1]) != pool.transactionId) {
                    return fail(failed + "Invalid argument");
                }
                pool.transactionId = Long.parseLong(message[2]);
            }
            default -> {
                return fail(failed + "Invalid argument");
            }
        }
        return ok("");
    }

    private Result status(String name) {
        if (!tables.containsKey(name)) {
            return fail("Device does not exist.");
        }
        String[] t = tables.get(name);
        if (!t[2].equals("thin-pool")) {
            return ok("0 " + t[1] + " thin 0 -\n");
        }
        PoolData pool = pool(name);
        long blocks = Long.parseLong(t[1]) / Long.parseLong(t[5]);
        return ok("0 " + t[1] + " thin-pool " + pool.transactionId + " " + (10 + pool.thinUuids.size()) + "/4096 "
                + pool.thinUuids.size() * 16 + "/" + blocks + " - rw discard_passdown queue_if_no_space - 1024\n");
    }

    // ------------------------------------------------------------------ losetup, mkfs, mount

    private Result losetup(List<String> c) {
        switch (c.get(1)) {
            case "--find" -> {
                String dev = "/dev/loop" + nextLoop++;
                loops.put(dev, Path.of(c.getLast()));
                return ok(dev + "\n");
            }
            case "--noheadings" -> {
                Path file = Path.of(c.getLast());
                return ok(loops.entrySet().stream().filter(e -> e.getValue().equals(file)).map(e -> e.getKey() + "\n")
                        .reduce("", String::concat));
            }
            case "--detach" -> {
                String dev = c.getLast();
                if (!loops.containsKey(dev)) {
                    return fail("losetup: " + dev + ": detach failed: No such device or address");
                }
                boolean held = tables.values().stream().anyMatch(t -> t[2].equals("thin-pool") && (t[3].equals(dev) || t[4].equals(dev)));
                if (held) {
                    autoclear.add(dev); // the kernel's answer to a detach of a device still open
                } else {
                    loops.remove(dev);
                }
                return ok("");
            }
            default -> {
                return fail("the fake losetup has no " + c.get(1));
            }
        }
    }

    private Result mkfs(String dev) {
        String name = dev.substring("/dev/mapper/".length());
        if (!tables.containsKey(name)) {
            return fail("mkfs: The file " + dev + " does not exist");
        }
        pool(thinTable(dev)).thinUuids.put(thinId(dev), UUID.randomUUID().toString());
        return ok("");
    }

    private Result mount(List<String> c) throws IOException {
        String dev = c.get(c.size() - 2);
        Path dir = Path.of(c.getLast());
        if (!tables.containsKey(dev.substring("/dev/mapper/".length()))) {
            return fail("mount: " + dir + ": special device " + dev + " does not exist.");
        }
        if (!Files.isDirectory(dir) || mounts.containsKey(dir)) {
            return fail("mount: " + dir + ": mount point does not exist or is busy.");
        }
        mounts.put(dir, dev);
        return ok("");
    }

    /** The name of the pool an active thin device /dev/mapper/NAME is in. */
    private String thinTable(String dev) {
        return tables.get(dev.substring("/dev/mapper/".length()))[3].substring("/dev/mapper/".length());
    }

    private int thinId(String dev) {
        return Integer.parseInt(tables.get(dev.substring("/dev/mapper/".length()))[4]);
    }

    private PoolData pool(String poolName) {
        return poolData.get(loops.get(tables.get(poolName)[3]));
    }

    private static Result ok(String stdout) {
        return new Result(0, stdout, "");
    }

    private static Result fail(String stderr) {
        return new Result(1, "", stderr + "\n");
    }
}
