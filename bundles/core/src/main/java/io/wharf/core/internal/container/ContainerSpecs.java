package io.wharf.core.internal.container;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.wharf.core.internal.config.DaemonConfig;
import io.wharf.core.internal.container.spec.ContainerSettings;
import io.wharf.core.internal.container.spec.ExecInput;
import io.wharf.core.internal.container.spec.OciSpec;
import io.wharf.core.internal.container.spec.OciSpecBuilder;
import io.wharf.core.internal.container.spec.SpecInput;
import io.wharf.core.internal.container.spec.SpecPlatform;
import io.wharf.core.internal.units.Sizes;
import io.wharf.core.internal.json.Json;
import io.wharf.core.spi.linux.Commands;

/**
 * The OCI specs of the daemon's containers: the container's at each start, an exec's process (on
 * the container's), the resources of docker update; all from the container's current settings.
 */
final class ContainerSpecs {

    /** The cgroup every container's cgroup is made under unless --cgroup-parent or the container names another. */
    static final String CGROUP_PARENT = "/wharf";
    /**
     * Debian's tini package installs tini-static; its docker.io package only adds the symlink
     * docker-init to it. A static binary, since it is bind-mounted into containers of any libc.
     */
    private static final Path DEBIAN_TINI = Path.of("/usr/bin/tini-static");

    private final SpecPlatform platform;
    private final OciSpecBuilder builder;
    private final long defaultShmSize;

    ContainerSpecs(SpecPlatform platform, long defaultShmSize) {
        this.platform = platform;
        this.builder = new OciSpecBuilder(platform);
        this.defaultShmSize = defaultShmSize;
    }

    /**
     * The specs of a daemon with these settings: --cgroup-parent (default /wharf), --init and
     * --init-path, --no-new-privileges, --default-ulimit, --default-shm-size.
     */
    static ContainerSpecs ofHost(DaemonConfig config) {
        String parent = config.string("cgroup-parent");
        String init = config.string("init-path");
        List<HostConfig.Ulimit> ulimits = config.list("default-ulimits").stream().map(ContainerSettings::parseUlimit).toList();
        return new ContainerSpecs(SpecPlatform.ofHost(parent.isEmpty() ? CGROUP_PARENT : parent,
                init.isEmpty() ? defaultInitBinary() : Path.of(init), config.bool("init"), config.bool("no-new-privileges"),
                ulimits), Sizes.parse(config.string("default-shm-size"), Sizes.BINARY));
    }

    /**
     * dockerd's default init: docker-init looked up in PATH; failing that, the tini it links to.
     * Null when neither is there, so that a container asking for an init gets dockerd's error.
     */
    private static Path defaultInitBinary() {
        return Commands.lookPath("docker-init", List.of())
                .orElse(Files.isExecutable(DEBIAN_TINI) ? DEBIAN_TINI : null);
    }

    /** --default-shm-size: the /dev/shm of containers that do not set their own. */
    long defaultShmSize() {
        return defaultShmSize;
    }

    SpecPlatform platform() {
        return platform;
    }

    /**
     * The container's spec for a start, its root file system mounted at {@code rootfs}, joining
     * {@code networkNamespace} (null: a namespace of its own, or the host's with --network host).
     */
    OciSpec spec(Container c, HostConfig host, Path rootfs, String networkNamespace) {
        return builder.build(new SpecInput(c.id(), c.config(), host, rootfs, c.file("hostname"), c.file("hosts"),
                c.file("resolv.conf"), null, networkNamespace, null, null, c.volumeSources(), readOnly(c)));
    }

    private static Set<String> readOnly(Container c) {
        Set<String> out = new HashSet<>();
        for (VolumeMount vm : c.volumes()) {
            if (!vm.rw()) {
                out.add(vm.destination());
            }
        }
        for (SharedBind b : c.sharedBinds()) {
            if (!b.rw()) {
                out.add(b.destination());
            }
        }
        return out;
    }

    /** An exec's OCI process, as JSON. */
    byte[] execProcess(Container c, Exec e, Path rootfs) {
        // The process the container's run started with; a run restored from disk has it built once.
        OciSpec.Process container = c.process();
        if (container == null) {
            container = spec(c, c.hostConfig(), rootfs, null).process();
            c.process(container);
        }
        Exec.Request r = e.request;
        return builder.execProcess(new ExecInput(container, c.config(), c.hostConfig(), rootfs, r.cmd(),
                r.env() == null ? List.of() : r.env(), r.user(), r.workingDir(), r.tty(), r.privileged())).json();
    }

    /** The linux.resources of {@code host}, as JSON, for a running container's update. */
    byte[] resources(Container c, HostConfig host, Path rootfs) {
        return Json.bytes(spec(c, host, rootfs, null).linux().resources());
    }
}
