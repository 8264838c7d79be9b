package io.wharf.graphdriver.devicemapper;

import java.io.IOException;
import java.util.List;

/**
 * The device-mapper operations the driver needs, as dmsetup command lines, and the tables and
 * thin-pool messages they carry (the kernel's Documentation/admin-guide/device-mapper/thin-provisioning).
 */
final class Dmsetup {

    /** What dmsetup prints when asked about a device that is not there. */
    private static final String NO_DEVICE = "Device does not exist";

    /**
     * The pool's low water mark in blocks, and its feature: new blocks are not zeroed, since every
     * layer's filesystem is made by mkfs or is a snapshot (both as dockerd's pools).
     */
    private static final String POOL_FEATURES = "32768 1 skip_block_zeroing";

    private final Host host;

    Dmsetup(Host host) {
        this.host = host;
    }

    static String devPath(String name) {
        return "/dev/mapper/" + name;
    }

    /** A thin-pool target over {@code sectors} of {@code dataDevice}, with its metadata on {@code metadataDevice}. */
    static String thinPoolTable(long sectors, String metadataDevice, String dataDevice, long blockSectors) {
        return "0 " + sectors + " thin-pool " + metadataDevice + " " + dataDevice + " " + blockSectors + " " + POOL_FEATURES;
    }

    /** A thin target: thin device {@code deviceId} of {@code pool}, {@code bytes} long. */
    static String thinTable(long bytes, String pool, int deviceId) {
        return "0 " + (bytes >> 9) + " thin " + devPath(pool) + " " + deviceId;
    }

    static String createThinMessage(int deviceId) {
        return "create_thin " + deviceId;
    }

    static String createSnapMessage(int deviceId, int originId) {
        return "create_snap " + deviceId + " " + originId;
    }

    static String deleteMessage(int deviceId) {
        return "delete " + deviceId;
    }

    static String setTransactionIdMessage(long current, long next) {
        return "set_transaction_id " + current + " " + next;
    }

    /** Whether device {@code name} exists (active or not). */
    boolean exists(String name) throws IOException {
        Host.Result r = host.exec("dmsetup", "info", "-c", "--noheadings", "-o", "name", name);
        if (r.exitCode() == 0) {
            return true;
        }
        if (r.stderr().contains(NO_DEVICE) || r.stdout().contains(NO_DEVICE)) {
            return false;
        }
        throw new IOException("dmsetup info " + name + ": " + (r.stderr() + r.stdout()).trim());
    }

    /** How many times device {@code name} is open (mounted, held by another target, ...). */
    int openCount(String name) throws IOException {
        return Integer.parseInt(host.run("dmsetup", "info", "-c", "--noheadings", "-o", "open", name).trim());
    }

    void create(String name, String table) throws IOException {
        host.run("dmsetup", "create", name, "--table", table);
    }

    /** Removes an active device; dmsetup retries a while if it is briefly busy (udev, a lazy unmount). */
    void remove(String name) throws IOException {
        host.run("dmsetup", "remove", "--retry", name);
    }

    void suspend(String name) throws IOException {
        host.run("dmsetup", "suspend", name);
    }

    void resume(String name) throws IOException {
        host.run("dmsetup", "resume", name);
    }

    /** Sends {@code message} to sector 0 of {@code name} (thin-pool messages). */
    void message(String name, String message) throws IOException {
        host.run("dmsetup", "message", name, "0", message);
    }

    /** The status line of a one-target device: "start length type params...". */
    String[] status(String name) throws IOException {
        return host.run("dmsetup", "status", name).trim().split("\\s+");
    }

    /** The table line of a one-target device: "start length type args...". */
    String[] table(String name) throws IOException {
        return host.run("dmsetup", "table", name).trim().split("\\s+");
    }

    /** The names of the devices whose table holds a {@code target} target (thin, thin-pool, ...). */
    List<String> list(String target) throws IOException {
        String out = host.run("dmsetup", "ls", "--target", target);
        if (out.trim().equals("No devices found")) {
            return List.of();
        }
        return out.lines().map(String::trim).filter(l -> !l.isEmpty()).map(l -> l.split("\\s+")[0]).toList();
    }

    /** libdevmapper's version as dmsetup reports it, e.g. "1.02.185 (2022-05-18)". */
    String libraryVersion() throws IOException {
        return versionLine("Library version:");
    }

    /**
     * The kernel driver's version, e.g. "4.48.0"; dmsetup fails when it cannot open
     * /dev/mapper/control or the kernel does not answer.
     */
    String driverVersion() throws IOException {
        return versionLine("Driver version:");
    }

    private String versionLine(String label) throws IOException {
        for (String line : host.run("dmsetup", "version").split("\n")) {
            if (line.startsWith(label)) {
                return line.substring(label.length()).trim();
            }
        }
        throw new IOException("dmsetup version printed no '" + label + "'");
    }
}
