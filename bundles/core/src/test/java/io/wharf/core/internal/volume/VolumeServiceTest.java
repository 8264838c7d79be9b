package io.wharf.core.internal.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.NotFoundException;
import io.wharf.core.spi.errors.UnavailableException;
import io.wharf.core.spi.events.Event;
import io.wharf.core.spi.http.Filters;
import io.wharf.core.spi.volume.Volume;
import io.wharf.core.spi.volume.VolumeDriver;

class VolumeServiceTest {

    @TempDir
    Path root;

    final List<Event> events = new CopyOnWriteArrayList<>();
    final MemoryDriver local = new MemoryDriver("local");
    VolumeService service;

    /** A driver keeping volumes in memory; refuses the option "bad". */
    static final class MemoryDriver implements VolumeDriver {
        final String name;
        final Map<String, Volume> volumes = new TreeMap<>();
        /** "volume:id" for each mount not yet unmounted. */
        final List<String> mounted = new ArrayList<>();

        MemoryDriver(String name) {
            this.name = name;
        }

        @Override
        public Volume create(String volume, Map<String, String> options) {
            if (options.containsKey("bad")) {
                throw new InvalidParameterException("invalid option: \"bad\"");
            }
            return volumes.computeIfAbsent(volume, n -> new Volume(n, "/mem/" + name + "/" + n, Instant.now(), Map.of()));
        }

        @Override
        public void remove(String volume) {
            if (volumes.remove(volume) == null) {
                throw new NotFoundException("no such volume");
            }
        }

        @Override
        public Optional<Volume> get(String volume) {
            return Optional.ofNullable(volumes.get(volume));
        }

        @Override
        public List<Volume> list() {
            return new ArrayList<>(volumes.values());
        }

        @Override
        public String path(String volume) {
            return "/mem/" + name + "/" + volume;
        }

        @Override
        public String mount(String volume, String id) {
            mounted.add(volume + ":" + id);
            return path(volume);
        }

        @Override
        public void unmount(String volume, String id) {
            mounted.remove(volume + ":" + id);
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        service = open();
        service.addDriver(local, Map.of(VolumeDriver.NAME, "local"));
    }

    private VolumeService open() throws IOException {
        return new VolumeService(root, events::add);
    }

    @Test
    void createIsPersistedAndSurvivesARestart() throws Exception {
        VolumeService.View v = service.create("data", "local", Map.of("k", "v"), Map.of("team", "a"));
        assertEquals("/mem/local/data", v.mountpoint());
        assertEquals("local", new VolumeStore(root).get("data").driver());
        assertTrue(events.stream().anyMatch(e -> e.action().equals("create") && e.actorId().equals("data")));

        VolumeService reopened = open();
        reopened.addDriver(local, Map.of(VolumeDriver.NAME, "local"));
        VolumeService.View again = reopened.get("data");
        assertEquals(Map.of("team", "a"), again.labels());
        assertEquals(Map.of("k", "v"), again.options());
        assertEquals("local", again.driver());
        assertEquals(v.createdAt(), again.createdAt());
    }

    @Test
    void sameNameAndDriverIsIdempotentAnotherDriverConflicts() throws Exception {
        service.addDriver(new MemoryDriver("other"), Map.of(VolumeDriver.NAME, "other"));
        service.create("data", "local", Map.of(), Map.of("first", "1"));
        VolumeService.View again = service.create("data", "local", Map.of(), Map.of("second", "2"));
        assertEquals(Map.of("first", "1"), again.labels(), "the existing volume is returned unchanged");
        ConflictException e = assertThrows(ConflictException.class, () -> service.create("data", "other", Map.of(), Map.of()));
        assertEquals("create data: driver 'local' already has volume 'data': volume name must be unique", e.getMessage());
    }

    @Test
    void anonymousVolumesGetAGeneratedNameAndTheLabel() throws Exception {
        VolumeService.View v = service.create("", "", Map.of(), Map.of());
        assertTrue(v.name().matches("[0-9a-f]{64}"), v.name());
        assertTrue(v.anonymous());
        assertEquals(Map.of(VolumeService.ANONYMOUS_LABEL, ""), v.labels());
        assertEquals("local", v.driver());
    }

    @Test
    void driverErrorsKeepTheirKindWithTheOperationInFront() {
        InvalidParameterException e = assertThrows(InvalidParameterException.class,
                () -> service.create("data", "local", Map.of("bad", "1"), Map.of()));
        assertEquals("create data: invalid option: \"bad\"", e.getMessage());
        NotFoundException nf = assertThrows(NotFoundException.class, () -> service.create("data", "nope", Map.of(), Map.of()));
        assertEquals("create data: error looking up volume plugin nope: plugin \"nope\" not found", nf.getMessage());
        assertEquals("get missing: no such volume",
                assertThrows(NotFoundException.class, () -> service.get("missing")).getMessage());
    }

    @Test
    void referencesArePersistedAndBlockRemoval() throws Exception {
        service.create("data", "local", Map.of(), Map.of());
        service.acquire("data", "c1");
        service.acquire("data", "c2");
        service.acquire("data", "c1");

        VolumeService reopened = open();
        reopened.addDriver(local, Map.of(VolumeDriver.NAME, "local"));
        assertEquals(List.of("c1", "c2"), reopened.references("data"));
        ConflictException e = assertThrows(ConflictException.class, () -> reopened.remove("data", false));
        assertEquals("remove data: volume is in use - [c1, c2]", e.getMessage());
        assertThrows(ConflictException.class, () -> reopened.remove("data", true), "force does not remove a volume in use");
        assertEquals(List.of("data"), names(reopened.list(Filters.parse("{\"dangling\":[\"false\"]}"), new ArrayList<>())));

        reopened.release("data", "c1");
        reopened.release("data", "c2");
        reopened.release("data", "unknown");
        assertEquals(List.of("data"), names(reopened.list(Filters.parse("{\"dangling\":[\"true\"]}"), new ArrayList<>())));
        reopened.remove("data", false);
        assertTrue(local.volumes.isEmpty());
        assertEquals(null, new VolumeStore(root).get("data"));
        assertThrows(NotFoundException.class, () -> reopened.remove("data", false));
        reopened.remove("data", true);
    }

    @Test
    void aVolumeWhoseDriverWentAwayStaysListedAndSaysSo() throws Exception {
        MemoryDriver plug = new MemoryDriver("plug");
        service.addDriver(plug, Map.of(VolumeDriver.NAME, "plug"));
        service.create("pv", "plug", Map.of(), Map.of());
        service.removeDriver(plug, Map.of(VolumeDriver.NAME, "plug"));

        List<String> warnings = new ArrayList<>();
        List<VolumeService.View> listed = service.list(Filters.parse(null), warnings);
        assertEquals(List.of("pv"), names(listed));
        assertEquals(List.of("driver plug is not available"), warnings);
        assertEquals("get pv: driver plug is not available",
                assertThrows(UnavailableException.class, () -> service.get("pv")).getMessage());
        assertThrows(UnavailableException.class, () -> service.remove("pv", false));
        assertThrows(UnavailableException.class, () -> service.mount("pv", "c1"));
        assertFalse(service.driverNames().contains("plug"));

        service.addDriver(plug, Map.of(VolumeDriver.NAME, "plug"));
        assertEquals("/mem/plug/pv", service.get("pv").mountpoint(), "back with its driver");
    }

    @Test
    void aDriverBackAfterItWasAwayIsToldWhichContainersStillHaveItsVolumesMounted() throws Exception {
        service.create("data", "local", Map.of(), Map.of());
        service.create("other", "local", Map.of(), Map.of());
        service.mount("data", "c1");
        service.mount("data", "c1");
        service.mount("data", "c2");
        service.mount("other", "c1");
        service.unmount("other", "c1");

        MemoryDriver updated = new MemoryDriver("local"); // as a new revision of the driver's bundle finds them
        updated.volumes.putAll(local.volumes);
        service.removeDriver(local, Map.of(VolumeDriver.NAME, "local"));
        assertThrows(UnavailableException.class, () -> service.unmount("data", "c2"));
        service.addDriver(updated, Map.of(VolumeDriver.NAME, "local"));
        assertEquals(List.of("data:c1", "data:c1"), updated.mounted, "c2 stopped while the driver was away");
        MemoryDriver second = new MemoryDriver("local");
        service.addDriver(second, Map.of(VolumeDriver.NAME, "local"));
        assertEquals(List.of(), second.mounted, "only the first driver of a name serves its volumes");

        service.unmount("data", "c1");
        service.unmount("data", "c1");
        assertEquals(List.of(), updated.mounted);
    }

    @Test
    void listFilters() throws Exception {
        service.addDriver(new MemoryDriver("other"), Map.of(VolumeDriver.NAME, "other"));
        service.create("alpha", "local", Map.of(), Map.of("env", "prod"));
        service.create("beta", "local", Map.of(), Map.of("env", "dev"));
        service.create("gamma", "other", Map.of(), Map.of());
        service.acquire("beta", "c1");
        assertEquals(List.of("alpha", "beta"), names(list("{\"driver\":[\"local\"]}")));
        assertEquals(List.of("alpha"), names(list("{\"label\":[\"env=prod\"]}")));
        assertEquals(List.of("alpha", "beta"), names(list("{\"label\":[\"env\"]}")));
        assertEquals(List.of("alpha", "beta", "gamma"), names(list("{\"name\":[\"a\"]}")));
        assertEquals(List.of("alpha"), names(list("{\"name\":[\"alp\"]}")));
        assertEquals(List.of("beta"), names(list("{\"name\":[\"^b.t\"]}")), "a regular expression, as in dockerd");
        assertEquals(List.of("alpha", "gamma"), names(list("{\"dangling\":[\"true\"]}")));
        assertThrows(InvalidParameterException.class, () -> list("{\"colour\":[\"red\"]}"));
    }

    @Test
    void pruneRemovesUnusedAnonymousLocalVolumesOrAllWithAll() throws Exception {
        VolumeService.View anon = service.create("", "local", Map.of(), Map.of());
        VolumeService.View anonUsed = service.create("", "local", Map.of(), Map.of());
        service.acquire(anonUsed.name(), "c1");
        service.create("named", "local", Map.of(), Map.of("keep", "yes"));
        service.create("named2", "local", Map.of(), Map.of());
        service.create("withopts", "local", Map.of("type", "tmpfs"), Map.of());

        assertEquals(List.of(anon.name()), service.prune(Filters.parse(null), false).deleted());
        assertEquals(List.of("named2"), service.prune(Filters.parse("{\"all\":[\"true\"],\"label!\":[\"keep\"]}"), false).deleted());
        assertEquals(List.of("named"), service.prune(Filters.parse("{\"label\":[\"keep=yes\"]}"), true).deleted());
        assertEquals(List.of(anonUsed.name(), "withopts"), names(list(null)));
        assertThrows(InvalidParameterException.class, () -> service.prune(Filters.parse("{\"dangling\":[\"true\"]}"), false));
    }

    @Test
    void aVolumeTheDriverHasWithoutMetadataIsAdopted() throws Exception {
        local.create("orphan", Map.of());
        assertEquals(List.of("orphan"), names(list(null)));
        assertEquals("local", service.get("orphan").driver());
        assertEquals("local", new VolumeStore(root).get("orphan").driver(), "adopted: kept from now on");
    }

    @Test
    void metadataWithoutTheDriversVolumeIsNotListed() throws Exception {
        service.create("gone", "local", Map.of(), Map.of("stale", "yes"));
        local.volumes.clear(); // removed behind our back, or a crash between the driver's remove and ours
        assertEquals(List.of(), names(list(null)));
        assertThrows(NotFoundException.class, () -> service.get("gone"));
        assertEquals("get gone: no such volume",
                assertThrows(NotFoundException.class, () -> service.remove("gone", false)).getMessage());
        assertTrue(events.stream().noneMatch(e -> e.action().equals("destroy")), events.toString());
        local.create("gone", Map.of());
        assertEquals(Map.of(), service.get("gone").labels(), "the stale metadata went: the driver's volume is adopted anew");
        local.volumes.clear();
        service.create("gone", "local", Map.of(), Map.of());
        assertEquals(List.of("gone"), names(list(null)));
    }

    @Test
    void namesThatAreNotOnePathSegmentAreRefused() {
        for (String bad : List.of("..", "a/b", ".")) {
            assertThrows(InvalidParameterException.class, () -> service.create(bad, "local", Map.of(), Map.of()), bad);
        }
    }

    private List<VolumeService.View> list(String filters) throws IOException {
        return service.list(Filters.parse(filters), new ArrayList<>());
    }

    private static List<String> names(List<VolumeService.View> views) {
        return views.stream().map(VolumeService.View::name).toList();
    }
}
