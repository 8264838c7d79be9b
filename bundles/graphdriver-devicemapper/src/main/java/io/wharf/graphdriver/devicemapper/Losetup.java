package io.wharf.graphdriver.devicemapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Loop devices over loop-lvm's sparse files, through util-linux losetup. */
final class Losetup {

    private final Host host;

    Losetup(Host host) {
        this.host = host;
    }

    /** Attaches {@code file} to a free loop device and returns that device, e.g. /dev/loop0. */
    String attach(Path file) throws IOException {
        return host.run("losetup", "--find", "--show", file.toString()).trim();
    }

    /** The loop devices {@code file} is attached to now. */
    List<String> attachedTo(Path file) throws IOException {
        return host.run("losetup", "--noheadings", "--output", "NAME", "--associated", file.toString()).lines()
                .map(String::trim).filter(l -> !l.isEmpty()).toList();
    }

    /**
     * Detaches {@code device}. While another device (the thin pool) holds it open, the kernel only
     * marks it to detach itself when the last holder lets go, which is what the pool wants.
     */
    void detach(String device) throws IOException {
        host.run("losetup", "--detach", device);
    }
}
