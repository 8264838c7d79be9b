package io.wharf.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Containers with volumes, through the real docker CLI: named volumes made on first use and shared
 * between containers, copy-up of the image's content, anonymous volumes from -v /path and the
 * image's VOLUME removed by rm -v and --rm, a volume in use refused, a tmpfs volume's size limit, a
 * copy-up cut short by kill -9, an ext4 volume on a loop device.
 */
class ContainerVolumesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private WharfDaemon daemonWithBusybox() throws Exception {
        WharfDaemon d = new WharfDaemon(dir).start();
        d.docker("import", "--change", "CMD [\"sh\"]", TestImages.fullBusyboxRootfs(dir).toString(), "busybox:latest").ok();
        return d;
    }

    private static List<String> volumes(WharfDaemon d) throws Exception {
        return d.docker("volume", "ls", "-q").ok().out().lines().sorted().toList();
    }

    @Test
    void namedVolumesOutliveContainersAndCopyUpTheImage() throws Exception {
        try (WharfDaemon d = daemonWithBusybox()) {
            d.docker("run", "--rm", "-v", "data:/data", "busybox", "sh", "-c", "echo kept > /data/f").ok();
            assertEquals("kept\n", d.docker("run", "--rm", "-v", "data:/data:ro", "busybox", "cat", "/data/f").ok().out());
            Cli.Result readOnly = d.docker("run", "--rm", "--mount", "type=volume,src=data,dst=/data,readonly", "busybox",
                    "touch", "/data/g");
            assertTrue(readOnly.err().contains("Read-only file system"), readOnly.toString());
            assertEquals(List.of("data"), volumes(d));

            // A new, empty volume gets the image's content at its destination; nocopy leaves it empty.
            assertTrue(d.docker("run", "--rm", "-v", "etc:/etc", "busybox", "cat", "/etc/passwd").ok().out()
                    .contains("app:x:1000:1000"));
            assertEquals("app\n", d.docker("run", "--rm", "-v", "homes:/home", "busybox", "ls", "/home").ok().out());
            assertEquals("", d.docker("run", "--rm", "-v", "bare:/home:nocopy", "busybox", "ls", "/home").ok().out());

            d.docker("run", "-d", "--name", "user", "-v", "data:/data", "busybox", "sleep", "60").ok();
            String id = d.docker("inspect", "--format", "{{.Id}}", "user").ok().out().trim();
            JsonNode mounts = JSON.readTree(d.docker("inspect", "--format", "{{json .Mounts}}", "user").ok().out());
            assertEquals("volume", mounts.get(0).get("Type").asText());
            assertEquals("data", mounts.get(0).get("Name").asText());
            assertEquals("/data", mounts.get(0).get("Destination").asText());
            assertTrue(mounts.get(0).get("Source").asText().endsWith("/volumes/data/_data"), mounts.toString());
            Cli.Result inUse = d.docker("volume", "rm", "data");
            assertTrue(inUse.err().contains("remove data: volume is in use - [" + id + "]"), inUse.err());
            d.docker("rm", "-f", "user").ok();
            d.docker("volume", "rm", "data", "etc", "homes", "bare").ok();
            assertEquals(List.of(), volumes(d));
        }
    }

    @Test
    void anonymousVolumesGoWithRmVAndRm() throws Exception {
        try (WharfDaemon d = daemonWithBusybox()) {
            d.docker("create", "--name", "anon", "-v", "/scratch", "busybox", "true").ok();
            String name = d.docker("inspect", "--format", "{{(index .Mounts 0).Name}}", "anon").ok().out().trim();
            assertEquals(64, name.length());
            assertEquals(List.of(name), volumes(d));
            d.docker("rm", "-v", "anon").ok();
            assertEquals(List.of(), volumes(d));

            d.docker("run", "--rm", "-v", "/scratch", "busybox", "sh", "-c", "echo x > /scratch/f").ok();
            assertEquals(List.of(), volumes(d), "--rm removes the anonymous volume");

            // The image's VOLUME gets an anonymous volume too; rm without -v keeps it.
            d.docker("run", "--name", "maker", "busybox", "mkdir", "-p", "/vol").ok();
            d.docker("commit", "--change", "VOLUME /vol", "maker", "withvolume:1").ok();
            d.docker("run", "--name", "declared", "withvolume:1", "sh", "-c", "echo in-volume > /vol/f").ok();
            List<String> made = volumes(d);
            assertEquals(1, made.size());
            d.docker("rm", "declared", "maker").ok();
            assertEquals(made, volumes(d));
            d.docker("volume", "prune", "-f").ok();
            assertEquals(List.of(), volumes(d));
        }
    }

    @Test
    void volumesFromAnotherContainer() throws Exception {
        try (WharfDaemon d = daemonWithBusybox()) {
            Path hostDir = dir.resolve("bound");
            Files.createDirectories(hostDir);
            d.docker("create", "--name", "source", "-v", "/shared", "-v", "named:/named", "-v", hostDir + ":/bound",
                    "busybox", "true").ok();
            d.docker("run", "--rm", "--volumes-from", "source", "busybox", "sh", "-c",
                    "echo x > /shared/f && echo y > /named/g && echo z > /bound/b").ok();
            assertEquals("z\n", Files.readString(hostDir.resolve("b")), "the source's bind mount is shared too");
            assertEquals("x\ny\nz\n", d.docker("run", "--rm", "--volumes-from", "source:ro", "busybox", "cat", "/shared/f",
                    "/named/g", "/bound/b").ok().out());
            Cli.Result readOnly = d.docker("run", "--rm", "--volumes-from", "source:ro", "busybox", "touch", "/shared/h");
            assertTrue(readOnly.err().contains("Read-only file system"), readOnly.toString());
            Cli.Result bindReadOnly = d.docker("run", "--rm", "--volumes-from", "source:ro", "busybox", "touch", "/bound/h");
            assertTrue(bindReadOnly.err().contains("Read-only file system"), bindReadOnly.toString());
            d.docker("create", "--name", "consumer", "--volumes-from", "source", "busybox", "true").ok();
            String mounts = d.docker("inspect", "--format", "{{range .Mounts}}{{.Type}}:{{.Destination}} {{end}}", "consumer")
                    .ok().out();
            assertTrue(mounts.contains("bind:/bound"), mounts);
            d.docker("rm", "consumer").ok();
            // Answered 400 as by dockerd (ContainersTest checks the status); --pull never keeps a 404,
            // which the CLI takes for a missing image, from sending it to a registry.
            Cli.Result missing = d.docker("run", "--rm", "--pull", "never", "--volumes-from", "nosuch", "busybox", "true");
            assertTrue(missing.err().contains("No such container: nosuch"), missing.err());
            assertEquals(2, volumes(d).size(), "the consumers' --rm took none of the source's volumes");
            d.docker("rm", "-v", "source").ok();
            d.docker("volume", "rm", "named").ok();
            assertEquals(List.of(), volumes(d));
        }
    }

    @Test
    void volumesAndTheirReferencesSurviveADaemonKill() throws Exception {
        WharfDaemon d = new WharfDaemon(dir).start("--live-restore");
        try {
            d.docker("import", "--change", "CMD [\"sh\"]", TestImages.fullBusyboxRootfs(dir).toString(), "busybox:latest").ok();
            d.docker("run", "-d", "--name", "keeper", "-v", "kept:/data", "busybox", "sh", "-c",
                    "echo before > /data/f; sleep 600").ok();
            d.docker("create", "--name", "idle", "-v", "/anon", "busybox", "true").ok();
            d.kill();
            d.start("--live-restore");
            assertEquals("before\n", d.docker("exec", "keeper", "cat", "/data/f").ok().out());
            d.docker("exec", "keeper", "sh", "-c", "echo after >> /data/f").ok();
            assertTrue(d.docker("volume", "rm", "kept").err().contains("volume is in use"));
            d.docker("rm", "-f", "keeper").ok();
            assertEquals("before\nafter\n", d.docker("run", "--rm", "-v", "kept:/data", "busybox", "cat", "/data/f").ok().out());
            d.docker("rm", "-v", "idle").ok();
            d.docker("volume", "rm", "kept").ok();
            assertEquals(List.of(), volumes(d));
        } finally {
            d.docker("rm", "-f", "keeper");
            d.close();
        }
    }

    @Test
    void aTmpfsVolumeEnforcesItsSize() throws Exception {
        try (WharfDaemon d = daemonWithBusybox()) {
            d.docker("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=1m", "small").ok();
            d.docker("run", "--rm", "-v", "small:/s", "busybox", "dd", "if=/dev/zero", "of=/s/a", "bs=512k", "count=1").ok();
            Cli.Result full = d.docker("run", "--rm", "-v", "small:/s", "busybox", "dd", "if=/dev/zero", "of=/s/b",
                    "bs=1M", "count=2");
            assertNotEquals(0, full.exitCode());
            assertTrue(full.err().contains("No space left on device"), full.err());
            assertFalse(d.docker("volume", "inspect", "small").ok().out().isEmpty());
            d.docker("volume", "rm", "small").ok();
        }
    }

    private static boolean hasEntries(Path dir) throws Exception {
        try (var entries = Files.list(dir)) {
            return entries.findAny().isPresent();
        }
    }

    private static long entries(Path dir) throws Exception {
        try (var entries = Files.walk(dir)) {
            return entries.count();
        }
    }

    @Test
    void aCopyUpCutShortByKillMinus9IsDoneAgainWholeAtTheNextStart() throws Exception {
        WharfDaemon d = daemonWithBusybox();
        try {
            // An image with 20000 files in its VOLUME: copying them into a new volume takes a while.
            d.docker("run", "--name", "maker", "busybox", "sh", "-c",
                    "mkdir /data && cd /data && i=0; while [ $i -lt 20000 ]; do echo $i > f$i; i=$((i+1)); done").ok();
            d.docker("commit", "--change", "VOLUME /data", "maker", "many:1").ok();
            d.docker("rm", "maker").ok();
            d.docker("create", "--name", "copier", "-v", "copied:/data", "many:1", "sleep", "600").ok();
            Path data = d.dataRoot.resolve("volumes/copied/_data");

            // Killed as soon as the copy has begun: mid-copy, unless the copy is quicker than this poll.
            var start = d.dockerAsync("start", "copier");
            Eventually.await(Duration.ofSeconds(30), () -> hasEntries(data) || start.isDone(), "the copy-up began");
            d.kill();
            start.join();
            Thread.sleep(200); // for the SIGKILL of the daemon's children to land
            long left = entries(data);
            Thread.sleep(500);
            assertEquals(left, entries(data), "no copy outlives the daemon to write on");
            d.start();

            Cli.Result inUse = d.docker("volume", "rm", "copied");
            assertTrue(inUse.err().contains("volume is in use"), inUse.toString());
            d.docker("start", "copier").ok();
            assertEquals("20000\n", d.docker("exec", "copier", "sh", "-c", "ls -A /data | wc -l").ok().out(),
                    "every file of the image, and nothing else");
            assertEquals("19999\n", d.docker("exec", "copier", "cat", "/data/f19999").ok().out());
            d.docker("rm", "-f", "copier").ok();
            d.docker("volume", "rm", "copied").ok();
            assertEquals(List.of(), volumes(d));
        } finally {
            d.close();
        }
    }

    @Test
    void anExt4VolumeOnALoopDeviceIsMountedForItsUsersOnly() throws Exception {
        try (LoopDevice disk = LoopDevice.attach(dir.resolve("ext4.img"), "ext4", 32); WharfDaemon d = daemonWithBusybox()) {
            d.docker("volume", "create", "--driver", "local", "--opt", "type=ext4", "--opt", "device=" + disk.device(), "disk")
                    .ok();
            Path data = d.dataRoot.resolve("volumes/disk/_data");
            assertEquals(0, HostMounts.at(data), "mounted at its first use, not at create");
            assertEquals("ext2/ext3\n", d.docker("run", "--rm", "-v", "disk:/d", "busybox", "sh", "-c",
                    "echo on-ext4 > /d/f && stat -f -c %T /d").ok().out());
            assertEquals(0, HostMounts.at(data), "unmounted after its last user");
            assertEquals("on-ext4\n", d.docker("run", "--rm", "-v", "disk:/d:ro", "busybox", "cat", "/d/f").ok().out());

            // The data is in the filesystem itself, seen by mounting the device elsewhere.
            Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
            Cli.run(java.util.Map.of(), List.of("mount", "-o", "ro", disk.device(), elsewhere.toString())).ok();
            try {
                assertEquals("on-ext4\n", Files.readString(elsewhere.resolve("f")));
            } finally {
                Cli.run(java.util.Map.of(), List.of("umount", elsewhere.toString())).ok();
            }
            d.docker("volume", "rm", "disk").ok();
        }
    }
}
