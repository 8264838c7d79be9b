package io.wharf.core.internal.volume;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.ids.StringIds;
import io.wharf.core.internal.daemon.DaemonContext;
import io.wharf.core.spi.errors.ApiException;
import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.ForbiddenException;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.NotFoundException;
import io.wharf.core.spi.errors.NotImplementedException;
import io.wharf.core.spi.errors.SystemException;
import io.wharf.core.spi.errors.UnauthorizedException;
import io.wharf.core.spi.errors.UnavailableException;
import io.wharf.core.spi.events.Event;
import io.wharf.core.spi.events.EventPublisher;
import io.wharf.core.spi.http.Filters;
import io.wharf.core.spi.volume.Volume;
import io.wharf.core.spi.volume.VolumeDriver;

/**
 * The daemon's volumes (moby's volume service and store): the metadata of every volume, kept by
 * {@link VolumeStore}; the volume drivers present now, which come and go as their bundles do; and
 * the containers that use each volume, counted so that a volume in use is never removed.
 *
 * <p>A volume whose driver is absent stays listed from its metadata; anything that needs its
 * driver answers "driver NAME is not available" until the driver is back.
 */
@Component(service = VolumeService.class)
public final class VolumeService {

    /** The label dockerd puts on volumes created without a name; prune removes only these by default. */
    public static final String ANONYMOUS_LABEL = "com.docker.volume.anonymous";
    public static final String DEFAULT_DRIVER = "local";

    private static final Logger LOG = LoggerFactory.getLogger(VolumeService.class);
    private static final Set<String> LIST_FILTERS = Set.of("dangling", "name", "driver", "label");
    private static final Set<String> PRUNE_FILTERS = Set.of("label", "label!", "all");

    private final VolumeStore store;
    private final EventPublisher events;
    private final ExternalDrivers external;
    private final Map<String, List<VolumeDriver>> drivers = new ConcurrentHashMap<>();
    /** Serialises changes to metadata and the driver calls that go with them. */
    private final ReentrantLock lock = new ReentrantLock();
    private final ReentrantLock pruning = new ReentrantLock();
    /**
     * The containers that have each volume mounted now, and how often: a driver that comes back
     * (its bundle updated) is told of them again, so that it keeps their mounts until the last of
     * them goes. Mounts, unmounts and that telling hold it while they call the driver, which keeps
     * both counts the same; a slow driver's mount makes others wait.
     */
    private final Map<String, Map<String, Integer>> mounts = new HashMap<>();

    @Activate
    public VolumeService(@Reference DaemonContext daemon, @Reference EventPublisher events,
            @Reference ExternalDrivers external) throws IOException {
        this(daemon.dataRoot().resolve("volumes"), events, external);
    }

    /** A service keeping its metadata under {@code volumesRoot} (data-root/volumes), without external drivers. */
    public VolumeService(Path volumesRoot, EventPublisher events) throws IOException {
        this(volumesRoot, events, ExternalDrivers.NONE);
    }

    /** A service keeping its metadata under {@code volumesRoot}, asking {@code external} for drivers it lacks. */
    public static VolumeService at(Path volumesRoot, EventPublisher events, ExternalDrivers external) throws IOException {
        return new VolumeService(volumesRoot, events, external);
    }

    // Not public: SCR would try it as the component's constructor, which takes as many arguments.
    private VolumeService(Path volumesRoot, EventPublisher events, ExternalDrivers external) throws IOException {
        this.store = new VolumeStore(volumesRoot);
        this.events = events;
        this.external = external;
    }

    @Deactivate
    public void close() throws IOException {
        store.close();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    public void addDriver(VolumeDriver driver, Map<String, Object> props) {
        if (props.get(VolumeDriver.NAME) instanceof String name && !name.isEmpty()) {
            synchronized (mounts) {
                List<VolumeDriver> list = drivers.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>());
                if (list.isEmpty()) {
                    remount(name, driver);
                }
                list.add(driver);
            }
            LOG.info("volume driver {} is available", name);
        }
    }

    /** Mounts again, through a driver back after it was away, its volumes that containers still have mounted. */
    private void remount(String driverName, VolumeDriver driver) {
        mounts.forEach((volume, users) -> {
            VolumeRecord record = store.get(volume);
            if (record == null || !record.driver().equals(driverName)) {
                return;
            }
            users.forEach((ref, times) -> {
                for (int i = 0; i < times; i++) {
                    try {
                        driver.mount(volume, ref);
                    } catch (IOException | RuntimeException e) {
                        LOG.warn("volume {}: mounting it again for container {}: {}", volume, ref, e.getMessage());
                    }
                }
            });
        });
    }

    public void removeDriver(VolumeDriver driver, Map<String, Object> props) {
        if (props.get(VolumeDriver.NAME) instanceof String name) {
            List<VolumeDriver> list = drivers.get(name);
            if (list != null) {
                list.remove(driver);
                if (list.isEmpty()) {
                    LOG.info("volume driver {} went away; its volumes answer that it is not available", name);
                }
            }
        }
    }

    /**
     * The names of the volume drivers present now, sorted (`docker info` Plugins.Volume): the
     * driver services and the external plugins activated so far.
     */
    public List<String> driverNames() {
        Set<String> names = new java.util.TreeSet<>(external.active());
        drivers.forEach((n, list) -> {
            if (!list.isEmpty()) {
                names.add(n);
            }
        });
        return List.copyOf(names);
    }

    /** Whether the driver is there now: a driver service, or an external plugin that answers. */
    public boolean hasDriver(String name) {
        return driver(name).isPresent();
    }

    /** A driver service of that name, else an external plugin of that name (moby: built-ins first). */
    private Optional<VolumeDriver> driver(String name) {
        List<VolumeDriver> list = drivers.get(name);
        if (list != null) {
            try {
                return Optional.of(list.getFirst());
            } catch (java.util.NoSuchElementException e) {
                // went away meanwhile
            }
        }
        return name == null || name.isEmpty() ? Optional.empty() : external.lookup(name);
    }

    private VolumeDriver requireDriver(String op, String volume, String driverName) {
        return driver(driverName).orElseThrow(
                () -> new UnavailableException(op + " " + volume + ": driver " + driverName + " is not available"));
    }

    /** A volume as the API shows it: metadata joined with what its driver says now. */
    public record View(String name, String driver, String mountpoint, Instant createdAt, Map<String, Object> status,
            Map<String, String> labels, String scope, Map<String, String> options, List<String> references) {

        public boolean anonymous() {
            return labels.containsKey(ANONYMOUS_LABEL);
        }
    }

    /**
     * Creates a volume, or returns the one of that name when it exists with the same driver (or no
     * driver is named). An empty name makes an anonymous volume with a generated name.
     */
    public View create(String name, String driverName, Map<String, String> options, Map<String, String> labels)
            throws IOException {
        Map<String, String> allLabels = new LinkedHashMap<>(labels == null ? Map.of() : labels);
        if (name == null || name.isEmpty()) {
            name = StringIds.generate();
            allLabels.put(ANONYMOUS_LABEL, "");
            if (driverName == null || driverName.isEmpty()) {
                driverName = DEFAULT_DRIVER;
            }
        }
        checkName(name);
        lock.lock();
        try {
            VolumeRecord existing = store.get(name);
            if (existing == null) {
                existing = adopt(name, driverName);
            }
            if (existing != null) {
                if (driverName != null && !driverName.isEmpty() && !driverName.equals(existing.driver())) {
                    throw new ConflictException("create " + name + ": driver '" + existing.driver()
                            + "' already has volume '" + name + "': volume name must be unique");
                }
                VolumeDriver d = requireDriver("create", name, existing.driver());
                Optional<Volume> v = d.get(name);
                if (v.isPresent() || !existing.references().isEmpty()) {
                    return view(existing, d, v.orElse(null));
                }
                store.delete(name); // stale: the driver lost it; make it anew
            }
            String chosen = driverName == null || driverName.isEmpty() ? DEFAULT_DRIVER : driverName;
            String volumeName = name;
            VolumeDriver d = driver(chosen).orElseThrow(() -> new NotFoundException("create " + volumeName
                    + ": error looking up volume plugin " + chosen + ": plugin \"" + chosen + "\" not found"));
            Map<String, String> opts = options == null ? Map.of() : options;
            Volume v;
            try {
                v = d.create(name, opts);
            } catch (ApiException e) {
                throw prefixed("create " + name + ": ", e);
            }
            Instant created = v.createdAt() != null ? v.createdAt() : Instant.now();
            VolumeRecord record = new VolumeRecord(name, chosen, allLabels, opts, created.toString(), List.of());
            store.put(record);
            events.publish(Event.now("volume", "create", name, Map.of("driver", chosen)));
            return view(record, d, v);
        } finally {
            lock.unlock();
        }
    }

    /** A volume a driver has that the metadata does not know (created before a crash, say): kept from now on. */
    private VolumeRecord adopt(String name, String driverName) throws IOException {
        List<String> names = driverName == null || driverName.isEmpty() ? driverNames() : List.of(driverName);
        for (String n : names) {
            Optional<VolumeDriver> d = driver(n);
            if (d.isEmpty()) {
                continue;
            }
            Optional<Volume> v = d.get().get(name);
            if (v.isPresent()) {
                Instant created = v.get().createdAt() != null ? v.get().createdAt() : Instant.now();
                VolumeRecord record = new VolumeRecord(name, n, Map.of(), Map.of(), created.toString(), List.of());
                store.put(record);
                return record;
            }
        }
        return null;
    }

    /** What every driver needs: a name that is one path segment. Drivers check their own rules beyond it. */
    private static void checkName(String name) {
        if (name.equals(".") || name.equals("..") || name.contains("/") || name.indexOf('\0') >= 0
                || name.length() > 200) {
            throw new InvalidParameterException("create " + name + ": invalid volume name");
        }
    }

    /** The volume of that name. */
    public View get(String name) throws IOException {
        VolumeRecord record = store.get(name);
        if (record == null) {
            lock.lock();
            try {
                record = adopt(name, null);
            } finally {
                lock.unlock();
            }
            if (record == null) {
                throw new NotFoundException("get " + name + ": no such volume");
            }
        }
        VolumeDriver d = requireDriver("get", name, record.driver());
        Optional<Volume> v = d.get(name);
        if (v.isEmpty() && record.references().isEmpty()) {
            throw new NotFoundException("get " + name + ": no such volume");
        }
        return view(record, d, v.orElse(null));
    }

    /** Every volume, or those the filters (dangling, name, driver, label) select, sorted by name. */
    public List<View> list(Filters filters, List<String> warnings) throws IOException {
        filters.validate(LIST_FILTERS);
        Map<String, View> out = new LinkedHashMap<>();
        Map<String, Map<String, Volume>> byDriver = new LinkedHashMap<>();
        Set<String> driverNames = new LinkedHashSet<>(driverNames());
        for (VolumeRecord r : store.all()) {
            driverNames.add(r.driver()); // an external plugin not asked for yet is looked up now
        }
        for (String n : driverNames) {
            Optional<VolumeDriver> d = driver(n);
            if (d.isEmpty()) {
                continue;
            }
            Map<String, Volume> vols = new LinkedHashMap<>();
            try {
                for (Volume v : d.get().list()) {
                    vols.put(v.name(), v);
                }
                byDriver.put(n, vols);
            } catch (IOException | RuntimeException e) {
                warnings.add("list " + n + ": " + e.getMessage());
            }
        }
        Set<String> absent = new LinkedHashSet<>();
        for (VolumeRecord r : store.all()) {
            Map<String, Volume> vols = byDriver.get(r.driver());
            if (vols == null) {
                absent.add(r.driver());
                out.put(r.name(), view(r, null, null));
            } else if (vols.containsKey(r.name()) || !r.references().isEmpty()) {
                out.put(r.name(), view(r, driver(r.driver()).orElse(null), vols.get(r.name())));
            }
        }
        for (var e : byDriver.entrySet()) {
            for (Volume v : e.getValue().values()) {
                if (!out.containsKey(v.name()) && store.get(v.name()) == null) {
                    VolumeRecord r = new VolumeRecord(v.name(), e.getKey(), Map.of(), Map.of(),
                            v.createdAt() == null ? null : v.createdAt().toString(), List.of());
                    out.put(v.name(), view(r, driver(e.getKey()).orElse(null), v));
                }
            }
        }
        for (String n : absent) {
            warnings.add("driver " + n + " is not available");
        }
        return out.values().stream().filter(v -> matches(v, filters)).sorted(Comparator.comparing(View::name)).toList();
    }

    private static boolean matches(View v, Filters f) {
        return f.matchesAny("name", n -> nameMatches(n, v.name()))
                && f.matchesAny("driver", n -> v.driver().equals(n))
                && f.matchesLabels("label", v.labels())
                && f.matchesAny("dangling", d -> parseBool("dangling", d) == v.references().isEmpty());
    }

    /** dockerd's name filter: the value is a regular expression found anywhere in the name. */
    private static boolean nameMatches(String pattern, String name) {
        try {
            return java.util.regex.Pattern.compile(pattern).matcher(name).find();
        } catch (java.util.regex.PatternSyntaxException e) {
            return name.contains(pattern);
        }
    }

    private static boolean parseBool(String filter, String value) {
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "1", "true" -> true;
            case "0", "false" -> false;
            default -> throw new InvalidParameterException(
                    "invalid filter '" + filter + "=" + value + "'");
        };
    }

    /**
     * Removes a volume. In use by containers it is a conflict, force or not; {@code force} ignores a
     * volume that does not exist and forgets one whose driver is absent or fails to remove it.
     */
    public void remove(String name, boolean force) throws IOException {
        lock.lock();
        try {
            VolumeRecord record = store.get(name);
            if (record == null) {
                record = adopt(name, null);
            }
            if (record == null) {
                if (force) {
                    return;
                }
                throw new NotFoundException("get " + name + ": no such volume");
            }
            if (!record.references().isEmpty()) {
                throw new ConflictException("remove " + name + ": volume is in use - ["
                        + String.join(", ", record.references()) + "]");
            }
            boolean stale = false;
            Optional<VolumeDriver> d = driver(record.driver());
            if (d.isEmpty()) {
                if (!force) {
                    throw new UnavailableException("remove " + name + ": driver " + record.driver() + " is not available");
                }
            } else {
                try {
                    if (d.get().get(name).isPresent()) {
                        d.get().remove(name);
                    } else {
                        stale = !force;
                    }
                } catch (IOException | RuntimeException e) {
                    if (!force) {
                        throw e instanceof ApiException api ? prefixed("remove " + name + ": ", api)
                                : new SystemException("remove " + name + ": " + e.getMessage(), e);
                    }
                    LOG.warn("remove {} with force: the driver failed ({}); forgetting the volume", name, e.getMessage());
                }
            }
            store.delete(name);
            if (stale) {
                // metadata without the driver's volume (say, a remove cut short after the driver's
                // part): get and list do not show it, and rm answers as they do
                throw new NotFoundException("get " + name + ": no such volume");
            }
            events.publish(Event.now("volume", "destroy", name, Map.of("driver", record.driver())));
        } finally {
            lock.unlock();
        }
    }

    /** Records that container {@code ref} uses the volume; persisted before it returns. */
    public void acquire(String name, String ref) throws IOException {
        lock.lock();
        try {
            VolumeRecord record = store.get(name);
            if (record == null) {
                throw new NotFoundException("get " + name + ": no such volume");
            }
            if (!record.references().contains(ref)) {
                List<String> refs = new ArrayList<>(record.references());
                refs.add(ref);
                store.put(record.withReferences(refs));
            }
        } finally {
            lock.unlock();
        }
    }

    /** Records that container {@code ref} no longer uses the volume; a volume or reference unknown is no error. */
    public void release(String name, String ref) throws IOException {
        lock.lock();
        try {
            VolumeRecord record = store.get(name);
            if (record != null && record.references().contains(ref)) {
                List<String> refs = new ArrayList<>(record.references());
                refs.remove(ref);
                store.put(record.withReferences(refs));
            }
        } finally {
            lock.unlock();
        }
    }

    /** The containers using the volume. */
    public List<String> references(String name) {
        VolumeRecord record = store.get(name);
        return record == null ? List.of() : record.references();
    }

    /** Mounts the volume for {@code ref} through its driver; returns the host directory. */
    public String mount(String name, String ref) throws IOException {
        VolumeRecord record = store.get(name);
        if (record == null) {
            throw new NotFoundException("get " + name + ": no such volume");
        }
        synchronized (mounts) {
            String path;
            try {
                path = requireDriver("mount", name, record.driver()).mount(name, ref);
            } catch (ApiException e) {
                throw e instanceof UnavailableException ? e : prefixed("mount " + name + ": ", e);
            }
            mounts.computeIfAbsent(name, n -> new HashMap<>()).merge(ref, 1, Integer::sum);
            return path;
        }
    }

    public void unmount(String name, String ref) throws IOException {
        VolumeRecord record = store.get(name);
        if (record == null) {
            throw new NotFoundException("get " + name + ": no such volume");
        }
        synchronized (mounts) {
            // Forgotten first: a driver that is away now is not told of this user when it is back.
            Map<String, Integer> users = mounts.get(name);
            if (users != null && users.computeIfPresent(ref, (r, n) -> n > 1 ? n - 1 : null) == null
                    && users.isEmpty()) {
                mounts.remove(name);
            }
            requireDriver("unmount", name, record.driver()).unmount(name, ref);
        }
    }

    /** What prune removed. */
    public record PruneReport(List<String> deleted, long spaceReclaimed) {
    }

    /**
     * Removes unused local volumes without driver options: anonymous ones, or all with the filter
     * {@code all=true} or {@code allByDefault}; narrowed by label and label! filters.
     */
    public PruneReport prune(Filters filters, boolean allByDefault) throws IOException {
        filters.validate(PRUNE_FILTERS);
        boolean all = allByDefault || filters.get("all").stream().anyMatch(v -> parseBool("all", v));
        if (!pruning.tryLock()) {
            throw new ConflictException("a prune operation is already running");
        }
        try {
            List<String> deleted = new ArrayList<>();
            long reclaimed = 0;
            for (View v : list(Filters.parse(null), new ArrayList<>())) {
                if (!v.driver().equals(DEFAULT_DRIVER) || !v.options().isEmpty() || !v.references().isEmpty()
                        || (!all && !v.anonymous()) || !filters.matchesLabels("label", v.labels())
                        || (filters.has("label!") && anyLabel(filters.get("label!"), v.labels()))) {
                    continue;
                }
                long size = v.mountpoint().isEmpty() ? 0 : directorySize(Path.of(v.mountpoint()));
                try {
                    remove(v.name(), false);
                } catch (ApiException e) {
                    LOG.warn("prune: {}", e.getMessage());
                    continue;
                }
                deleted.add(v.name());
                reclaimed += size;
            }
            events.publish(Event.now("volume", "prune", "", Map.of("reclaimed", Long.toString(reclaimed))));
            return new PruneReport(deleted, reclaimed);
        } finally {
            pruning.unlock();
        }
    }

    /** dockerd's label! filter: true when the volume has any of the labels ("key" or "key=value"). */
    private static boolean anyLabel(Set<String> wanted, Map<String, String> labels) {
        for (String w : wanted) {
            int eq = w.indexOf('=');
            if (eq < 0 ? labels.containsKey(w) : w.substring(eq + 1).equals(labels.get(w.substring(0, eq)))) {
                return true;
            }
        }
        return false;
    }

    /** The local volumes without driver options with their size and reference count (system df). */
    public List<Map.Entry<View, Long>> localVolumesSize() throws IOException {
        List<Map.Entry<View, Long>> out = new ArrayList<>();
        for (View v : list(Filters.parse(null), new ArrayList<>())) {
            if (v.driver().equals(DEFAULT_DRIVER) && v.options().isEmpty()) {
                out.add(Map.entry(v, v.mountpoint().isEmpty() ? -1L : directorySize(Path.of(v.mountpoint()))));
            }
        }
        return out;
    }

    /** Bytes of the regular files under {@code dir}, not following links (moby's directory.Size). */
    static long directorySize(Path dir) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    private View view(VolumeRecord r, VolumeDriver d, Volume v) {
        Instant created = v != null && v.createdAt() != null ? v.createdAt()
                : r.createdAt() == null ? null : Instant.parse(r.createdAt());
        return new View(r.name(), r.driver(), v == null ? "" : v.mountpoint(), created,
                v == null ? Map.of() : v.status(), r.labels(), d == null ? VolumeDriver.SCOPE_LOCAL : d.scope(),
                r.options(), r.references());
    }

    /** The same kind of error with the operation in front, as moby's OpErr reads. */
    static ApiException prefixed(String prefix, ApiException e) {
        String m = prefix + e.getMessage();
        return switch (e) {
            case NotFoundException x -> new NotFoundException(m, e);
            case InvalidParameterException x -> new InvalidParameterException(m, e);
            case ConflictException x -> new ConflictException(m, e);
            case UnavailableException x -> new UnavailableException(m, e);
            case ForbiddenException x -> new ForbiddenException(m, e);
            case UnauthorizedException x -> new UnauthorizedException(m, e);
            case NotImplementedException x -> new NotImplementedException(m, e);
            default -> new SystemException(m, e);
        };
    }
}
