package io.wharf.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local image commands on each graph driver this host runs: import, load (with whiteouts),
 * images, inspect, history, tag, save and load back, rmi, prune, and a restart in between.
 */
class ImagesTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = { "vfs", "overlay2" })
    void imageCommands(String driver) throws Exception {
        imageCommands(new WharfDaemon(dir.resolve("daemon")), driver, "--storage-driver", driver);
    }

    /** With no --storage-driver, a data root on btrfs gets btrfs: first in dockerd's priority list. */
    @Test
    void imageCommandsOnBtrfsChosenByPriority() throws Exception {
        try (LoopFilesystem btrfs = LoopFilesystem.create(dir.resolve("btrfs.img"), dir.resolve("btrfs"), "btrfs", 512)) {
            WharfDaemon onBtrfs = new WharfDaemon(dir.resolve("daemon"), btrfs.mountPoint().resolve("root"));
            imageCommands(onBtrfs, "btrfs");
            assertTrue(onBtrfs.logText().contains("storage driver: btrfs"), onBtrfs.logText());
        }
    }

    private void imageCommands(WharfDaemon d, String driver, String... flags) throws Exception {
        Path rootfs = TestImages.busyboxRootfs(dir);
        TestImages.Archive layered = TestImages.layeredArchive(dir, "layered:1");
        try (WharfDaemon running = d.start(flags)) {
            assertTrue(running.docker("info").ok().out().contains("Storage Driver: " + driver));

            String imported = running.docker("import", "--change", "CMD [\"/bin/sh\"]", "--change", "ENV GREETING=hello",
                    rootfs.toString(), "busybox:imported").ok().out().trim();
            assertTrue(imported.startsWith("sha256:"), imported);
            assertEquals("[\"/bin/sh\"]", running.docker("inspect", "--format", "{{json .Config.Cmd}}", "busybox:imported")
                    .ok().out().trim());
            assertTrue(running.docker("inspect", "--format", "{{json .Config.Env}}", "busybox:imported").ok().out()
                    .contains("GREETING=hello"));

            String loaded = running.docker("load", "-i", layered.file().toString()).ok().out();
            assertTrue(loaded.contains("Loaded image: layered:1"), loaded);
            assertEquals(layered.imageId(), running.docker("inspect", "--format", "{{.Id}}", "layered:1").ok().out().trim());
            assertEquals(String.join(" ", layered.diffIds()), running.docker("inspect", "--format",
                    "{{range $i, $l := .RootFS.Layers}}{{if $i}} {{end}}{{$l}}{{end}}", "layered:1").ok().out().trim());
            assertWhiteoutsApplied(running, driver, layered);

            assertEquals(List.of("layer two", "noop", "layer one"), lines(running.docker("history", "--no-trunc",
                    "--format", "{{.CreatedBy}}", "layered:1").ok().out()));

            running.docker("tag", "layered:1", "example.com/team/layered:v2").ok();
            String images = running.docker("images", "--format", "{{.Repository}}:{{.Tag}}").ok().out();
            assertTrue(images.contains("example.com/team/layered:v2") && images.contains("layered:1")
                    && images.contains("busybox:imported"), images);
            assertEquals("layered:1", running.docker("images", "--filter", "label=made-by=e2e", "--format",
                    "{{.Repository}}:{{.Tag}}", "layered").ok().out().trim());

            Path saved = dir.resolve("saved.tar");
            running.docker("save", "-o", saved.toString(), "layered:1").ok();
            String rmi = running.docker("rmi", "layered:1", "example.com/team/layered:v2").ok().out();
            assertTrue(rmi.contains("Untagged: layered:1") && rmi.contains("Deleted: " + layered.imageId()), rmi);
            assertFalse(running.docker("images", "-q", "--no-trunc").ok().out().contains(layered.imageId()));
            assertTrue(running.docker("load", "-i", saved.toString()).ok().out().contains("Loaded image: layered:1"));
            assertEquals(layered.imageId(), running.docker("inspect", "--format", "{{.Id}}", "layered:1").ok().out().trim(),
                    "save then load keeps the image ID");

            Cli.Result missing = running.docker("inspect", "no-such-image:1");
            assertNotEquals(0, missing.exitCode());
            assertTrue(missing.err().contains("No such image") || missing.err().contains("No such object"), missing.err());
            Cli.Result bad = running.docker("tag", "layered:1", "Bad/Name");
            assertNotEquals(0, bad.exitCode());
            assertTrue(bad.err().contains("invalid reference format"), bad.err());
        }

        try (WharfDaemon restarted = d.start(flags)) {
            String images = restarted.docker("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").ok().out();
            assertTrue(images.contains("layered:1") && images.contains("busybox:imported"), images);
            assertEquals(layered.imageId(), restarted.docker("inspect", "--format", "{{.Id}}", "layered:1").ok().out().trim());
            assertWhiteoutsApplied(restarted, driver, layered);

            // until: only images made before then (layered:1 was made in January, busybox:imported just now)
            String old = restarted.docker("image", "prune", "-a", "-f", "--filter", "until=1h").ok().out();
            assertTrue(old.contains("deleted: " + layered.imageId()), old);
            assertTrue(restarted.docker("images", "--format", "{{.Repository}}:{{.Tag}}").ok().out().contains("busybox:imported"));
            String pruned = restarted.docker("image", "prune", "-a", "-f").ok().out();
            assertTrue(pruned.contains("Total reclaimed space"), pruned);
            assertEquals("", restarted.docker("images", "-q").ok().out().trim());
            Path layerdb = d.dataRoot.resolve("image").resolve(driver).resolve("layerdb").resolve("sha256");
            try (Stream<Path> left = Files.list(layerdb)) {
                assertEquals(0, left.count(), "no layers are left once no image uses them");
            }
        }
    }

    /** `docker load` of an OCI image layout, as newer Docker and containerd export images. */
    @Test
    void loadsOciImageLayouts() throws Exception {
        TestImages.Archive oci = TestImages.ociLayout(dir, "example.com/oci/hello:1");
        try (WharfDaemon d = new WharfDaemon(dir.resolve("daemon")).start("--storage-driver", "vfs")) {
            String loaded = d.docker("load", "-i", oci.file().toString()).ok().out();
            assertTrue(loaded.contains("Loaded image: example.com/oci/hello:1"), loaded);
            assertEquals(oci.imageId(), d.docker("inspect", "--format", "{{.Id}}", "example.com/oci/hello:1").ok().out().trim());
            assertEquals("[\"/hello\"]", d.docker("inspect", "--format", "{{json .Config.Cmd}}", "example.com/oci/hello:1")
                    .ok().out().trim());
            assertEquals(oci.diffIds().getFirst(), d.docker("inspect", "--format", "{{index .RootFS.Layers 0}}",
                    "example.com/oci/hello:1").ok().out().trim());
        }
    }

    /** kill -9 in the middle of a load: after a restart no layer or image is half there, and nothing else is lost. */
    @Test
    void killDuringLoadLeavesNothingHalfDone() throws Exception {
        TestImages.Archive big = TestImages.bigArchive(dir, "big:1", 8, 8 * 1024 * 1024);
        WharfDaemon d = new WharfDaemon(dir.resolve("daemon"));
        try (WharfDaemon running = d.start()) {
            running.docker("import", TestImages.busyboxRootfs(dir).toString(), "busybox:keep").ok();
            ProcessBuilder pb = new ProcessBuilder("docker", "-H", "unix://" + running.socket, "load", "-i",
                    big.file().toString()).redirectErrorStream(true).redirectOutput(dir.resolve("load.out").toFile());
            pb.environment().put("DOCKER_CONFIG", dir.resolve("docker-config").toString());
            Process load = pb.start();
            Path layerTmp = d.dataRoot.resolve("image/overlay2/layerdb/tmp");
            for (int i = 0; i < 400 && isEmpty(layerTmp); i++) {
                Thread.sleep(5);
            }
            running.kill();
            load.waitFor();
        }
        try (WharfDaemon restarted = d.start()) {
            assertTrue(isEmpty(d.dataRoot.resolve("image/overlay2/layerdb/tmp")), "half-written layers were swept");
            restarted.docker("inspect", "busybox:keep").ok();
            String ids = restarted.docker("images", "-q", "--no-trunc").ok().out();
            assertFalse(ids.contains(big.imageId()) && restarted.docker("inspect", "big:1").exitCode() != 0);
            assertTrue(restarted.docker("load", "-i", big.file().toString()).ok().out().contains("Loaded image: big:1"));
            assertEquals(big.imageId(), restarted.docker("inspect", "--format", "{{.Id}}", "big:1").ok().out().trim());
            String df = restarted.docker("system", "df").ok().out();
            assertTrue(df.contains("Images") && df.contains("2 "), df);
        }
    }

    private static boolean isEmpty(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return true;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.findAny().isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "../escaped", "/absolute", "link/through" })
    void hostileLayersAreRefusedAndWriteNothingOutside(String trick) throws Exception {
        Path outside = dir.resolve("outside");
        Files.createDirectories(outside);
        Path archive = TestImages.archiveWithLayer(dir, out -> {
            if (trick.startsWith("link")) {
                TestImages.symlink(out, "link", outside.toString());
            }
            TarArchiveEntry e = new TarArchiveEntry(trick, true);
            byte[] content = "pwned\n".getBytes(StandardCharsets.UTF_8);
            e.setSize(content.length);
            e.setMode(0644);
            out.putArchiveEntry(e);
            out.write(content);
            out.closeArchiveEntry();
        });
        try (WharfDaemon d = new WharfDaemon(dir.resolve("daemon")).start("--storage-driver", "vfs")) {
            Cli.Result r = d.docker("load", "-i", archive.toString());
            assertNotEquals(0, r.exitCode(), r.out());
            try (Stream<Path> files = Files.list(outside)) {
                assertEquals(0, files.count(), "nothing written outside the layer");
            }
            assertFalse(Files.exists(d.dataRoot.resolve("vfs").resolve("escaped")));
            assertFalse(Files.exists(Path.of("/absolute")));
            assertEquals("", d.docker("images", "-q").ok().out().trim());
            d.docker("version").ok();
        }
    }

    private static List<String> lines(String s) {
        return s.lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
    }

    /** Layer 2 deleted "a" and made "d" opaque: the image's content must show exactly that. */
    private void assertWhiteoutsApplied(WharfDaemon d, String driver, TestImages.Archive layered) throws Exception {
        Path view;
        Path mount = null;
        if (driver.equals("overlay2")) {
            String upper = d.docker("inspect", "--format", "{{.GraphDriver.Data.UpperDir}}", "layered:1").ok().out().trim();
            String lower = d.docker("inspect", "--format", "{{.GraphDriver.Data.LowerDir}}", "layered:1").ok().out().trim();
            mount = Files.createTempDirectory(dir, "view");
            run("mount", "-t", "overlay", "overlay", "-o", "ro,lowerdir=" + upper + ":" + lower, mount.toString());
            view = mount;
        } else {
            String chain = TestImages.sha256((layered.diffIds().get(0) + " " + layered.diffIds().get(1))
                    .getBytes(StandardCharsets.US_ASCII));
            String cacheId = Files.readString(d.dataRoot.resolve("image").resolve(driver).resolve("layerdb/sha256")
                    .resolve(chain).resolve("cache-id")).trim();
            view = driver.equals("btrfs") ? d.dataRoot.resolve("btrfs/subvolumes").resolve(cacheId)
                    : d.dataRoot.resolve("vfs/dir").resolve(cacheId);
        }
        try {
            Set<String> top;
            try (Stream<Path> files = Files.list(view)) {
                top = files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
            }
            assertEquals(Set.of("b", "d", "big"), top);
            try (Stream<Path> files = Files.list(view.resolve("d"))) {
                assertEquals(Set.of("z"), files.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
            }
            assertEquals("beta\n", Files.readString(view.resolve("b")));
        } finally {
            if (mount != null) {
                run("umount", mount.toString());
            }
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
