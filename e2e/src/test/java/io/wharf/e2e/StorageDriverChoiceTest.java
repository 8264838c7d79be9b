package io.wharf.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How wharfd chooses its graph driver, and what it says when it cannot use the one asked for. */
class StorageDriverChoiceTest {

    @TempDir
    Path dir;

    private Cli.Result wharfd(WharfDaemon d, String... extra) throws Exception {
        Files.writeString(d.configFile(), "{}");
        List<String> args = new ArrayList<>(d.baseArgs());
        args.addAll(List.of(extra));
        return WharfDaemon.runToExit(dir.resolve("out.log"), Duration.ofSeconds(60), args.toArray(String[]::new));
    }

    @Test
    void unknownDriverFailsStartup() throws Exception {
        Cli.Result r = wharfd(new WharfDaemon(dir), "--storage-driver", "nosuchfs");
        assertEquals(1, r.exitCode(), r.out());
        assertTrue(r.out().contains("error initializing graphdriver: driver not supported: nosuchfs"), r.out());
    }

    @Test
    void unknownStorageOptionFailsStartup() throws Exception {
        Cli.Result r = wharfd(new WharfDaemon(dir), "--storage-driver", "overlay2", "--storage-opt", "overlay2.bogus=1");
        assertEquals(1, r.exitCode(), r.out());
        assertTrue(r.out().contains("overlay2: unknown option overlay2.bogus"), r.out());
    }

    @Test
    void driverThatCannotRunHereFailsWithItsReason() throws Exception {
        Cli.Result r = wharfd(new WharfDaemon(dir), "--storage-driver", "btrfs");
        assertEquals(1, r.exitCode(), r.out());
        assertTrue(r.out().contains("btrfs is not supported here: prerequisites for driver not satisfied (wrong filesystem?)"),
                r.out());
    }

    @Test
    void devicemapperDeclinesWithTheReason() throws Exception {
        Cli.Result r = wharfd(new WharfDaemon(dir), "--storage-driver", "devicemapper");
        assertEquals(1, r.exitCode(), r.out());
        assertTrue(r.out().contains("error initializing graphdriver: devicemapper is not supported here"), r.out());
    }

    /** The image commands on devicemapper need a kernel with device-mapper; this one may have none. */
    @Test
    void devicemapperImageCommands() throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/mapper/control"))
                || Files.readString(Path.of("/proc/devices")).contains(" device-mapper\n"),
                "skipped: this kernel has no device-mapper (no /dev/mapper/control, no device-mapper in /proc/devices)");
        Cli.Result r = wharfd(new WharfDaemon(dir), "--storage-driver", "devicemapper");
        assertEquals(1, r.exitCode(), "the thin-pool driver is not implemented yet; it must decline, not pretend: " + r.out());
    }

    @Test
    void priorStateWinsOverPriority() throws Exception {
        WharfDaemon d = new WharfDaemon(dir);
        try (WharfDaemon first = d.start("--storage-driver", "vfs")) {
            first.docker("import", TestImages.busyboxRootfs(dir).toString(), "busybox:prior").ok();
        }
        try (WharfDaemon again = d.start()) {
            assertTrue(again.docker("info").ok().out().contains("Storage Driver: vfs"), "vfs state in the data root wins");
            assertTrue(again.logText().contains("using prior storage driver: vfs"), again.logText());
            again.docker("inspect", "busybox:prior").ok();
        }
    }
}
