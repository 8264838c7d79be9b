package io.wharf.graphdriver.devicemapper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;

import io.wharf.core.spi.graphdriver.GraphDriver;
import io.wharf.core.spi.graphdriver.NotSupportedException;
import io.wharf.core.spi.linux.Commands;
import io.wharf.test.graphtest.GraphDriverConformance;

/**
 * The graph-driver conformance suite on devicemapper, for real: a loop-lvm pool over small sparse
 * files in each test's home (1G data, 32M metadata, 64M layers), made through the factory. Needs
 * root, and a host the factory accepts (device-mapper in the kernel, dmsetup and the other tools);
 * where it declines, every test is skipped with the factory's reason. After the class no device of the tests' pools and no loop device over
 * their files may be left: any that is, is removed, and the class fails.
 */
class DeviceMapperConformanceTest extends GraphDriverConformance {

    private static final List<String> PREFIXES = new ArrayList<>();
    private static final List<Path> HOMES = new ArrayList<>();

    @Override
    protected GraphDriver createDriver(Path home) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "device-mapper and loop devices need root");
        GraphDriver driver;
        try {
            driver = new DeviceMapperDriverFactory().create(home, Map.of("dm.loopdatasize", "1G",
                    "dm.loopmetadatasize", "32M", "dm.basesize", "64M"));
        } catch (NotSupportedException e) {
            return abort("skipped: devicemapper declines on this host, so there is no thin pool to test on: "
                    + e.getMessage());
        }
        HOMES.add(home);
        PREFIXES.add(DeviceSet.devicePrefix(home));
        return driver;
    }

    @AfterAll
    static void nothingIsLeft() throws Exception {
        if (HOMES.isEmpty()) {
            return;
        }
        List<String> left = new ArrayList<>();
        for (String line : Commands.run("dmsetup", "ls").lines().toList()) {
            String name = line.split("\\s+")[0];
            if (PREFIXES.stream().anyMatch(p -> name.startsWith(p + "-"))) {
                left.add(name);
            }
        }
        // thin devices before their pool
        left.sort((a, b) -> Boolean.compare(a.endsWith("-pool"), b.endsWith("-pool")));
        for (String name : left) {
            Commands.run("dmsetup", "remove", "--retry", name);
        }
        List<String> loops = new ArrayList<>();
        for (String line : Commands.run("losetup", "--noheadings", "--output", "NAME,BACK-FILE", "--list").lines().toList()) {
            String[] f = line.trim().split("\\s+", 2);
            if (f.length == 2 && HOMES.stream().anyMatch(h -> f[1].startsWith(h.toString()))) {
                loops.add(f[0]);
                Commands.run("losetup", "--detach", f[0]);
            }
        }
        assertEquals(List.of(), left, "device-mapper devices left by the tests");
        assertEquals(List.of(), loops, "loop devices left by the tests");
    }
}
