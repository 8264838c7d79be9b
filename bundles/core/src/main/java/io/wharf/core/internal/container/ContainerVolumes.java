package io.wharf.core.internal.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.container.spec.MountPoint;
import io.wharf.core.internal.container.spec.ScopedPath;
import io.wharf.core.internal.volume.VolumeService;
import io.wharf.core.spi.errors.ApiException;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.linux.Commands;
import io.wharf.core.spi.linux.Trees;

/**
 * The volumes of containers (moby's registerMountPoints and its mount and copy-up at start): named
 * volumes from -v and --mount are created when missing, -v /path and the image's VOLUMEs get
 * anonymous ones, each referenced by the container until it is removed.
 */
final class ContainerVolumes {

    private static final Logger LOG = LoggerFactory.getLogger(ContainerVolumes.class);
    private static final Duration DRIVER_WAIT = Duration.ofSeconds(10);
    private static final String COPYING = ".wharf-copy-up";
    private static final String COPIED = ".wharf-copied-up";

    private final VolumeService volumes;

    ContainerVolumes(VolumeService volumes) {
        this.volumes = volumes;
    }

    /** What a new container mounts besides its own binds and tmpfs: its volumes, and the binds --volumes-from gives it. */
    record Registered(List<VolumeMount> volumes, List<SharedBind> sharedBinds) {
    }

    /**
     * Creates (or finds) the container's volumes and takes a reference on each, and collects the
     * binds of the --volumes-from containers; on failure the references taken and the anonymous
     * volumes made are given back.
     */
    Registered register(String containerId, ContainerConfig config, HostConfig host,
            Function<String, Container> containers) throws IOException {
        List<VolumeMount> made = new ArrayList<>();
        List<SharedBind> binds = new ArrayList<>();
        try {
            List<String> userDestinations = new ArrayList<>();
            for (MountPoint mp : MountPoint.of(host)) {
                userDestinations.add(mp.destination());
                if (mp.type().equals(MountPoint.VOLUME)) {
                    made.add(volume(containerId, mp.source(), mp.destination(), mp.rw(), mp.volumeOptions(), host));
                }
            }
            if (host.tmpfs() != null) {
                userDestinations.addAll(host.tmpfs().keySet());
            }
            for (String from : host.volumesFrom() == null ? List.<String>of() : host.volumesFrom()) {
                for (VolumeMount shared : volumesFrom(containerId, from, containers)) {
                    if (!userDestinations.contains(shared.destination())) {
                        userDestinations.add(shared.destination());
                        made.add(shared);
                    }
                }
                for (SharedBind shared : bindsFrom(from, containers)) {
                    if (!userDestinations.contains(shared.destination())) {
                        userDestinations.add(shared.destination());
                        binds.add(shared);
                    }
                }
            }
            if (config.volumes() != null) {
                for (String destination : config.volumes().keySet()) {
                    if (!userDestinations.contains(MountPoint.clean(destination))) {
                        made.add(volume(containerId, "", MountPoint.clean(destination), true, null, host));
                    }
                }
            }
            return new Registered(made, binds);
        } catch (IOException | RuntimeException e) {
            release(containerId, made, true);
            throw e;
        }
    }

    /** --volumes-from "NAME[:ro|rw]": the other container's binds (its own and those it shares) at the same destinations. */
    private static List<SharedBind> bindsFrom(String spec, Function<String, Container> containers) {
        int colon = spec.lastIndexOf(':');
        String mode = colon < 0 ? "" : spec.substring(colon + 1);
        Container source = containers.apply(colon < 0 ? spec : spec.substring(0, colon));
        List<SharedBind> out = new ArrayList<>();
        for (MountPoint mp : MountPoint.of(source.hostConfig())) {
            if (mp.type().equals(MountPoint.BIND)) {
                out.add(new SharedBind(mp.source(), mp.destination(), mode.isEmpty() ? mp.rw() : mode.equals("rw")));
            }
        }
        for (SharedBind b : source.sharedBinds()) {
            out.add(new SharedBind(b.source(), b.destination(), mode.isEmpty() ? b.rw() : mode.equals("rw")));
        }
        return out;
    }

    /**
     * --volumes-from "NAME[:ro|rw]": the other container's volumes at the same destinations,
     * read-only with ":ro" (else as it has them), referenced by this container too.
     */
    private List<VolumeMount> volumesFrom(String containerId, String spec, Function<String, Container> containers)
            throws IOException {
        int colon = spec.lastIndexOf(':');
        String mode = colon < 0 ? "" : spec.substring(colon + 1);
        if (!mode.isEmpty() && !mode.equals("ro") && !mode.equals("rw")) {
            throw new InvalidParameterException("invalid mode: " + mode);
        }
        Container source = containers.apply(colon < 0 ? spec : spec.substring(0, colon));
        List<VolumeMount> out = new ArrayList<>();
        for (VolumeMount vm : source.volumes()) {
            boolean rw = mode.isEmpty() ? vm.rw() : mode.equals("rw");
            volumes.acquire(vm.name(), containerId);
            out.add(new VolumeMount(vm.name(), vm.driver(), vm.source(), vm.destination(), rw, vm.anonymous(), false));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private VolumeMount volume(String containerId, String name, String destination, boolean rw,
            Map<String, Object> options, HostConfig host) throws IOException {
        Map<String, Object> opts = options == null ? Map.of() : options;
        Map<String, Object> driverConfig = (Map<String, Object>) opts.getOrDefault("DriverConfig", Map.of());
        String driver = driverConfig != null && driverConfig.get("Name") instanceof String n && !n.isEmpty() ? n
                : host.volumeDriver();
        Map<String, String> driverOptions = driverConfig != null && driverConfig.get("Options") instanceof Map<?, ?> o
                ? (Map<String, String>) o : Map.of();
        Map<String, String> labels = opts.get("Labels") instanceof Map<?, ?> l ? (Map<String, String>) l : Map.of();
        VolumeService.View v = volumes.create(name, driver, driverOptions, labels);
        volumes.acquire(v.name(), containerId);
        boolean noCopy = Boolean.TRUE.equals(opts.get("NoCopy"));
        return new VolumeMount(v.name(), v.driver(), v.mountpoint(), destination, rw, v.anonymous(), !noCopy);
    }

    /**
     * Mounts the volumes for a start and answers their host directories by destination; the
     * image's content at a destination is copied into a volume still empty on its first start.
     */
    Map<String, String> mount(Container c, Path rootfs) throws IOException {
        Map<String, String> sources = new LinkedHashMap<>();
        List<VolumeMount> mounted = new ArrayList<>();
        try {
            for (SharedBind b : c.sharedBinds()) {
                sources.put(b.destination(), b.source());
            }
            for (VolumeMount vm : c.volumes()) {
                awaitDriver(vm.driver());
                String path = volumes.mount(vm.name(), c.id());
                mounted.add(vm);
                sources.put(vm.destination(), path);
                if (vm.copyData()) {
                    copyUp(rootfs, vm.destination(), Path.of(path));
                    c.volumeCopied(vm);
                }
            }
            return sources;
        } catch (IOException | RuntimeException e) {
            unmount(c.id(), mounted);
            throw e;
        }
    }

    /**
     * Waits a moment for a volume driver that is not there (yet): at start-up the driver bundles
     * may still be activating while containers are restored. A driver that stays away is the
     * mount's own "not available" error.
     */
    private void awaitDriver(String driver) {
        long deadline = System.nanoTime() + DRIVER_WAIT.toNanos();
        while (!volumes.hasDriver(driver) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Unmounts the container's volumes after a run. */
    void unmount(String containerId, List<VolumeMount> mounts) {
        for (VolumeMount vm : mounts) {
            try {
                volumes.unmount(vm.name(), containerId);
            } catch (IOException | ApiException e) {
                LOG.warn("unmounting volume {} of container {}: {}", vm.name(), containerId, e.getMessage());
            }
        }
    }

    /** Gives back the container's references; with {@code removeAnonymous} its anonymous volumes go too. */
    void release(String containerId, List<VolumeMount> mounts, boolean removeAnonymous) {
        for (VolumeMount vm : mounts) {
            try {
                volumes.release(vm.name(), containerId);
                if (removeAnonymous && vm.anonymous() && volumes.references(vm.name()).isEmpty()) {
                    volumes.remove(vm.name(), false);
                }
            } catch (IOException | ApiException e) {
                LOG.warn("releasing volume {} of container {}: {}", vm.name(), containerId, e.getMessage());
            }
        }
    }

    /**
     * The image's files at the destination, with owners and modes, into a volume that is still
     * empty (moby's copyExistingContents). They are copied into {@value #COPYING} in the volume,
     * which is renamed {@value #COPIED} when whole and then emptied into the volume, so that a
     * daemon killed during a copy never takes a part of it for the whole: the next start deletes a
     * {@value #COPYING} and copies again, or finishes moving a {@value #COPIED} in.
     */
    private static void copyUp(Path rootfs, String destination, Path volume) throws IOException {
        Path source = ScopedPath.resolve(rootfs, destination);
        Path copying = volume.resolve(COPYING);
        Path copied = volume.resolve(COPIED);
        Trees.delete(copying);
        if (!Files.exists(copied, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS) || !isEmpty(volume)) {
                return;
            }
            Files.createDirectory(copying);
            // cp dies with the daemon (Pdeathsig), so that no copy outlives it to write on beside the next one.
            Commands.run("setpriv", "--pdeathsig", "KILL", "--", "cp", "-a", source + "/.", copying.toString());
            Files.move(copying, copied, StandardCopyOption.ATOMIC_MOVE);
        }
        try (Stream<Path> entries = Files.list(copied)) {
            for (Path entry : entries.toList()) {
                Files.move(entry, volume.resolve(entry.getFileName()), StandardCopyOption.ATOMIC_MOVE);
            }
        }
        // the volume's root as the image's directory, as cp -a made the copy's (moby's copyOwnership)
        for (String attribute : List.of("unix:uid", "unix:gid", "unix:mode")) {
            Files.setAttribute(volume, attribute, Files.getAttribute(copied, attribute, LinkOption.NOFOLLOW_LINKS));
        }
        Files.delete(copied);
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}
