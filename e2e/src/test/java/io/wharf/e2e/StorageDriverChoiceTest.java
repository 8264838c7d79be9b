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
        String missing = deviceMapperMissing();
        Assumptions.assumeTrue(missing != null, "this host has a working device-mapper, so devicemapper does not decline");
        Cli.Result r = wharfd(new WharfDaemon(dir), "--storage-driver", "devicemapper");
        assertEquals(1, r.exitCode(), r.out());
        assertTrue(r.out().contains("error initializing graphdriver: devicemapper is not supported here: "), r.out());
        assertTrue(r.out().contains("device-mapper"), "the reason names device-mapper: " + r.out());
    }

    /** The image commands on devicemapper's loop-lvm pool; on a host without device-mapper, skipped with the reason. */
    @Test
    void devicemapperImageCommands() throws Exception {
        String missing = deviceMapperMissing();
        Assumptions.assumeTrue(missing == null, () -> "skipped: " + missing);
        WharfDaemon d = new WharfDaemon(dir);
        try (WharfDaemon daemon = d.start("--storage-driver", "devicemapper", "--storage-opt", "dm.loopdatasize=2G",
                "--storage-opt", "dm.loopmetadatasize=64M", "--storage-opt", "dm.basesize=1G")) {
            String info = daemon.docker("info").ok().out();
            assertTrue(info.contains("Storage Driver: devicemapper"), info);
            assertTrue(info.contains("Pool Name: wharf-"), info);
            assertTrue(info.contains("Data loop file: " + d.dataRoot.resolve("devicemapper/devicemapper/data")), info);
            daemon.docker("import", TestImages.busyboxRootfs(dir).toString(), "busybox:dm").ok();
            assertEquals("devicemapper", daemon.docker("inspect", "-f", "{{.GraphDriver.Name}}", "busybox:dm").ok().out().trim());
            daemon.docker("rmi", "busybox:dm").ok();
        }
        // Stopped, the daemon removed its loop-lvm pool and devices, and the loop devices went with them.
        Path home = d.dataRoot.resolve("devicemapper");
        String ownDevices = "-" + Files.getAttribute(home, "unix:ino") + "-"; // in wharf-MAJOR:MINOR-INODE-...
        String devices = output("dmsetup", "ls");
        assertTrue(devices.lines().noneMatch(l -> l.startsWith("wharf-") && l.contains(ownDevices)), devices);
        assertEquals("", output("losetup", "--noheadings", "--output", "NAME", "--associated",
                home.resolve("devicemapper/data").toString()).trim());
    }

    private static String output(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    /**
     * Why devicemapper cannot run here, or null when it can. The kernel's files are read first:
     * dmsetup itself makes /dev/mapper/control when it is missing, so it is only asked when they say yes.
     */
    private static String deviceMapperMissing() throws Exception {
        if (!Files.readString(Path.of("/proc/devices")).contains(" device-mapper\n") && !Files.exists(Path.of("/dev/mapper/control"))) {
            return "this kernel has no device-mapper (no device-mapper in /proc/devices, no /dev/mapper/control)";
        }
        Process p = new ProcessBuilder("dmsetup", "version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        return p.waitFor() == 0 ? null : "the kernel's device-mapper does not answer: " + out.trim();
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
