package io.wharf.e2e;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A filesystem made for a test in a sparse image file and attached to a loop device, not mounted:
 * for what the test mounts through the daemon. Closing it detaches the device and deletes the image.
 */
final class LoopDevice implements AutoCloseable {

    private final Path image;
    private final String device;

    private LoopDevice(Path image, String device) {
        this.image = image;
        this.device = device;
    }

    static LoopDevice attach(Path image, String type, int megabytes) throws Exception {
        LoopFilesystem.format(image, type, megabytes);
        return new LoopDevice(image, LoopFilesystem.run("losetup", "--find", "--show", image.toString()).trim());
    }

    /** The device's path, /dev/loopN. */
    String device() {
        return device;
    }

    @Override
    public void close() throws Exception {
        LoopFilesystem.run("losetup", "--detach", device);
        Files.deleteIfExists(image);
    }
}
