package io.wharf.graphdriver.devicemapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.wharf.core.spi.graphdriver.GraphDriver;
import io.wharf.core.spi.graphdriver.LayerIds;
import io.wharf.core.spi.linux.Trees;

/**
 * moby's devicemapper driver over a {@link DeviceSet}: a layer is a thin device, mounted while it
 * is in use on home/mnt/ID, and its content is the rootfs directory of that filesystem. Mounts are
 * reference counted. There is no native diff: the core's naive diff compares mounted layers.
 */
final class DeviceMapperDriver implements GraphDriver {

    private final Path mnt;
    private final DeviceSet devices;
    private final Host host;
    private final Map<String, Integer> mountCounts = new HashMap<>();

    DeviceMapperDriver(Path home, DeviceSet devices, Host host) {
        this.mnt = home.resolve("mnt");
        this.devices = devices;
        this.host = host;
    }

    @Override
    public String name() {
        return "devicemapper";
    }

    @Override
    public void create(String id, String parent) throws IOException {
        devices.addDevice(check(id), parent == null ? "" : check(parent));
    }

    @Override
    public void createReadWrite(String id, String parent) throws IOException {
        create(id, parent);
    }

    @Override
    public synchronized void remove(String id) throws IOException {
        if (!devices.has(check(id))) {
            return; // as moby: removing what is gone lets a container's removal go on
        }
        Path mountPoint = mnt.resolve(id);
        if (mountCounts.remove(id) != null || host.isMountPoint(mountPoint)) {
            devices.unmount(id, mountPoint);
        }
        devices.deleteDevice(id);
        Trees.delete(mountPoint);
    }

    @Override
    public synchronized Path get(String id) throws IOException {
        Path mountPoint = mnt.resolve(check(id));
        Path rootfs = mountPoint.resolve("rootfs");
        int count = mountCounts.getOrDefault(id, 0);
        if (count > 0) {
            mountCounts.put(id, count + 1);
            return rootfs;
        }
        if (!devices.has(id)) {
            throw new IOException("devmapper: no layer " + id);
        }
        createDirectory(mnt);
        createDirectory(mountPoint);
        // Mounted by an earlier run of the daemon (killed, or leaving live-restored containers
        // running): that mount is used, not stacked over.
        if (!host.isMountPoint(mountPoint)) {
            devices.mount(id, mountPoint);
        }
        try {
            createDirectory(rootfs);
        } catch (IOException e) {
            devices.unmount(id, mountPoint);
            throw e;
        }
        mountCounts.put(id, 1);
        return rootfs;
    }

    @Override
    public synchronized void put(String id) throws IOException {
        Integer count = mountCounts.get(check(id));
        if (count == null) {
            return;
        }
        if (count > 1) {
            mountCounts.put(id, count - 1);
            return;
        }
        mountCounts.remove(id);
        devices.unmount(id, mnt.resolve(id));
    }

    @Override
    public boolean exists(String id) {
        return devices.has(check(id));
    }

    @Override
    public List<Map.Entry<String, String>> status() {
        return devices.status();
    }

    /** GraphDriver.Data of `docker inspect`, as dockerd gives it for devicemapper. */
    @Override
    public Map<String, String> metadata(String id) throws IOException {
        Device d = devices.lookup(check(id));
        Map<String, String> m = new LinkedHashMap<>();
        m.put("DeviceId", Integer.toString(d.deviceId()));
        m.put("DeviceSize", Long.toString(d.size()));
        m.put("DeviceName", d.name(devices.prefix()));
        return m;
    }

    /**
     * Unmounts every layer (this run's, and any an earlier run left mounted), then shuts the device
     * set down. A layer that cannot be released does not keep the others mounted: the first failure
     * is thrown at the end, with the others suppressed in it.
     */
    @Override
    public synchronized void cleanup() throws IOException {
        mountCounts.clear();
        IOException failure = null;
        if (Files.isDirectory(mnt)) {
            try (Stream<Path> dirs = Files.list(mnt)) {
                for (Path mountPoint : dirs.toList()) {
                    String id = mountPoint.getFileName().toString();
                    try {
                        if (host.isMountPoint(mountPoint) && devices.has(id)) {
                            devices.unmount(id, mountPoint);
                        }
                    } catch (IOException e) {
                        failure = first(failure, e);
                    }
                }
            }
        }
        try {
            devices.shutdown();
        } catch (IOException e) {
            failure = first(failure, e);
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static IOException first(IOException failure, IOException e) {
        if (failure == null) {
            return e;
        }
        failure.addSuppressed(e);
        return failure;
    }

    private static String check(String id) {
        return LayerIds.check("devicemapper", id);
    }

    /** A directory of mode 0755, whatever the umask, as moby makes the mount points and rootfs. */
    private static void createDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectory(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}
