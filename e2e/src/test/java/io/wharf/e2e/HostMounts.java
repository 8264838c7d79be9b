package io.wharf.e2e;

import java.nio.file.Files;
import java.nio.file.Path;

/** The host's mount table as the tests look at it. */
final class HostMounts {

    private HostMounts() {
    }

    /** How many mounts are stacked on {@code p} (0 when it is no mount point). */
    static long at(Path p) throws Exception {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.split(" ")[4].equals(p.toString())).count();
    }
}
