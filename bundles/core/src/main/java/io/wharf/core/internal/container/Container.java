package io.wharf.core.internal.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

import io.wharf.core.internal.container.spec.OciSpec;
import io.wharf.core.internal.fs.AtomicFiles;
import io.wharf.core.internal.json.Json;
import io.wharf.core.internal.network.EndpointSettings;
import io.wharf.core.internal.network.SandboxState;

/**
 * One container: what config.v2.json and hostconfig.json keep, plus what exists only while the
 * daemon runs (its streams, its execs). Every change of state is written to disk before it is
 * visible, and wakes those who wait on the container.
 */
public final class Container {

    static final String CONFIG_FILE = "config.v2.json";
    static final String HOST_CONFIG_FILE = "hostconfig.json";

    private final String id;
    private final Path dir;
    private final Instant created;
    private final String image;
    private final String driver;
    private String name; // guarded by this
    private String path; // guarded by this
    private List<String> args; // guarded by this
    private ContainerConfig config; // guarded by this
    private HostConfig hostConfig; // guarded by this
    private ContainerState state; // guarded by this
    private int restartCount; // guarded by this
    private boolean startedBefore; // guarded by this
    private boolean manuallyStopped; // guarded by this
    private List<VolumeMount> volumes = List.of(); // guarded by this
    private List<SharedBind> sharedBinds = List.of(); // guarded by this
    private Map<String, EndpointSettings> networks = Map.of(); // guarded by this: by network name
    private SandboxState sandbox; // guarded by this: the current run's networking, or null
    private Map<String, String> volumeSources = Map.of(); // guarded by this: the current run's, by destination
    private OciSpec.Process process; // guarded by this: the current run's, which execs start from
    private long exits; // guarded by this: counts exits, for wait's next-exit
    private boolean removed; // guarded by this
    private ProcessStreams streams; // guarded by this: the current run's, or null
    private HealthMonitor healthMonitor; // guarded by this: the current run's, or null
    private final Map<String, Exec> execs = new ConcurrentHashMap<>();
    /** Held by start, restart and remove, so that two of them never run at once on one container. */
    private final ReentrantLock lifecycle = new ReentrantLock();
    private final List<Attachment> pendingAttachments = new ArrayList<>(); // guarded by this

    Container(String id, Path dir, Instant created, String image, String driver, String name, String path,
            List<String> args, ContainerConfig config, HostConfig hostConfig, ContainerState state) {
        this.id = id;
        this.dir = dir;
        this.created = created;
        this.image = image;
        this.driver = driver;
        this.name = name;
        this.path = path;
        this.args = args;
        this.config = config;
        this.hostConfig = hostConfig;
        this.state = state;
    }

    /** Reads a container back from its directory. */
    static Container load(Path dir) throws IOException {
        ContainerRecord r = Json.MAPPER.readValue(dir.resolve(CONFIG_FILE).toFile(), ContainerRecord.class);
        HostConfig host = Json.MAPPER.readValue(dir.resolve(HOST_CONFIG_FILE).toFile(), HostConfig.class);
        Container c = new Container(r.id(), dir, Instant.parse(r.created()), r.image(), r.driver(), r.name(), r.path(),
                r.args(), r.config(), host, r.state());
        c.restartCount = r.restartCount();
        c.startedBefore = r.hasBeenStartedBefore();
        c.manuallyStopped = r.hasBeenManuallyStopped();
        c.volumes = r.volumeMounts();
        c.sharedBinds = r.sharedBinds();
        c.networks = r.networks();
        c.sandbox = r.sandbox();
        return c;
    }

    /** Writes both files, each atomically (moby's CheckpointTo). */
    synchronized void save() throws IOException {
        Files.createDirectories(dir);
        AtomicFiles.write(dir.resolve(HOST_CONFIG_FILE), Json.bytes(hostConfig));
        AtomicFiles.write(dir.resolve(CONFIG_FILE), Json.bytes(record()));
    }

    public synchronized ContainerRecord record() {
        return new ContainerRecord(id, created.toString(), path, args, config, image, name, restartCount, driver,
                "linux", state, logPath().toString(), file("hostname").toString(), file("hosts").toString(),
                file("resolv.conf").toString(), startedBefore, manuallyStopped, volumes, sharedBinds, networks, sandbox);
    }

    public String id() {
        return id;
    }

    public String shortId() {
        return id.substring(0, 12);
    }

    Path dir() {
        return dir;
    }

    Path file(String name) {
        return dir.resolve(name);
    }

    Path logPath() {
        return dir.resolve(id + "-json.log");
    }

    public Instant created() {
        return created;
    }

    public String image() {
        return image;
    }

    String driver() {
        return driver;
    }

    public synchronized String name() {
        return name;
    }

    synchronized void rename(String newName) {
        this.name = newName;
    }

    public synchronized String path() {
        return path;
    }

    public synchronized List<String> args() {
        return args;
    }

    public synchronized ContainerConfig config() {
        return config;
    }

    public synchronized HostConfig hostConfig() {
        return hostConfig;
    }

    synchronized void hostConfig(HostConfig value) {
        this.hostConfig = value;
    }

    public synchronized ContainerState state() {
        return state;
    }

    /** Changes the state and wakes the waiters; the caller saves. */
    synchronized void state(ContainerState value) {
        this.state = value;
        notifyAll();
    }

    /** Records that the container's process ended (for wait's next-exit) with the state it leaves. */
    synchronized void exited(ContainerState value) {
        exits++;
        state(value);
    }

    public synchronized List<VolumeMount> volumes() {
        return volumes;
    }

    synchronized void volumes(List<VolumeMount> value) {
        this.volumes = List.copyOf(value);
    }

    /** The binds it has from other containers through --volumes-from. */
    public synchronized List<SharedBind> sharedBinds() {
        return sharedBinds;
    }

    synchronized void sharedBinds(List<SharedBind> value) {
        this.sharedBinds = List.copyOf(value);
    }

    /** The networks it is on, by name, in the order it joined them. */
    public synchronized Map<String, EndpointSettings> networks() {
        return networks;
    }

    synchronized void networks(Map<String, EndpointSettings> value) {
        this.networks = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(value));
    }

    /** The current run's networking, or null when it has none of its own or is not running. */
    public synchronized SandboxState sandbox() {
        return sandbox;
    }

    synchronized void sandbox(SandboxState value) {
        this.sandbox = value;
    }

    /** Where the current run's volumes are mounted on the host, by destination in the container. */
    synchronized Map<String, String> volumeSources() {
        return volumeSources;
    }

    synchronized void volumeSources(Map<String, String> value) {
        this.volumeSources = Map.copyOf(value);
    }

    synchronized OciSpec.Process process() {
        return process;
    }

    synchronized void process(OciSpec.Process value) {
        this.process = value;
    }

    /** Records that a volume's copy-up is done; the caller saves. */
    synchronized void volumeCopied(VolumeMount done) {
        List<VolumeMount> updated = new ArrayList<>();
        for (VolumeMount vm : volumes) {
            updated.add(vm.equals(done) ? vm.copied() : vm);
        }
        this.volumes = List.copyOf(updated);
    }

    public synchronized int restartCount() {
        return restartCount;
    }

    synchronized void restartCount(int value) {
        this.restartCount = value;
    }

    synchronized boolean startedBefore() {
        return startedBefore;
    }

    synchronized void markStarted() {
        this.startedBefore = true;
        this.manuallyStopped = false;
    }

    synchronized boolean manuallyStopped() {
        return manuallyStopped;
    }

    synchronized void manuallyStopped(boolean value) {
        this.manuallyStopped = value;
    }

    synchronized ProcessStreams streams() {
        return streams;
    }

    synchronized void streams(ProcessStreams value) {
        this.streams = value;
    }

    /** Keeps an attachment made before start for the next run's streams. */
    synchronized void addPendingAttachment(Attachment a) {
        pendingAttachments.add(a);
    }

    /** The attachments waiting for this run's streams; the list is emptied. */
    synchronized List<Attachment> takePendingAttachments() {
        List<Attachment> out = List.copyOf(pendingAttachments);
        pendingAttachments.clear();
        return out;
    }

    /** Replaces the current run's health monitor, stopping the one before. */
    synchronized void healthMonitor(HealthMonitor value) {
        if (healthMonitor != null) {
            healthMonitor.stop();
        }
        healthMonitor = value;
    }

    ReentrantLock lifecycle() {
        return lifecycle;
    }

    Map<String, Exec> execs() {
        return execs;
    }

    public synchronized boolean removed() {
        return removed;
    }

    synchronized void markRemoved() {
        state = state.removed();
        removed = true;
        notifyAll();
    }

    synchronized long exits() {
        return exits;
    }

    /** Blocks until {@code condition} holds (checked after every change) or the container is removed. */
    synchronized void await(Predicate<Container> condition) throws InterruptedException {
        while (!condition.test(this) && !removed) {
            wait();
        }
    }
}
