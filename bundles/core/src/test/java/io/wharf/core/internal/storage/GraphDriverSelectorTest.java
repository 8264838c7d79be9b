package io.wharf.core.internal.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.internal.config.ConfigException;
import io.wharf.core.spi.graphdriver.GraphDriver;
import io.wharf.core.spi.graphdriver.GraphDriverFactory;
import io.wharf.core.spi.graphdriver.NotSupportedException;

/**
 * dockerd's choice of graph driver (moby graphdriver.New), with fake driver factories: which one
 * is initialised, in which home, with which options, and the errors dockerd gives.
 */
class GraphDriverSelectorTest {

    @TempDir
    Path dataRoot;

    /** Every factory call, as "name home options", in order. */
    private final List<String> calls = new ArrayList<>();

    /** A factory that initialises its driver. */
    private GraphDriverFactory works(String name) {
        return (home, options) -> {
            calls.add(name + " " + home + " " + options);
            return new NamedDriver(name, home, options);
        };
    }

    /** A factory that declines, as a driver does on a host that cannot run it. */
    private GraphDriverFactory declines(String name, String reason) {
        return (home, options) -> {
            calls.add(name + " " + home + " " + options);
            throw new NotSupportedException(reason);
        };
    }

    private static Map<String, GraphDriverFactory> drivers(Object... nameThenFactory) {
        Map<String, GraphDriverFactory> out = new LinkedHashMap<>();
        for (int i = 0; i < nameThenFactory.length; i += 2) {
            out.put((String) nameThenFactory[i], (GraphDriverFactory) nameThenFactory[i + 1]);
        }
        return out;
    }

    private void priorState(String name) throws IOException {
        Files.createDirectories(dataRoot.resolve(name).resolve("some-layer"));
    }

    @Test
    void explicitNameWinsOverPriorStateAndPriority() throws Exception {
        priorState("vfs");
        GraphDriver chosen = GraphDriverSelector.choose(dataRoot, "overlay2", List.of(),
                drivers("btrfs", works("btrfs"), "overlay2", works("overlay2"), "vfs", works("vfs")));

        assertEquals("overlay2", chosen.name());
        assertEquals(dataRoot.resolve("overlay2"), ((NamedDriver) chosen).home(), "the driver's home is data-root/NAME");
        assertEquals(1, calls.size(), "only the named driver is initialised: " + calls);
    }

    @Test
    void explicitNameThatNoDriverHasIsNotSupported() {
        ConfigException e = assertThrows(ConfigException.class, () -> GraphDriverSelector.choose(dataRoot, "aufs",
                List.of(), drivers("overlay2", works("overlay2"), "vfs", works("vfs"))));

        assertEquals("error initializing graphdriver: driver not supported: aufs", e.getMessage());
        assertEquals(List.of(), calls);
    }

    @Test
    void explicitDriverThatDeclinesIsAnErrorWithItsReason() {
        ConfigException e = assertThrows(ConfigException.class, () -> GraphDriverSelector.choose(dataRoot, "btrfs",
                List.of(), drivers("btrfs", declines("btrfs", "/var/lib/docker is on ext4, not btrfs"), "vfs", works("vfs"))));

        assertTrue(e.getMessage().startsWith("error initializing graphdriver: "), e.getMessage());
        assertTrue(e.getMessage().contains("is on ext4, not btrfs"), e.getMessage());
        assertEquals(1, calls.size(), "no fallback to another driver when one is named: " + calls);
    }

    @Test
    void priorStateWinsOverPriority() throws Exception {
        priorState("vfs");
        GraphDriver chosen = GraphDriverSelector.choose(dataRoot, "", List.of(),
                drivers("btrfs", works("btrfs"), "overlay2", works("overlay2"), "vfs", works("vfs")));

        assertEquals("vfs", chosen.name());
        assertEquals(1, calls.size(), "only the driver with prior state is initialised: " + calls);
    }

    @Test
    void anEmptyDriverDirectoryIsNoPriorState() throws Exception {
        Files.createDirectories(dataRoot.resolve("vfs"));
        GraphDriver chosen = GraphDriverSelector.choose(dataRoot, "", List.of(),
                drivers("overlay2", works("overlay2"), "vfs", works("vfs")));

        assertEquals("overlay2", chosen.name());
    }

    @Test
    void twoDriversWithPriorStateAreAnError() throws Exception {
        priorState("overlay2");
        priorState("vfs");
        ConfigException e = assertThrows(ConfigException.class, () -> GraphDriverSelector.choose(dataRoot, "",
                List.of(), drivers("overlay2", works("overlay2"), "vfs", works("vfs"))));

        assertTrue(e.getMessage().contains("contains several valid graphdrivers: overlay2, vfs"), e.getMessage());
        assertTrue(e.getMessage().contains("explicitly choose storage driver"), e.getMessage());
        assertEquals(List.of(), calls);
    }

    @Test
    void priorityOrderSkipsADriverThatDeclinesAndTakesTheNext() throws Exception {
        GraphDriver chosen = GraphDriverSelector.choose(dataRoot, "", List.of(),
                drivers("vfs", works("vfs"), "overlay2", works("overlay2"),
                        "btrfs", declines("btrfs", "not on btrfs")));

        assertEquals("overlay2", chosen.name());
        assertEquals(List.of("btrfs " + dataRoot.resolve("btrfs") + " {}", "overlay2 " + dataRoot.resolve("overlay2") + " {}"),
                calls, "tried in dockerd's priority order, not the order the services came in");
    }

    @Test
    void driversOutsideThePriorityListComeLastByName() {
        Map<String, GraphDriverFactory> available = drivers("zzz", works("zzz"), "vfs", works("vfs"), "aaa", works("aaa"),
                "overlay2", works("overlay2"));

        assertEquals(List.of("overlay2", "vfs", "aaa", "zzz"), GraphDriverSelector.candidates(available));
    }

    @Test
    void noDriverThatWorksIsAnError() {
        ConfigException e = assertThrows(ConfigException.class, () -> GraphDriverSelector.choose(dataRoot, "", List.of(),
                drivers("overlay2", declines("overlay2", "no overlayfs"), "vfs", declines("vfs", "read-only"))));

        assertTrue(e.getMessage().startsWith("error initializing graphdriver: no supported storage driver found"), e.getMessage());
        assertEquals(2, calls.size(), calls.toString());
    }

    @Test
    void storageOptionsMustBeKeyEqualsValue() {
        for (String bad : List.of("overlay2.size", "=10G", "")) {
            ConfigException e = assertThrows(ConfigException.class, () -> GraphDriverSelector.choose(dataRoot, "vfs",
                    List.of(bad), drivers("vfs", works("vfs"))), "option \"" + bad + "\"");
            assertTrue(e.getMessage().contains("key=value"), e.getMessage());
        }
        assertEquals(List.of(), calls, "no driver is initialised with bad options");
    }

    @Test
    void storageOptionsReachTheDriverAsAMap() throws Exception {
        GraphDriver chosen = GraphDriverSelector.choose(dataRoot, "overlay2",
                List.of("overlay2.override_kernel_check=true", "Dm.BaseSize = 20G", "key=a=b"),
                drivers("overlay2", works("overlay2")));

        assertEquals(Map.of("overlay2.override_kernel_check", "true", "dm.basesize", "20G", "key", "a=b"),
                ((NamedDriver) chosen).options(), "keys lower-cased and trimmed as dockerd does; a value may hold '='");
    }

    /** A driver that only knows what it was made with. */
    private record NamedDriver(String name, Path home, Map<String, String> options) implements GraphDriver {

        @Override
        public void create(String id, String parent) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void createReadWrite(String id, String parent) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void remove(String id) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Path get(String id) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void put(String id) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean exists(String id) {
            return false;
        }

        @Override
        public List<Map.Entry<String, String>> status() {
            return List.of();
        }

        @Override
        public Map<String, String> metadata(String id) {
            return Map.of();
        }

        @Override
        public void cleanup() {
        }
    }
}
