package io.wharf.core.internal.container.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The platform read from this host: the daemon's own hard limits, kernel, CPUs and sysctls. */
class SpecPlatformTest {

    @Test
    void readsTheHost() throws Exception {
        SpecPlatform p = SpecPlatform.ofHost("/wharf", Path.of("/usr/bin/docker-init"), false, false, List.of());
        assertEquals(16, p.hardRlimits().size(), "every line of /proc/self/limits");
        String limits = Files.readString(Path.of("/proc/self/limits"));
        String nofile = limits.lines().filter(l -> l.startsWith("Max open files")).findFirst().orElseThrow()
                .split("\\s{2,}")[2];
        assertEquals(nofile.equals("unlimited") ? -1L : Long.parseLong(nofile), p.hardRlimits().get("RLIMIT_NOFILE"));
        assertTrue(p.kernel().kernel() >= 3);
        assertEquals(Runtime.getRuntime().availableProcessors(), p.cpus());
        assertFalse(p.cpusetCpus().isEmpty());
        p.networkSysctls().keySet().forEach(name -> assertTrue(Files.exists(Path.of("/proc/sys", name.replace('.', '/')))));
        assertTrue(Capabilities.ALL.containsAll(p.capabilities()));
        assertTrue(p.capabilities().containsAll(Capabilities.DEFAULTS));
    }

    @Test
    void capabilitiesComeFromTheBoundingMask() {
        // This machine's CapBnd: everything up to CAP_CHECKPOINT_RESTORE (40) but CAP_SYS_RESOURCE (24).
        assertEquals(SpecFixtures.CAPABILITIES, Capabilities.inMask(0x000001fffeffffffL));
        assertEquals(List.of("CAP_CHOWN", "CAP_KILL"), Capabilities.inMask(0b100001));
    }
}
