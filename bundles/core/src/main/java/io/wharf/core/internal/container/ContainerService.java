package io.wharf.core.internal.container;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.wharf.core.internal.container.logs.LogsOptions;
import io.wharf.core.internal.container.spec.ContainerSettings;
import io.wharf.core.internal.container.spec.OciSpec;
import io.wharf.core.internal.container.spec.Signals;
import io.wharf.core.internal.daemon.DaemonContext;
import io.wharf.core.internal.image.ImageChanges;
import io.wharf.core.internal.ids.StringIds;
import io.wharf.core.internal.image.ImageService;
import io.wharf.core.internal.image.ImageStore;
import io.wharf.core.internal.json.Json;
import io.wharf.core.internal.network.EndpointSettings;
import io.wharf.core.internal.network.NetworkController;
import io.wharf.core.internal.system.HostFacts;
import io.wharf.core.internal.volume.VolumeService;
import io.wharf.core.spi.errors.ApiException;
import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.NotFoundException;
import io.wharf.core.spi.errors.NotModifiedException;
import io.wharf.core.spi.errors.SystemException;
import io.wharf.core.spi.events.Event;
import io.wharf.core.spi.events.EventPublisher;
import io.wharf.core.spi.http.HijackedSession;
import io.wharf.core.spi.linux.Trees;
import io.wharf.core.spi.reference.Digest;
import io.wharf.core.spi.runtime.ContainerRuntime;
import io.wharf.core.spi.runtime.RestoredTask;
import io.wharf.core.spi.runtime.Stdio;
import io.wharf.core.spi.runtime.TaskExit;
import io.wharf.core.spi.runtime.TaskListener;
import io.wharf.core.spi.runtime.TaskProcess;

/**
 * The containers of the daemon (moby's daemon package for containers): create, start, stop,
 * remove and the rest, each container kept under {@code <data-root>/containers/<id>}; exits come
 * from the runtime's event stream and drive restart policies and auto-removal. At activation the
 * containers on disk are restored (running ones re-attached with --live-restore, else stopped);
 * at deactivation running containers are stopped unless --live-restore keeps them running.
 */
@Component(service = ContainerService.class)
public final class ContainerService implements TaskListener {

    private static final Logger LOG = LoggerFactory.getLogger(ContainerService.class);
    static final int DEFAULT_STOP_TIMEOUT = 10;
    private static final int SIGKILL = 9;
    /** How long a SIGKILL's exit is waited for (kill, rm -f) before the daemon goes on without it. */
    private static final Duration KILL_EXIT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration OOM_GRACE = Duration.ofMillis(200);
    private static final Duration LATE_OOM = Duration.ofSeconds(10);
    private static final Duration OUTPUT_DRAIN = Duration.ofSeconds(2);

    private final DaemonContext daemon;
    private final ImageService images;
    private final ContainerRuntime runtime;
    private final EventPublisher events;
    private final ContainerFiles files;
    private final ContainerNetworking networking;
    private final ContainerVolumes containerVolumes;
    private final ContainerSpecs specs;
    private final ContainerArchives archives;
    private final ContainerExecs execs;
    private final Path root;
    private final boolean liveRestore;
    private final ContainerNames names = new ContainerNames();
    private final Map<String, Container> containers = new ConcurrentHashMap<>();
    private final Map<String, Boolean> oomKilled = new ConcurrentHashMap<>();
    private final Map<String, Duration> restartDelays = new ConcurrentHashMap<>();
    private final ScheduledExecutorService restarts = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("container-restarts").factory());
    private volatile boolean stopping;

    @Activate
    public ContainerService(@Reference DaemonContext daemon, @Reference ImageService images,
            @Reference ContainerRuntime runtime, @Reference EventPublisher events, @Reference VolumeService volumes,
            @Reference NetworkController network) throws IOException {
        this.daemon = daemon;
        this.images = images;
        this.runtime = runtime;
        this.events = events;
        this.root = daemon.config().dataRoot().resolve("containers");
        this.liveRestore = daemon.config().bool("live-restore");
        this.files = new ContainerFiles();
        this.networking = new ContainerNetworking(network, this::find);
        this.containerVolumes = new ContainerVolumes(volumes);
        this.specs = ContainerSpecs.ofHost(daemon.config());
        this.archives = new ContainerArchives(images.containerLayers());
        this.execs = new ContainerExecs(this, runtime, images.containerLayers(), specs);
        Files.createDirectories(root);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        restore();
        images.imageUsers(this::usersOf);
    }

    // ---- lookup ----

    /** The container, or null when there is none of that id or name. */
    private Container find(String idOrName) {
        try {
            return get(idOrName);
        } catch (NotFoundException e) {
            return null;
        }
    }

    /** POST /networks/{id}/connect: the container joins the network (at once when it runs). */
    public void connect(Container c, String network, EndpointSettings settings) throws IOException {
        c.lifecycle().lock();
        try {
            networking.connect(c, network, settings == null ? EndpointSettings.empty() : settings);
            save(c);
        } finally {
            c.lifecycle().unlock();
        }
    }

    /** POST /networks/{id}/disconnect. */
    public void disconnect(Container c, String network) {
        c.lifecycle().lock();
        try {
            networking.disconnect(c, network);
            save(c);
        } finally {
            c.lifecycle().unlock();
        }
    }

    /** dockerd's GetContainer: a full id, then a name, then a unique id prefix. */
    public Container get(String idOrName) {
        Container c = containers.get(idOrName);
        if (c != null) {
            return c;
        }
        String byName = names.idOf(idOrName);
        if (byName != null && containers.containsKey(byName)) {
            return containers.get(byName);
        }
        if (!idOrName.isEmpty() && idOrName.matches("[0-9a-f]+")) {
            List<Container> matches = containers.values().stream().filter(x -> x.id().startsWith(idOrName)).toList();
            if (matches.size() > 1) {
                throw new InvalidParameterException("multiple IDs found with provided prefix: " + idOrName);
            }
            if (matches.size() == 1) {
                return matches.get(0);
            }
        }
        throw new NotFoundException("No such container: " + idOrName);
    }

    public Collection<Container> all() {
        return List.copyOf(containers.values());
    }

    public ImageService images() {
        return images;
    }

    public ContainerExecs execs() {
        return execs;
    }

    public ContainerRuntime runtime() {
        return runtime;
    }

    /** The containers that use an image (for docker rmi's conflicts). */
    private List<ImageService.ImageUser> usersOf(Digest imageId) {
        String id = imageId.toString();
        return containers.values().stream().filter(c -> c.image().equals(id))
                .map(c -> new ImageService.ImageUser(c.id(), c.state().running())).toList();
    }

    // ---- create ----

    /** POST /containers/create: answers the new container. */
    public Container create(String name, ContainerConfig requested, HostConfig host,
            Map<String, EndpointSettings> endpoints, List<String> warnings) throws IOException {
        if (requested == null || requested.image().isEmpty()) {
            throw new InvalidParameterException("Config cannot be empty in order to create a container");
        }
        ImageStore.Image image = images.resolve(requested.image());
        try {
            return create(name, image, requested, host, endpoints, warnings);
        } catch (NotFoundException e) {
            // docker run takes a 404 from create for a missing image and pulls it: anything else
            // missing (a network, a container to share with) is the request's mistake, as in dockerd.
            throw new InvalidParameterException(e.getMessage(), e);
        }
    }

    private Container create(String name, ImageStore.Image image, ContainerConfig requested, HostConfig host,
            Map<String, EndpointSettings> endpoints, List<String> warnings) throws IOException {
        ContainerConfig imageConfig = imageConfig(image);
        ContainerConfig config = requested.withImageDefaults(imageConfig, requested.image());
        ContainerSettings.requireCommand(config);
        HostConfig requestedHost = host == null ? Json.MAPPER.convertValue(Map.of(), HostConfig.class) : host;
        warnings.addAll(ContainerSettings.verify(config, requestedHost, specs.platform()));
        ContainerLogs.validate(requestedHost.logConfig());
        HostConfig hostConfig = ContainerSettings.adapt(requestedHost, specs.defaultShmSize());
        requireSharedContainers(hostConfig);
        Map<String, EndpointSettings> networks = networking.atCreate(hostConfig, endpoints);
        String id = StringIds.generate();
        List<VolumeMount> volumes = List.of();
        String reserved = name == null || name.isEmpty() ? names.generate(id) : names.reserve(name, id);
        try {
            if (config.hostname().isEmpty()) {
                config = config.withHostname(hostConfig.networkMode().equals("host") ? HostFacts.hostname() : id.substring(0, 12));
            }
            List<String> command = new ArrayList<>();
            if (config.entrypoint() != null) {
                command.addAll(config.entrypoint());
            }
            if (config.cmd() != null) {
                command.addAll(config.cmd());
            }
            Container c = new Container(id, root.resolve(id), Instant.now(), image.id().toString(),
                    images.storage().driver().name(), reserved, command.get(0), List.copyOf(command.subList(1, command.size())),
                    config, hostConfig, ContainerState.created());
            images.containerLayers().create(id, image.topChainId());
            ContainerVolumes.Registered registered = containerVolumes.register(id, config, hostConfig, this::get);
            volumes = registered.volumes();
            c.volumes(volumes);
            c.sharedBinds(registered.sharedBinds());
            c.networks(networks);
            c.save();
            containers.put(id, c);
            publish(c, "create", Map.of());
            return c;
        } catch (IOException | RuntimeException e) {
            containerVolumes.release(id, volumes, true);
            names.release(reserved);
            images.containerLayers().remove(id);
            Trees.delete(root.resolve(id));
            throw e;
        }
    }

    /** The containers whose PID or IPC namespace a new one shares, and its --link targets, exist (dockerd checks at create). */
    private void requireSharedContainers(HostConfig h) {
        for (String mode : new String[] {h.pidMode(), h.ipcMode()}) {
            if (mode != null && mode.startsWith("container:")) {
                get(mode.substring("container:".length()));
            }
        }
        for (String link : h.links() == null ? List.<String>of() : h.links()) {
            String target = ContainerNetworking.parseLink(link)[0];
            try {
                get(target);
            } catch (NotFoundException e) {
                throw new InvalidParameterException("could not get container for " + target + ": " + e.getMessage(), e);
            }
        }
    }

    private static ContainerConfig imageConfig(ImageStore.Image image) {
        JsonNode config = image.json().get("config");
        if (config == null || config.isNull()) {
            config = image.json().get("container_config");
        }
        return config == null || config.isNull() ? Json.MAPPER.convertValue(Map.of(), ContainerConfig.class)
                : Json.MAPPER.convertValue(config, ContainerConfig.class);
    }

    // ---- start ----

    /** POST /containers/{id}/start. */
    public void start(Container c) throws IOException {
        c.lifecycle().lock();
        try {
            ContainerState s = c.state();
            if (s.paused()) {
                throw new ConflictException("cannot start a paused container, try unpause instead");
            }
            if (s.running() && !s.restarting()) {
                throw new NotModifiedException("container already started");
            }
            if (c.removed() || s.status().equals("removing") || s.dead()) {
                throw new ConflictException("container is marked for removal and cannot be started");
            }
            c.manuallyStopped(false);
            try {
                run(c);
            } catch (IOException | RuntimeException e) {
                if (c.hostConfig().autoRemove()) {
                    // as dockerd: a --rm container that cannot start goes (the CLI waits for its removal)
                    try {
                        removeLocked(c, true, true);
                    } catch (IOException | RuntimeException removal) {
                        e.addSuppressed(removal);
                    }
                }
                throw e;
            }
        } finally {
            c.lifecycle().unlock();
        }
    }

    /** Starts the container's process; on failure it stays stopped with the runtime's error. */
    private void run(Container c) throws IOException {
        String id = c.id();
        Path rootfs = images.containerLayers().mount(id);
        boolean created = false;
        boolean volumesMounted = false;
        try {
            networking.attach(c);
            files.prepare(c, networking.hostsEntries(c));
            c.volumeSources(containerVolumes.mount(c, rootfs));
            volumesMounted = true;
            OciSpec spec = specs.spec(c, c.hostConfig(), rootfs, networking.namespace(c));
            c.process(spec.process());
            ContainerConfig cfg = c.config();
            TaskProcess process;
            try {
                runtime.create(id, spec.json());
                created = true;
                process = runtime.start(id, new Stdio(cfg.openStdin(), cfg.tty()));
            } catch (ApiException refusal) {
                throw InvalidStartException.of(c.path(), refusal);
            }
            ProcessStreams streams = new ProcessStreams(c.shortId(), process, cfg.tty(), ContainerLogs.open(c));
            c.takePendingAttachments().forEach(streams::adopt);
            streams.start();
            oomKilled.remove(id);
            synchronized (c) {
                c.streams(streams);
                c.markStarted();
                ContainerState running = c.state().runningAs(process.pid(), Instant.now());
                if (HealthMonitor.command(c.config()) != null && running.health() == null) {
                    running = running.withHealth(new ContainerState.Health("starting", 0, List.of()));
                }
                c.state(running);
                c.save();
                c.healthMonitor(HealthMonitor.start(c, execs::probe, this));
            }
            publish(c, "start", Map.of());
        } catch (IOException | RuntimeException e) {
            if (created) {
                runtime.delete(id);
            }
            if (volumesMounted) {
                containerVolumes.unmount(id, c.volumes());
            }
            networking.detach(c);
            images.containerLayers().unmount(id);
            c.takePendingAttachments().forEach(Attachment::end);
            synchronized (c) {
                int exitCode = e instanceof InvalidStartException invalid ? invalid.exitCode() : InvalidStartException.START_FAILED;
                c.state(c.state().failedToStart(e.getMessage(), exitCode));
                c.save();
            }
            throw e;
        }
    }

    // ---- exits ----

    @Override
    public void exited(String containerId, String processId, TaskExit exit) {
        Container c = containers.get(containerId);
        if (c == null) {
            return;
        }
        if (!processId.equals(containerId)) {
            execs.exited(c, processId, exit);
            return;
        }
        // Exits are handled off the event thread: releasing a container waits for its output.
        Thread.ofVirtual().name("exit-" + c.shortId()).start(() -> handleExit(c, exit));
    }

    @Override
    public void outOfMemory(String containerId) {
        Container c = containers.get(containerId);
        if (c == null) {
            return;
        }
        publish(c, "oom", Map.of());
        synchronized (c) {
            ContainerState s = c.state();
            // The shim reports OOM and exit from different threads: an OOM that comes after its exit
            // was recorded still marks that exit.
            if (!s.running() && !s.finishedAt().equals(ContainerState.NEVER)
                    && Duration.between(Instant.parse(s.finishedAt()), Instant.now()).compareTo(LATE_OOM) < 0) {
                c.state(s.exited(s.exitCode(), Instant.parse(s.finishedAt()), true));
                save(c);
                return;
            }
            oomKilled.put(containerId, true);
            c.notifyAll();
        }
    }

    /** Whether the exit was the OOM killer's; a SIGKILL exit waits a moment for an OOM event still on its way. */
    private boolean oomKilledBy(String id, TaskExit exit) {
        if (exit.exitCode() == 128 + SIGKILL && !oomKilled.containsKey(id)) {
            Container c = containers.get(id);
            long deadline = System.nanoTime() + OOM_GRACE.toNanos();
            synchronized (c) {
                while (!oomKilled.containsKey(id) && System.nanoTime() < deadline) {
                    try {
                        TimeUnit.NANOSECONDS.timedWait(c, deadline - System.nanoTime());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
        }
        return oomKilled.remove(id) != null;
    }

    private void handleExit(Container c, TaskExit reported) {
        String id = c.id();
        TaskExit exit = reported;
        try {
            exit = runtime.deleteTask(id).orElse(reported);
        } catch (RuntimeException e) {
            LOG.warn("deleting the task of container {}: {}", c.shortId(), e.getMessage());
        }
        c.healthMonitor(null);
        ProcessStreams streams = c.streams();
        awaitOutput(streams);
        release(c);
        boolean oom = oomKilledBy(id, exit);
        boolean restart;
        Duration runTime;
        synchronized (c) {
            if (c.removed()) {
                return;
            }
            ContainerState s = c.state();
            runTime = s.startedAt().equals(ContainerState.NEVER) ? Duration.ZERO
                    : Duration.between(Instant.parse(s.startedAt()), exit.exitedAt());
            restart = !stopping && RestartPolicies.shouldRestart(c.hostConfig().restartPolicy(), exit.exitCode(),
                    c.manuallyStopped(), c.restartCount());
            c.streams(null);
            c.exited(restart ? s.restartingAfter(exit.exitCode(), exit.exitedAt(), oom)
                    : s.exited(exit.exitCode(), exit.exitedAt(), oom));
            save(c);
            // Before whoever waits for the exit can go on: a stop's "stop" event follows its "die".
            publish(c, "die", Map.of("exitCode", Integer.toString(exit.exitCode())));
        }
        if (restart) {
            Duration delay = RestartPolicies.nextDelay(restartDelays.get(id), runTime);
            restartDelays.put(id, delay);
            restarts.schedule(() -> restartByPolicy(c), delay.toMillis(), TimeUnit.MILLISECONDS);
        } else {
            restartDelays.remove(id);
            if (c.hostConfig().autoRemove() && !stopping) {
                try {
                    remove(c, false, true);
                } catch (IOException | RuntimeException e) {
                    LOG.warn("auto-removing container {}: {}", c.shortId(), e.getMessage());
                }
            }
        }
    }

    private void restartByPolicy(Container c) {
        c.lifecycle().lock();
        try {
            synchronized (c) {
                if (c.removed() || !c.state().restarting() || c.manuallyStopped() || stopping) {
                    if (c.state().restarting()) {
                        c.state(c.state().exited(c.state().exitCode(), Instant.parse(c.state().finishedAt()), false));
                        save(c);
                    }
                    return;
                }
                c.restartCount(c.restartCount() + 1);
            }
            run(c);
            publish(c, "restart", Map.of());
        } catch (IOException | RuntimeException e) {
            LOG.warn("restarting container {} by its restart policy: {}", c.shortId(), e.getMessage());
        } finally {
            c.lifecycle().unlock();
        }
    }

    static void awaitOutput(ProcessStreams streams) {
        if (streams == null) {
            return;
        }
        try {
            if (!streams.awaitEnded(OUTPUT_DRAIN)) {
                LOG.debug("output still open {} after the process exited", OUTPUT_DRAIN);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Gives back what a run held: the runtime's container record and the root filesystem's mount. */
    private void release(Container c) {
        containerVolumes.unmount(c.id(), c.volumes());
        networking.detach(c);
        try {
            runtime.delete(c.id());
        } catch (NotFoundException e) {
            // already gone
        } catch (RuntimeException e) {
            LOG.warn("deleting container {} from the runtime: {}", c.shortId(), e.getMessage());
        }
        try {
            images.containerLayers().unmount(c.id());
        } catch (IOException e) {
            LOG.warn("unmounting the root filesystem of container {}: {}", c.shortId(), e.getMessage());
        }
    }

    private void unmountQuietly(Container c) {
        try {
            images.containerLayers().unmount(c.id());
        } catch (IOException e) {
            LOG.warn("unmounting the root filesystem of container {}: {}", c.shortId(), e.getMessage());
        }
    }

    // ---- stop, kill, restart, pause ----

    /** POST /containers/{id}/stop: the stop signal, then SIGKILL after the timeout. */
    public void stop(Container c, Integer timeoutSeconds, String signal) throws InterruptedException {
        ContainerState s = c.state();
        if (!s.running()) {
            throw new NotModifiedException("container already stopped");
        }
        c.manuallyStopped(true);
        save(c);
        if (s.restarting()) {
            // Waiting for its policy's next start: it stops where it is.
            synchronized (c) {
                c.state(s.exited(s.exitCode(), Instant.parse(s.finishedAt()), s.oomKilled()));
                save(c);
            }
            publish(c, "stop", Map.of());
            return;
        }
        int timeout = timeoutSeconds != null ? timeoutSeconds
                : c.config().stopTimeout() != null ? c.config().stopTimeout() : DEFAULT_STOP_TIMEOUT;
        int sig = Signals.parse(signal != null && !signal.isEmpty() ? signal : stopSignal(c));
        long exitsBefore = c.exits();
        if (c.state().paused()) {
            // A frozen process cannot act on its signal; dockerd thaws it after signalling.
            signalQuietly(c, sig);
            runtime.resume(c.id());
        } else {
            signalQuietly(c, sig);
        }
        if (!awaitExit(c, exitsBefore, timeout < 0 ? null : Duration.ofSeconds(timeout))) {
            LOG.info("container {} did not stop within {} s of signal {}; killing it", c.shortId(), timeout, sig);
            signalQuietly(c, SIGKILL);
            awaitExit(c, exitsBefore, null);
        }
        publish(c, "stop", Map.of());
    }

    private static String stopSignal(Container c) {
        String s = c.config().stopSignal();
        return s == null || s.isEmpty() ? "SIGTERM" : s;
    }

    /** Signals the container's process, with a kill event as dockerd has for each signal it sends. */
    private void signalQuietly(Container c, int signal) {
        try {
            runtime.signal(c.id(), c.id(), signal);
        } catch (NotFoundException e) {
            return; // it exited meanwhile
        }
        publish(c, "kill", Map.of("signal", Integer.toString(signal)));
    }

    /** Waits for the exit after {@code exitsBefore} (a null timeout waits for ever). */
    private static boolean awaitExit(Container c, long exitsBefore, Duration timeout) throws InterruptedException {
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        synchronized (c) {
            while (c.exits() == exitsBefore && !c.removed() && c.state().running() && !c.state().restarting()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(c, Math.min(left, TimeUnit.SECONDS.toNanos(1)));
            }
        }
        return true;
    }

    /**
     * POST /containers/{id}/kill. A SIGKILL returns once the exit is handled, as dockerd's does, so
     * that a {@code docker start} right after it starts the container again.
     */
    public void kill(Container c, int sig) throws InterruptedException {
        ContainerState s = c.state();
        if (!s.running() || s.restarting()) {
            throw new ConflictException("Container " + c.id() + " is not running");
        }
        c.manuallyStopped(true);
        save(c);
        long exitsBefore = c.exits();
        runtime.signal(c.id(), c.id(), sig);
        publish(c, "kill", Map.of("signal", Integer.toString(sig)));
        if (sig == SIGKILL && !awaitExit(c, exitsBefore, KILL_EXIT_TIMEOUT)) {
            LOG.warn("container {} has not exited {} s after SIGKILL", c.shortId(), KILL_EXIT_TIMEOUT.toSeconds());
        }
    }

    /** POST /containers/{id}/restart. */
    public void restart(Container c, Integer timeoutSeconds, String signal) throws IOException, InterruptedException {
        if (c.state().running()) {
            stop(c, timeoutSeconds, signal);
        }
        start(c);
        publish(c, "restart", Map.of());
    }

    public void pause(Container c) {
        ContainerState s = c.state();
        if (!s.running() || s.restarting()) {
            throw new ConflictException("Container " + c.id() + " is not running");
        }
        if (s.paused()) {
            throw new ConflictException("Container " + c.id() + " is already paused");
        }
        runtime.pause(c.id());
        synchronized (c) {
            c.state(c.state().paused(true));
            save(c);
        }
        publish(c, "pause", Map.of());
    }

    public void unpause(Container c) {
        if (!c.state().paused()) {
            throw new ConflictException("Container " + c.id() + " is not paused");
        }
        runtime.resume(c.id());
        synchronized (c) {
            c.state(c.state().paused(false));
            save(c);
        }
        publish(c, "unpause", Map.of());
    }

    // ---- wait ----

    /** POST /containers/{id}/wait: blocks as the condition says and answers the exit code. */
    public int await(Container c, String condition) throws InterruptedException {
        switch (condition == null || condition.isEmpty() ? "not-running" : condition) {
            case "not-running" -> c.await(x -> !x.state().running());
            case "next-exit" -> {
                long before = c.exits();
                c.await(x -> x.exits() > before);
            }
            case "removed" -> c.await(Container::removed);
            default -> throw new InvalidParameterException("invalid condition: \"" + condition + "\"");
        }
        return c.state().exitCode();
    }

    // ---- remove, rename, update ----

    /** DELETE /containers/{id}; with {@code volumes} (docker rm -v, --rm) its anonymous volumes go too. */
    public void remove(Container c, boolean force, boolean volumes) throws IOException {
        c.lifecycle().lock();
        try {
            removeLocked(c, force, volumes);
        } finally {
            c.lifecycle().unlock();
        }
    }

    private void removeLocked(Container c, boolean force, boolean removeVolumes) throws IOException {
        synchronized (c) {
            if (c.removed()) {
                return;
            }
            ContainerState s = c.state();
            if (s.status().equals("removing")) {
                throw new ConflictException("removal of container " + c.shortId() + " is already in progress");
            }
            if (s.running() && !force) {
                String state = s.paused() ? "paused" : s.restarting() ? "restarting" : "running";
                throw new ConflictException("You cannot remove a " + state + " container " + c.id()
                        + ". " + (s.paused() ? "Unpause and then stop" : "Stop") + " the container before attempting removal or force remove");
            }
            c.manuallyStopped(true);
        }
        if (c.state().running() && !c.state().restarting()) {
            long before = c.exits();
            if (c.state().paused()) {
                runtime.resume(c.id());
            }
            signalQuietly(c, SIGKILL);
            try {
                awaitExit(c, before, KILL_EXIT_TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SystemException("interrupted while killing container " + c.id(), e);
            }
        }
        synchronized (c) {
            // Saved, so that a daemon killed from here on finishes the removal when it starts again.
            c.state(c.state().removing());
            save(c);
        }
        try {
            images.containerLayers().remove(c.id());
        } catch (IOException e) {
            synchronized (c) {
                c.state(c.state().asDead());
                save(c);
            }
            throw new SystemException("unable to remove filesystem for " + c.id() + ": " + e.getMessage(), e);
        }
        containerVolumes.release(c.id(), c.volumes(), removeVolumes);
        Trees.delete(c.dir());
        containers.remove(c.id());
        names.release(c.name());
        restartDelays.remove(c.id());
        c.markRemoved();
        publish(c, "destroy", Map.of());
    }

    /** POST /containers/{id}/rename. */
    public void rename(Container c, String newName) {
        if (newName == null || newName.isEmpty()) {
            throw new InvalidParameterException("Neither old nor new names may be empty");
        }
        String old = c.name();
        String reserved;
        try {
            reserved = names.reserve(newName, c.id());
        } catch (ConflictException e) {
            throw new ConflictException("Error when allocating new name: " + e.getMessage(), e);
        } catch (InvalidParameterException e) {
            throw new InvalidParameterException("Error when allocating new name: " + e.getMessage(), e);
        }
        if (reserved.equals(old)) {
            throw new InvalidParameterException("Renaming a container with the same name as its current name");
        }
        c.rename(reserved);
        networking.controller().sandboxes().renamed(c.id(), reserved);
        try {
            c.save();
        } catch (IOException e) {
            c.rename(old);
            names.release(reserved);
            throw new SystemException("renaming container " + c.id() + ": " + e.getMessage(), e);
        }
        names.release(old);
        publish(c, "rename", Map.of("oldName", old));
    }

    /**
     * POST /containers/{id}/update: new resource limits (applied to the running task at once) and
     * restart policy; answers dockerd's warnings.
     */
    public List<String> update(Container c, JsonNode changes) {
        HostConfig updated;
        synchronized (c) {
            ObjectNode merged = Json.MAPPER.valueToTree(c.hostConfig());
            // A zero value means "not changed", as in moby's update; the RestartPolicy, given whole,
            // changes when it names a policy (the CLI sends an empty one with every other update).
            boolean newPolicy = !changes.path("RestartPolicy").path("Name").asText("").isEmpty();
            changes.fields().forEachRemaining(f -> {
                boolean zero = f.getValue().isNull() || f.getValue().isNumber() && f.getValue().asLong() == 0
                        || f.getValue().isTextual() && f.getValue().asText().isEmpty()
                        || f.getValue().isArray() && f.getValue().isEmpty();
                boolean change = f.getKey().equals("RestartPolicy") ? newPolicy : !zero;
                if (merged.has(f.getKey()) && change) {
                    merged.set(f.getKey(), f.getValue());
                }
            });
            updated = Json.fromRequest(merged, HostConfig.class);
            if (newPolicy && updated.autoRemove() && !updated.restartPolicy().isNone()) {
                throw new InvalidParameterException("Restart policy cannot be updated because AutoRemove is enabled for the container");
            }
            ContainerSettings.verify(c.config(), updated, specs.platform());
        }
        ContainerState s = c.state();
        if (s.running() && !s.restarting()) {
            try {
                runtime.update(c.id(), specs.resources(c, updated, images.containerLayers().mount(c.id())));
            } catch (IOException e) {
                throw new SystemException("updating container " + c.id() + ": " + e.getMessage(), e);
            } finally {
                unmountQuietly(c);
            }
        }
        synchronized (c) {
            c.hostConfig(updated);
            save(c);
        }
        publish(c, "update", Map.of());
        return List.of();
    }

    /** POST /commit: a new image of the container's changes, with its config and the given changes. */
    public ImageStore.Image commit(Container c, io.wharf.core.spi.reference.Reference ref, String author,
            String comment, List<String> changes, boolean pause, JsonNode overrides)
            throws IOException {
        boolean paused = false;
        if (pause && c.state().running() && !c.state().paused() && !c.state().restarting()) {
            runtime.pause(c.id());
            paused = true;
        }
        Path tmp = Files.createTempFile(daemon.config().dataRoot().resolve("tmp"), "commit-", ".tar");
        try {
            try (var out = Files.newOutputStream(tmp)) {
                images.containerLayers().diff(c.id(), out);
            }
            ObjectNode containerConfig = Json.MAPPER.valueToTree(c.config());
            ObjectNode config = containerConfig.deepCopy();
            if (overrides != null && overrides.isObject()) {
                overrides.fields().forEachRemaining(f -> {
                    if (!f.getValue().isNull()) {
                        config.set(f.getKey(), f.getValue());
                    }
                });
            }
            ImageChanges.apply(changes, config);
            ImageStore.Image parent = images.images().get(Digest.parse(c.image()))
                    .orElseThrow(() -> new NotFoundException("No such image: " + c.image()));
            ImageStore.Image image;
            try (var in = Files.newInputStream(tmp)) {
                image = images.commit(parent, in, config, c.id(), containerConfig, author, comment, ref);
            }
            publish(c, "commit", Map.of("comment", comment));
            return image;
        } finally {
            Files.deleteIfExists(tmp);
            if (paused) {
                runtime.resume(c.id());
            }
        }
    }

    /** GET /containers/{id}/logs: the container's log, followed while it runs when asked. */
    public void logs(Container c, LogsOptions options, OutputStream out)
            throws IOException, InterruptedException {
        ContainerLogs.copy(c, options, out);
    }

    /** HEAD /containers/{id}/archive: the path's stat, base64-encoded JSON. */
    public String statPath(Container c, String path) throws IOException {
        return archives.stat(c, path);
    }

    /** GET /containers/{id}/archive: a tar of the path; {@code headers} gets the stat before the body starts. */
    public void archive(Container c, String path, Consumer<String> headers,
            Supplier<OutputStream> body) throws IOException {
        archives.get(c, path, headers::accept, body::get);
    }

    /** PUT /containers/{id}/archive: unpacks a tar into the directory {@code path}. */
    public void extract(Container c, String path, InputStream tar) throws IOException {
        archives.put(c, path, tar);
    }

    // ---- exec ----

    /** SizeRw (what the container changed) and SizeRootFs (that plus its image's layers). */
    public long[] sizes(Container c) {
        long rw;
        try {
            rw = images.containerLayers().changesSize(c.id());
        } catch (IOException e) {
            rw = 0;
        }
        long image = images.images().get(Digest.parse(c.image())).map(images::size).orElse(0L);
        return new long[] {rw, rw + image};
    }

    /** POST /containers/{id}/resize. */
    public void resize(Container c, int height, int width) {
        if (!c.state().running() || c.state().restarting()) {
            throw new ConflictException("Container " + c.id() + " is not running");
        }
        runtime.resizeTerminal(c.id(), c.id(), width, height);
        publish(c, "resize", Map.of("height", Integer.toString(height), "width", Integer.toString(width)));
    }

    /**
     * POST /containers/{id}/attach: collects the output the client asked for from now on and
     * answers the session that hands it over (and its input to the container's stdin).
     */
    public HijackedSession attach(Container c, boolean stdin, boolean stdout, boolean stderr, String detachKeys,
            boolean logs, boolean stream) {
        byte[] keys = AttachSession.parseDetachKeys(detachKeys);
        publish(c, "attach", Map.of());
        HijackedSession live = stream ? liveAttach(c, stdin, stdout, stderr, keys) : null;
        if (!logs || (!stdout && !stderr)) {
            return live != null ? live : (in, out) -> { };
        }
        // logs=1: what the log holds first, then (with stream=1) what comes from now on.
        LogsOptions replay = new LogsOptions(stdout, stderr, false, null, null, false, -1, false);
        return (in, out) -> {
            try {
                ContainerLogs.copy(c, replay, out);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (live != null) {
                live.run(in, out);
            }
        };
    }

    private HijackedSession liveAttach(Container c, boolean stdin, boolean stdout, boolean stderr, byte[] keys) {
        ContainerState s = c.state();
        ProcessStreams streams = c.streams();
        if (streams == null) {
            if (s.running() && !s.restarting()) {
                throw new ConflictException("container " + c.id() + " has no streams to attach to");
            }
            // Attached before start (docker run, docker start -a): the streams are made at start.
            return pendingAttach(c, stdin, stdout, stderr, keys);
        }
        return session(c, streams.attach(stdout, stderr), stdin, keys);
    }

    private HijackedSession pendingAttach(Container c, boolean stdin, boolean stdout, boolean stderr, byte[] keys) {
        Attachment a = new Attachment(stdout, stderr, c.config().tty());
        c.addPendingAttachment(a);
        return session(c, a, stdin, keys);
    }

    private AttachSession session(Container c, Attachment output, boolean stdin, byte[] keys) {
        return new AttachSession(output, stdin && c.config().openStdin(), c.config().tty() ? keys : null,
                c.config().stdinOnce() ? p -> closeStdin(c.id(), c.id(), p) : null);
    }

    void closeStdin(String containerId, String processId, ProcessStreams streams) {
        streams.closeStdin();
        try {
            runtime.closeStdin(containerId, processId);
        } catch (RuntimeException e) {
            LOG.debug("closing stdin of {}: {}", processId, e.getMessage());
        }
    }

    // ---- restore and shutdown ----

    /** dockerd's restore: containers from disk, running ones re-attached or stopped. */
    private void restore() throws IOException {
        List<Container> loaded = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.toList()) {
                if (!Files.exists(dir.resolve(Container.CONFIG_FILE))) {
                    // A create that a killed daemon never finished (config.v2.json is written last).
                    LOG.info("removing container {}, whose creation did not finish", dir.getFileName());
                    Trees.delete(dir);
                    continue;
                }
                try {
                    Container c = Container.load(dir);
                    names.reserve(c.name(), c.id());
                    containers.put(c.id(), c);
                    loaded.add(c);
                } catch (IOException | RuntimeException e) {
                    LOG.error("failed to load container {}: {}", dir.getFileName(), e.toString());
                }
            }
        }
        images.containerLayers().removeAllBut(containers.keySet());
        // What a start cut short left in the runtime goes before the task events are subscribed to,
        // so that the exit of a task discarded here is not taken for its container's.
        for (Container c : loaded) {
            if (leftStopped(c.state())) {
                try {
                    runtime.discard(c.id());
                } catch (RuntimeException e) {
                    LOG.error("failed to discard the task of container {}: {}", c.shortId(), e.toString());
                }
            }
        }
        runtime.subscribe(this);
        for (Container c : loaded) {
            try {
                restore(c);
            } catch (IOException | RuntimeException e) {
                LOG.error("failed to restore container {}: {}", c.shortId(), e.toString());
            }
        }
        networking.controller().sandboxes().releaseLeftovers();
        for (Container c : loaded) {
            ContainerState s = c.state();
            if (!s.running() && RestartPolicies.shouldRestart(c.hostConfig().restartPolicy(), s.exitCode(),
                    c.manuallyStopped(), c.restartCount()) && c.startedBefore()) {
                restarts.execute(() -> {
                    c.lifecycle().lock();
                    try {
                        run(c);
                    } catch (IOException | RuntimeException e) {
                        LOG.warn("starting container {} by its restart policy: {}", c.shortId(), e.getMessage());
                    } finally {
                        c.lifecycle().unlock();
                    }
                });
            } else if (!s.running() && c.hostConfig().autoRemove()) {
                remove(c, true, true);
            }
        }
    }

    private void restore(Container c) throws IOException {
        ContainerState s = c.state();
        if (leftStopped(s)) {
            // a start the killed daemon did not finish may have mounted it
            releaseLeftoverRootfs(c);
            return;
        }
        if (s.status().equals("removing")) {
            LOG.info("container {} was being removed; finishing that", c.shortId());
            synchronized (c) {
                c.state(s.asDead());
            }
            remove(c, true, true);
            return;
        }
        ContainerConfig cfg = c.config();
        Optional<RestoredTask> task = s.restarting() ? Optional.empty()
                : runtime.restore(c.id(), new Stdio(cfg.openStdin(), cfg.tty()));
        if (task.isPresent() && task.get().status() != RestoredTask.Status.STOPPED) {
            // The mounts a run holds, counted again (the drivers find them still mounted).
            Path rootfs = images.containerLayers().mount(c.id());
            c.volumeSources(containerVolumes.mount(c, rootfs));
            ProcessStreams streams = new ProcessStreams(c.shortId(), task.get().process(), cfg.tty(), ContainerLogs.open(c))
                    .start();
            c.streams(streams);
            if (liveRestore) {
                networking.adopt(c);
                LOG.info("container {} is still running; re-attached", c.shortId());
                synchronized (c) {
                    c.state(new ContainerState(task.get().status() == RestoredTask.Status.PAUSED ? "paused" : "running",
                            true, task.get().status() == RestoredTask.Status.PAUSED, false, false, false,
                            task.get().process().pid(), 0, "", s.startedAt(), ContainerState.NEVER, s.health()));
                    save(c);
                }
                return;
            }
            // Without --live-restore a container that outlived the daemon is stopped now; its exit
            // event then lets the restart policy decide.
            LOG.info("container {} is still running without --live-restore; stopping it", c.shortId());
            synchronized (c) {
                c.state(c.state().runningAs(task.get().process().pid(), Instant.parse(s.startedAt())));
            }
            if (task.get().status() == RestoredTask.Status.PAUSED) {
                runtime.resume(c.id());
            }
            try {
                stopForShutdown(c);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        TaskExit exit = null;
        if (task.isPresent()) {
            exit = runtime.deleteTask(c.id()).orElse(null);
        }
        release(c);
        releaseLeftoverRootfs(c);
        synchronized (c) {
            // An exit that nobody saw (the daemon was down) is 255 when the runtime no longer knows it;
            // a container waiting for its policy's restart keeps the exit it had.
            ContainerState now = c.state();
            int code = exit != null ? exit.exitCode() : now.restarting() ? now.exitCode() : 255;
            c.exited(now.exited(code, exit == null ? Instant.now() : exit.exitedAt(), now.oomKilled()));
            save(c);
        }
    }

    /** Whether the container was saved as stopped, to stay so (not running, being removed or dead). */
    private static boolean leftStopped(ContainerState s) {
        return !s.running() && !s.status().equals("removing") && !s.dead();
    }

    /**
     * Unmounts the root filesystem an earlier run of the daemon left mounted, as dockerd's restore
     * mounts and unmounts that of every container it does not leave running: the driver takes a
     * mount it finds as its own, and gives it back.
     */
    private void releaseLeftoverRootfs(Container c) {
        try {
            images.containerLayers().mount(c.id());
            images.containerLayers().unmount(c.id());
        } catch (IOException e) {
            LOG.warn("unmounting the root filesystem of container {}: {}", c.shortId(), e.getMessage());
        }
    }

    private void stopForShutdown(Container c) throws InterruptedException {
        long before = c.exits();
        int timeout = c.config().stopTimeout() != null ? c.config().stopTimeout() : DEFAULT_STOP_TIMEOUT;
        signalQuietly(c, Signals.parse(stopSignal(c)));
        if (!awaitExit(c, before, Duration.ofSeconds(Math.max(0, timeout)))) {
            signalQuietly(c, SIGKILL);
            awaitExit(c, before, Duration.ofSeconds(10));
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        stopping = true;
        images.imageUsers(id -> List.of());
        restarts.shutdownNow();
        if (liveRestore) {
            LOG.info("--live-restore: leaving running containers running");
            return;
        }
        stopAll();
        removeEmptyCgroupParent(specs.platform().cgroupParent());
    }

    /** runc removes each container's cgroup but not their parent; an empty one goes with the daemon. */
    private static void removeEmptyCgroupParent(String parent) {
        Path cgroups = Path.of("/sys/fs/cgroup");
        String relative = parent.replaceFirst("^/+", "");
        List<Path> candidates = new ArrayList<>(List.of(cgroups.resolve(relative)));
        try (Stream<Path> controllers = Files.list(cgroups)) {
            controllers.forEach(c -> candidates.add(c.resolve(relative)));
        } catch (IOException e) {
            return;
        }
        for (Path dir : candidates) {
            try {
                if (Files.isDirectory(dir)) {
                    Files.delete(dir);
                }
            } catch (IOException e) {
                // still in use (another daemon's containers, or live-restored ones)
            }
        }
    }

    private void stopAll() throws InterruptedException {
        List<Thread> stops = new ArrayList<>();
        for (Container c : containers.values()) {
            if (c.state().running() && !c.state().restarting()) {
                stops.add(Thread.ofVirtual().start(() -> {
                    try {
                        if (c.state().paused()) {
                            runtime.resume(c.id());
                        }
                        stopForShutdown(c);
                    } catch (InterruptedException | RuntimeException e) {
                        LOG.warn("stopping container {}: {}", c.shortId(), e.toString());
                    }
                }));
            }
        }
        for (Thread t : stops) {
            t.join();
        }
    }

    // ---- helpers ----

    void save(Container c) {
        try {
            c.save();
        } catch (IOException e) {
            throw new SystemException("saving container " + c.id() + ": " + e.getMessage(), e);
        }
    }

    void publish(Container c, String action, Map<String, String> extra) {
        Map<String, String> attributes = new HashMap<>(c.config().labels());
        attributes.put("image", c.config().image());
        attributes.put("name", c.name().substring(1));
        attributes.putAll(extra);
        events.publish(Event.now("container", action, c.id(), attributes));
    }
}
