package io.wharf.core.internal.volume.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.internal.volume.VolumeService;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.NotFoundException;
import io.wharf.core.spi.errors.SystemException;
import io.wharf.core.spi.errors.UnavailableException;
import io.wharf.core.spi.http.Filters;
import io.wharf.core.spi.volume.Volume;
import io.wharf.core.spi.volume.VolumeDriver;

class VolumePluginsTest {

    @TempDir
    Path dir;

    private VolumePlugins plugins() {
        return VolumePlugins.in(List.of(dir), Duration.ofSeconds(5));
    }

    @Test
    void discoveryFindsSocketsSpecAndJsonFiles() throws Exception {
        PluginDiscovery d = PluginDiscovery.of(List.of(dir));
        assertTrue(d.find("nothing").isEmpty());
        Files.writeString(dir.resolve("viaspec.spec"), "tcp://127.0.0.1:8080\n");
        assertEquals("tcp://127.0.0.1:8080", d.find("viaspec").orElseThrow().uri().toString());
        Files.createDirectories(dir.resolve("nested"));
        Files.writeString(dir.resolve("nested/nested.spec"), "unix:///run/x.sock");
        assertEquals("/run/x.sock", d.find("nested").orElseThrow().socket().toString());
        Files.writeString(dir.resolve("viajson.json"), "{\"Name\":\"viajson\",\"Addr\":\"unix:///run/y.sock\",\"TLSConfig\":{}}");
        assertEquals("/run/y.sock", d.find("viajson").orElseThrow().socket().toString());
        Files.writeString(dir.resolve("bad.spec"), "no-scheme");
        assertThrows(java.io.IOException.class, () -> d.find("bad"));
        try (FakePlugin p = new FakePlugin(dir.resolve("sock.sock"))) {
            assertEquals(p.socket.toString(), d.find("sock").orElseThrow().socket().toString());
        }
        assertTrue(d.find("../etc").isEmpty());
        assertEquals(PluginDiscovery.DEFAULT_SOCKET_DIRS, PluginDiscovery.of(List.of()).socketDirs());
    }

    @Test
    void aPluginIsActivatedOnceAndCalledForEveryOperation() throws Exception {
        try (FakePlugin p = new FakePlugin(dir.resolve("fake.sock"))) {
            VolumePlugins plugins = plugins();
            assertTrue(plugins.lookup("other").isEmpty());
            VolumeDriver d = plugins.lookup("fake").orElseThrow();
            assertEquals(List.of("fake"), plugins.active());
            assertEquals(VolumeDriver.SCOPE_GLOBAL, d.scope());
            assertEquals(d, plugins.lookup("fake").orElseThrow(), "kept, not activated again");

            Volume v = d.create("v1", Map.of("size", "1"));
            assertEquals("/fake/v1", v.mountpoint());
            assertEquals(Instant.parse("2024-01-02T03:04:05Z"), v.createdAt());
            assertEquals(Map.of("k", "v"), v.status());
            assertEquals(List.of("v1"), d.list().stream().map(Volume::name).toList());
            assertTrue(d.get("missing").isEmpty(), "an Err on Get is no such volume");
            assertEquals("/fake/v1", d.path("v1"));
            assertEquals("/fake/v1", d.mount("v1", "c1"));
            d.unmount("v1", "c1");
            d.remove("v1");
            assertThrows(NotFoundException.class, () -> d.remove("v1"));
            assertThrows(SystemException.class, () -> d.create("v2", Map.of("bad", "x")));
            p.failNext = "disk on fire";
            SystemException e = assertThrows(SystemException.class, () -> d.mount("v1", "c1"));
            assertEquals("disk on fire", e.getMessage());
            assertEquals(List.of("Plugin.Activate", "VolumeDriver.Capabilities", "VolumeDriver.Create v1",
                    "VolumeDriver.Get v1", "VolumeDriver.List", "VolumeDriver.Get missing", "VolumeDriver.Path v1",
                    "VolumeDriver.Mount v1", "VolumeDriver.Unmount v1", "VolumeDriver.Remove v1",
                    "VolumeDriver.Remove v1", "VolumeDriver.Create v2", "VolumeDriver.Mount v1"), p.calls);
        }
    }

    @Test
    void statusesAndErrTextGiveTypedErrors() {
        assertTrue(PluginVolumeDriver.typed(400, "x", null) instanceof InvalidParameterException);
        assertTrue(PluginVolumeDriver.typed(404, "x", null) instanceof NotFoundException);
        assertTrue(PluginVolumeDriver.typed(500, "volume v not found", null) instanceof NotFoundException);
        assertTrue(PluginVolumeDriver.typed(200, "volume is in use", null) instanceof io.wharf.core.spi.errors.ConflictException);
        assertTrue(PluginVolumeDriver.typed(500, "boom", null) instanceof SystemException);
    }

    @Test
    void aPluginThatGoesAwayIsForgottenAndFoundAgain() throws Exception {
        VolumePlugins plugins = plugins();
        VolumeDriver first;
        try (FakePlugin p = new FakePlugin(dir.resolve("fake.sock"))) {
            first = plugins.lookup("fake").orElseThrow();
            first.create("v1", Map.of());
        }
        UnavailableException e = assertThrows(UnavailableException.class, () -> first.get("v1"));
        assertTrue(e.getMessage().startsWith("driver fake is not available: VolumeDriver.Get: dial "), e.getMessage());
        assertEquals(List.of(), plugins.active());
        assertTrue(plugins.lookup("fake").isEmpty());
        // a socket file left behind by a plugin that died: found, but it does not answer
        Files.writeString(dir.resolve("stale.spec"), "unix://" + dir.resolve("nobody.sock"));
        assertTrue(plugins.lookup("stale").isEmpty());

        try (FakePlugin p = new FakePlugin(dir.resolve("fake.sock"))) {
            VolumeDriver again = plugins.lookup("fake").orElseThrow();
            again.create("v2", Map.of());
            assertTrue(again.get("v2").isPresent());
        }
    }

    @Test
    void theVolumeServiceUsesPluginsForDriversItLacks() throws Exception {
        try (FakePlugin p = new FakePlugin(dir.resolve("fake.sock"))) {
            VolumeService service = VolumeService.at(dir.resolve("volumes"), e -> { }, plugins());
            assertTrue(service.driverNames().isEmpty());
            VolumeService.View v = service.create("v1", "fake", Map.of(), Map.of());
            assertEquals("fake", v.driver());
            assertEquals("global", v.scope());
            assertEquals(List.of("fake"), service.driverNames());
            assertEquals("/fake/v1", service.mount("v1", "c1"));
            service.unmount("v1", "c1");
            List<String> warnings = new ArrayList<>();
            assertEquals(List.of("v1"), service.list(Filters.parse(null), warnings).stream().map(VolumeService.View::name).toList());
            assertEquals(List.of(), warnings);
            NotFoundException missing = assertThrows(NotFoundException.class,
                    () -> service.create("v2", "nosuch", Map.of(), Map.of()));
            assertEquals("create v2: error looking up volume plugin nosuch: plugin \"nosuch\" not found", missing.getMessage());

            p.close();
            UnavailableException gone = assertThrows(UnavailableException.class, () -> service.get("v1"));
            assertTrue(gone.getMessage().contains("driver fake is not available"), gone.getMessage());
            gone = assertThrows(UnavailableException.class, () -> service.get("v1"));
            assertEquals("get v1: driver fake is not available", gone.getMessage());
            warnings.clear();
            assertEquals(List.of("v1"), service.list(Filters.parse(null), warnings).stream().map(VolumeService.View::name).toList());
            assertTrue(warnings.contains("driver fake is not available"), warnings.toString());

            try (FakePlugin back = new FakePlugin(dir.resolve("fake.sock"))) {
                back.volumes.put("v1", "/fake/v1");
                assertEquals("/fake/v1", service.get("v1").mountpoint());
                service.remove("v1", false);
                assertFalse(back.volumes.containsKey("v1"));
            }
        }
    }
}
