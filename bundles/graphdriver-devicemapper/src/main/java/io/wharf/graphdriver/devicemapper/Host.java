package io.wharf.graphdriver.devicemapper;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The host tools the driver runs: dmsetup, losetup, mkfs, blkid, mount, umount. Device-mapper is
 * driven through dmsetup rather than libdevmapper: Java has no libdevmapper binding, and dmsetup
 * issues the same ioctls on /dev/mapper/control (with udev synchronisation done for us). Tests put
 * a simulation of these tools in its place.
 */
interface Host {

    /** What a finished command printed, and how it exited. */
    record Result(int exitCode, String stdout, String stderr) {
    }

    /** Runs {@code command} to completion. */
    Result exec(String... command) throws IOException;

    /** Whether {@code dir} is a mount point now. */
    boolean isMountPoint(Path dir) throws IOException;

    /** Runs {@code command}; a non-zero exit is an IOException carrying the command and what it printed. */
    default String run(String... command) throws IOException {
        Result r = exec(command);
        if (r.exitCode() != 0) {
            throw new IOException(String.join(" ", command) + ": " + (r.stderr() + r.stdout()).trim());
        }
        return r.stdout();
    }
}
