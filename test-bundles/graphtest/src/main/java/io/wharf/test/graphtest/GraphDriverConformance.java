package io.wharf.test.graphtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.spi.archive.Change;
import io.wharf.core.spi.graphdriver.DiffDriver;
import io.wharf.core.spi.graphdriver.GraphDriver;
import io.wharf.core.spi.graphdriver.NaiveDiffDriver;
import io.wharf.core.spi.linux.Mounts;

/**
 * The conformance suite every graph-driver module runs (moby's {@code daemon/graphdriver/graphtest}):
 * a driver module extends this class, says how its driver is made in {@link #createDriver}, and
 * gets the same tests as every other driver. Everything goes through the SPI: layers are created,
 * mounted with {@code get}, filled with ordinary file I/O, released with {@code put}; the diff half
 * is the driver's own {@link DiffDriver} or, for a driver without one, the core's
 * {@link NaiveDiffDriver}, as the daemon would use it.
 *
 * <p>Each test gets a fresh driver in a fresh home; after each test the driver is cleaned up and
 * nothing may stay mounted under its home (anything that did is unmounted, and the test fails).
 */
public abstract class GraphDriverConformance {

    /** Per-test scratch space; the driver's home is made from it by {@link #newHome}. */
    @TempDir
    protected Path tempDir;

    private Path home;
    private GraphDriver driver;

    /**
     * Initialises the driver under test in {@code home}, as the daemon does for data-root/NAME
     * ({@code home} does not exist yet; its parent does).
     */
    protected abstract GraphDriver createDriver(Path home) throws Exception;

    /**
     * Where this test's driver lives. Override to put it on a particular filesystem (btrfs needs
     * a btrfs mount); the default is a directory in the test's {@link #tempDir}.
     */
    protected Path newHome() throws Exception {
        return tempDir.resolve("graph");
    }

    /**
     * How many layers the deep-chain test stacks. 60 by default; a driver whose mounts grow with
     * depth (overlay2) should test the most an image may have.
     */
    protected int deepChainDepth() {
        return 60;
    }

    @BeforeEach
    final void startDriver() throws Exception {
        home = newHome();
        driver = createDriver(home);
        assertNotNull(driver, "createDriver returned null");
    }

    @AfterEach
    final void stopDriver() throws Exception {
        if (home == null) {
            return;
        }
        List<Path> left;
        try {
            if (driver != null) {
                driver.cleanup();
            }
        } finally {
            left = mountsUnder(home);
            // Never leave a mount behind, even when the driver's cleanup is what is broken.
            for (Path p : left.stream().sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList()) {
                Mounts.unmount(p, Mounts.MNT_DETACH);
            }
        }
        assertEquals(List.of(), left, "cleanup() left mounts under " + home);
    }

    /** The driver under test, as {@link #createDriver} made it for this test. */
    protected final GraphDriver driver() {
        return driver;
    }

    /** The home the driver under test was created in. */
    protected final Path home() {
        return home;
    }

    // ----------------------------------------------------------------- proto half

    @Test
    void createdBaseLayerExistsAndIsAnEmptyDirectory() throws Exception {
        String base = id("base");
        assertFalse(driver.exists(base), "exists before create");
        driver.create(base, null);
        assertTrue(driver.exists(base), "exists after create");
        assertFalse(driver.exists(id("never-created")), "exists for an unknown layer");

        inMount(base, dir -> {
            assertTrue(Files.isDirectory(dir), "get returns a directory: " + dir);
            assertEquals(List.of(), list(dir), "a new base layer is empty");
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)),
                    "a layer's root is 0755, as moby's graphtest checks");
        });
    }

    @Test
    void getReturnsADirectoryWhereFilesCanBeWritten() throws Exception {
        String base = id("base");
        driver.create(base, null);
        inMount(base, dir -> {
            write(dir, "etc/hostname", "wharf\n");
            write(dir, "a-file", "content");
        });
        inMount(base, dir -> {
            assertFile(dir, "etc/hostname", "wharf\n");
            assertFile(dir, "a-file", "content");
        });
    }

    @Test
    void childLayerSeesItsParentsFiles() throws Exception {
        String base = id("base");
        String child = id("child");
        String grandchild = id("grandchild");
        layerWithFiles(base, null, Map.of("a", "from base", "sub/b", "nested in base"));
        layerWithFiles(child, base, Map.of("c", "from child"));
        driver.create(grandchild, child);

        inMount(grandchild, dir -> {
            assertFile(dir, "a", "from base");
            assertFile(dir, "sub/b", "nested in base");
            assertFile(dir, "c", "from child");
        });
    }

    @Test
    void childLayerKeepsItsParentsModesOwnersAndLinks() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        String base = id("base");
        String child = id("child");
        driver.create(base, null);
        inMount(base, dir -> {
            write(dir, "private/secret", "s3cret");
            Files.setPosixFilePermissions(dir.resolve("private/secret"), PosixFilePermissions.fromString("rw-r-----"));
            Files.setPosixFilePermissions(dir.resolve("private"), PosixFilePermissions.fromString("rwx--x---"));
            write(dir, "bin/tool", "#!/bin/sh\n");
            Files.setAttribute(dir.resolve("bin/tool"), "unix:mode", 04755);
            Files.createSymbolicLink(dir.resolve("bin/alias"), Path.of("tool"));
            if (root) {
                Files.setAttribute(dir.resolve("private/secret"), "unix:uid", 1234, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(dir.resolve("private/secret"), "unix:gid", 5678, LinkOption.NOFOLLOW_LINKS);
            }
        });
        driver.create(child, base);

        inMount(child, dir -> {
            Path secret = dir.resolve("private/secret");
            assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(secret, LinkOption.NOFOLLOW_LINKS)),
                    "mode of private/secret");
            assertEquals("rwx--x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("private"),
                    LinkOption.NOFOLLOW_LINKS)), "mode of private/");
            assertEquals(04755, (int) Files.getAttribute(dir.resolve("bin/tool"), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777,
                    "setuid mode of bin/tool");
            assertTrue(Files.isSymbolicLink(dir.resolve("bin/alias")), "bin/alias is no longer a symbolic link");
            assertEquals(Path.of("tool"), Files.readSymbolicLink(dir.resolve("bin/alias")), "target of bin/alias");
            if (root) {
                assertEquals(1234, Files.getAttribute(secret, "unix:uid", LinkOption.NOFOLLOW_LINKS), "owner of private/secret");
                assertEquals(5678, Files.getAttribute(secret, "unix:gid", LinkOption.NOFOLLOW_LINKS), "group of private/secret");
            }
        });
    }

    @Test
    void writingInAChildLeavesItsParentAlone() throws Exception {
        String base = id("base");
        String child = id("child");
        layerWithFiles(base, null, Map.of("a", "from base", "sub/b", "nested in base"));
        driver.create(child, base);

        inMount(child, dir -> {
            write(dir, "a", "changed in child");
            write(dir, "sub/b", "changed too");
            write(dir, "c", "new in child");
        });

        inMount(base, parent -> {
            assertFile(parent, "a", "from base");
            assertFile(parent, "sub/b", "nested in base");
            assertFalse(Files.exists(parent.resolve("c"), LinkOption.NOFOLLOW_LINKS), "the child's new file is in the parent");
        });
        inMount(child, dir -> {
            assertFile(dir, "a", "changed in child");
            assertFile(dir, "sub/b", "changed too");
            assertFile(dir, "c", "new in child");
        });
    }

    @Test
    void deletingAParentsFileInAChildHidesItInTheChildOnly() throws Exception {
        String base = id("base");
        String child = id("child");
        layerWithFiles(base, null, Map.of("a", "from base", "sub/b", "nested in base", "keep", "kept"));
        driver.create(child, base);

        inMount(child, dir -> {
            Files.delete(dir.resolve("a"));
            Files.delete(dir.resolve("sub/b"));
            Files.delete(dir.resolve("sub"));
            assertFalse(Files.exists(dir.resolve("a"), LinkOption.NOFOLLOW_LINKS), "deleted file still visible");
        });

        // Still hidden once the child is mounted afresh: the deletion is part of the layer.
        inMount(child, dir -> {
            assertFalse(Files.exists(dir.resolve("a"), LinkOption.NOFOLLOW_LINKS), "deleted file is back in the child");
            assertFalse(Files.exists(dir.resolve("sub"), LinkOption.NOFOLLOW_LINKS), "deleted directory is back in the child");
            assertFile(dir, "keep", "kept");
        });
        inMount(base, parent -> {
            assertFile(parent, "a", "from base");
            assertFile(parent, "sub/b", "nested in base");
        });
    }

    @Test
    void createReadWriteMakesAWritableLayerOnItsParent() throws Exception {
        // A container's layers as the daemon makes them: ID-init on the image, ID on ID-init.
        String image = id("image");
        String container = id("container");
        layerWithFiles(image, null, Map.of("etc/hostname", "image"));
        driver.createReadWrite(container + "-init", image);
        inMount(container + "-init", init -> {
            write(init, "etc/hostname", "container-init");
            write(init, ".dockerenv", "");
        });
        driver.createReadWrite(container, container + "-init");
        assertTrue(driver.exists(container), "read-write layer exists");

        inMount(container, rw -> {
            assertFile(rw, "etc/hostname", "container-init");
            assertFile(rw, ".dockerenv", "");
            write(rw, "tmp/scratch", "written by the container");
            assertFile(rw, "tmp/scratch", "written by the container");
        });
    }

    @Test
    void removedLayerNoLongerExists() throws Exception {
        String base = id("base");
        String child = id("child");
        layerWithFiles(base, null, Map.of("a", "from base"));
        layerWithFiles(child, base, Map.of("b", "from child"));

        driver.remove(child);
        assertFalse(driver.exists(child), "child exists after remove");
        assertThrows(IOException.class, () -> driver.get(child), "get of a removed layer");
        assertTrue(driver.exists(base), "removing the child removed its parent");

        driver.remove(base);
        assertFalse(driver.exists(base), "base exists after remove");
    }

    @Test
    void removeUnmountsAMountedLayer() throws Exception {
        String base = id("base");
        String child = id("child");
        layerWithFiles(base, null, Map.of("a", "from base"));
        driver.create(child, base);
        driver.get(child);

        driver.remove(child);
        assertFalse(driver.exists(child), "child exists after remove");
        assertEquals(List.of(), mountsUnder(home), "remove left the layer mounted");
    }

    @Test
    void getAndPutAreReferenceCounted() throws Exception {
        String base = id("base");
        String child = id("child");
        layerWithFiles(base, null, Map.of("a", "from base"));
        driver.create(child, base);

        Path first = driver.get(child);
        Path second = driver.get(child);
        assertEquals(first, second, "two gets of one layer give one directory");
        driver.put(child);

        // One get is still outstanding: the layer must still be there and writable.
        assertFile(first, "a", "from base");
        write(first, "b", "written after one put");
        assertFile(first, "b", "written after one put");

        driver.put(child);
        assertEquals(List.of(), mountsUnder(home), "the last put must unmount");

        inMount(child, again -> {
            assertFile(again, "b", "written after one put");
        });
    }

    @Test
    void statusAndMetadataDoNotThrow() throws Exception {
        String base = id("base");
        String child = id("child");
        layerWithFiles(base, null, Map.of("a", "from base"));
        driver.create(child, base);

        assertNotNull(driver.name(), "name");
        assertFalse(driver.name().isBlank(), "name is blank");
        List<Map.Entry<String, String>> status = driver.status();
        assertNotNull(status, "status");
        for (Map.Entry<String, String> e : status) {
            assertNotNull(e.getKey(), "status key");
            assertNotNull(e.getValue(), "status value of " + e.getKey());
        }
        assertNotNull(driver.metadata(base), "metadata of a base layer");
        assertNotNull(driver.metadata(child), "metadata of a child layer");
        driver.get(child);
        try {
            assertNotNull(driver.metadata(child), "metadata of a mounted layer");
        } finally {
            driver.put(child);
        }
    }

    @Test
    void cleanupUnmountsEverything() throws Exception {
        String base = id("base");
        String child = id("child");
        String grandchild = id("grandchild");
        String container = id("container");
        layerWithFiles(base, null, Map.of("a", "from base"));
        layerWithFiles(child, base, Map.of("b", "from child"));
        driver.create(grandchild, child);
        driver.createReadWrite(container, grandchild);

        // Gets without puts, as a daemon stopping with containers still running has them.
        driver.get(base);
        driver.get(child);
        driver.get(grandchild);
        driver.get(container);
        driver.get(container);

        driver.cleanup();
        assertEquals(List.of(), mountsUnder(home), "cleanup left mounts under " + home);
    }

    @Test
    void deepChainSeesEveryLayersFile() throws Exception {
        int depth = deepChainDepth();
        String parent = null;
        for (int i = 0; i < depth; i++) {
            String layer = id("layer-" + i);
            layerWithFiles(layer, parent, Map.of("layers/file-" + i, "layer " + i));
            parent = layer;
        }
        String top = id("top");
        driver.create(top, parent);

        inMount(top, dir -> {
            for (int i = 0; i < depth; i++) {
                assertFile(dir, "layers/file-" + i, "layer " + i);
            }
            assertEquals(depth, list(dir.resolve("layers")).size(), "files in the top layer");
        });
    }

    // ----------------------------------------------------------------- diff half

    /** The diff half the daemon would use with this driver. */
    protected final DiffDriver diffDriver() {
        return driver instanceof DiffDriver d ? d : new NaiveDiffDriver(driver);
    }

    private static final String CHILD_HOSTNAME = "child-hostname\n";
    private static final String OPT_NEW = "fresh\n";
    private static final String TOOL = "#!/bin/sh\necho tool\n";
    private static final long LAYER_SIZE = bytes(CHILD_HOSTNAME) + bytes(OPT_NEW) + bytes(TOOL);

    /** The base the diff tests apply {@link #layerTar()} on. */
    private String diffBase() throws IOException {
        String base = id("base");
        Map<String, String> files = new LinkedHashMap<>();
        files.put("etc/hostname", "base\n");
        files.put("etc/removed", "whited out by the layer\n");
        files.put("opt/old1", "hidden by the opaque directory\n");
        files.put("opt/sub/old2", "hidden too\n");
        files.put("keep", "untouched\n");
        layerWithFiles(base, null, files);
        return base;
    }

    /** A layer changing {@link #diffBase}: a modified, two added files, a whiteout and an opaque directory. */
    private static byte[] layerTar() throws IOException {
        return new LayerTarBuilder()
                .dir("etc/")
                .file("etc/hostname", CHILD_HOSTNAME)
                .file("etc/.wh.removed", "")
                .dir("opt/")
                .file("opt/.wh..wh..opq", "")
                .file("opt/new", OPT_NEW)
                .dir("usr/")
                .dir("usr/bin/")
                .file("usr/bin/tool", TOOL, 0755)
                .bytes();
    }

    private static Set<String> expectedChanges() {
        return new TreeSet<>(List.of("M /etc", "M /etc/hostname", "D /etc/removed", "M /opt", "A /opt/new",
                "D /opt/old1", "D /opt/sub", "A /usr", "A /usr/bin", "A /usr/bin/tool"));
    }

    @Test
    void applyDiffUnpacksALayerWithWhiteoutsAndAnOpaqueDirectory() throws Exception {
        String base = diffBase();
        String child = id("child");
        driver.create(child, base);

        long size = diffDriver().applyDiff(child, base, new ByteArrayInputStream(layerTar()));
        assertEquals(LAYER_SIZE, size, "applyDiff's size: the regular files the layer holds");

        inMount(child, dir -> {
            assertFile(dir, "etc/hostname", CHILD_HOSTNAME);
            assertFile(dir, "opt/new", OPT_NEW);
            assertFile(dir, "usr/bin/tool", TOOL);
            assertFile(dir, "keep", "untouched\n");
            assertFalse(Files.exists(dir.resolve("etc/removed"), LinkOption.NOFOLLOW_LINKS), "whiteout did not delete");
            assertEquals(List.of("new"), list(dir.resolve("opt")), "opaque directory shows only the layer's entries");
            assertFalse(Files.exists(dir.resolve("etc/.wh.removed"), LinkOption.NOFOLLOW_LINKS), "whiteout entry visible");
        });
        inMount(base, parent -> {
            assertFile(parent, "etc/hostname", "base\n");
            assertFile(parent, "etc/removed", "whited out by the layer\n");
            assertFile(parent, "opt/old1", "hidden by the opaque directory\n");
            assertFile(parent, "opt/sub/old2", "hidden too\n");
            assertFalse(Files.exists(parent.resolve("usr")), "the child's layer leaked into its parent");
        });
    }

    @Test
    void changesListWhatTheAppliedLayerChanged() throws Exception {
        String base = diffBase();
        String child = id("child");
        driver.create(child, base);
        diffDriver().applyDiff(child, base, new ByteArrayInputStream(layerTar()));

        assertEquals(expectedChanges(), changes(child, base));
    }

    @Test
    void diffIsALayerTarOfTheChanges() throws Exception {
        String base = diffBase();
        String child = id("child");
        driver.create(child, base);
        diffDriver().applyDiff(child, base, new ByteArrayInputStream(layerTar()));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        diffDriver().diff(child, base, out);
        Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
        Map<String, String> contents = new LinkedHashMap<>();
        for (LayerTarBuilder.Read r : LayerTarBuilder.read(out.toByteArray())) {
            String name = r.entry().getName().replaceFirst("^\\./", "").replaceFirst("/$", "");
            entries.put(name, r.entry());
            if (r.entry().isFile()) {
                contents.put(name, new String(r.content(), StandardCharsets.UTF_8));
            }
        }
        Set<String> names = entries.keySet();

        assertEquals(CHILD_HOSTNAME, contents.get("etc/hostname"), "modified file in the diff; entries: " + names);
        assertEquals(OPT_NEW, contents.get("opt/new"), "added file in the diff; entries: " + names);
        assertEquals(TOOL, contents.get("usr/bin/tool"), "added file in the diff; entries: " + names);
        assertEquals(0755, entries.get("usr/bin/tool").getMode() & 07777, "mode of usr/bin/tool");
        for (String dir : List.of("etc", "opt", "usr", "usr/bin")) {
            assertTrue(entries.containsKey(dir) && entries.get(dir).isDirectory(), dir + "/ in the diff; entries: " + names);
        }
        assertTrue(names.contains("etc/.wh.removed"), "whiteout of etc/removed in the diff; entries: " + names);
        // The opaque directory may travel as an opaque marker (native diff) or as one whiteout per
        // hidden entry (naive diff); either way unpacking it must hide opt's old content.
        assertTrue(names.contains("opt/.wh..wh..opq") || names.containsAll(List.of("opt/.wh.old1", "opt/.wh.sub")),
                "opt's old content is not whited out in the diff; entries: " + names);
        for (String absent : List.of("keep", "etc/removed", "opt/old1", "opt/sub", "opt/sub/old2")) {
            assertFalse(names.contains(absent), absent + " is not a change but is in the diff; entries: " + names);
        }

        // The diff re-applied on the same parent gives the same layer.
        String copy = id("copy");
        driver.create(copy, base);
        long size = diffDriver().applyDiff(copy, base, new ByteArrayInputStream(out.toByteArray()));
        assertEquals(LAYER_SIZE, size, "applyDiff's size of the re-applied diff");
        assertEquals(expectedChanges(), changes(copy, base), "changes of the layer rebuilt from the diff");
    }

    @Test
    void diffSizeIsTheSizeOfTheChangedFiles() throws Exception {
        String base = diffBase();
        String child = id("child");
        driver.create(child, base);
        diffDriver().applyDiff(child, base, new ByteArrayInputStream(layerTar()));

        assertEquals(LAYER_SIZE, diffDriver().diffSize(child, base));
    }

    @Test
    void diffOfABaseLayerHoldsAllOfIt() throws Exception {
        String base = id("base");
        layerWithFiles(base, null, Map.of("a", "from base", "sub/b", "nested"));

        assertEquals(new TreeSet<>(List.of("A /a", "A /sub", "A /sub/b")), changes(base, null));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        diffDriver().diff(base, null, out);
        Set<String> names = new TreeSet<>();
        for (LayerTarBuilder.Read r : LayerTarBuilder.read(out.toByteArray())) {
            names.add(r.entry().getName().replaceFirst("^\\./", "").replaceFirst("/$", ""));
        }
        assertEquals(new TreeSet<>(List.of("a", "sub", "sub/b")), names);
        assertEquals(bytes("from base") + bytes("nested"), diffDriver().diffSize(base, null));
    }

    @Test
    void diffAgainstAnAncestorHoldsEveryLayerBetween() throws Exception {
        String base = id("base");
        layerWithFiles(base, null, Map.of("a", "from base"));
        String middle = id("middle");
        layerWithFiles(middle, base, Map.of("b", "from middle"));
        String top = id("top");
        layerWithFiles(top, middle, Map.of("c", "from top"));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        diffDriver().diff(top, base, out);
        Set<String> names = new TreeSet<>();
        for (LayerTarBuilder.Read r : LayerTarBuilder.read(out.toByteArray())) {
            names.add(r.entry().getName().replaceFirst("^\\./", "").replaceFirst("/$", ""));
        }
        assertEquals(new TreeSet<>(List.of("b", "c")), names);
        assertEquals(bytes("from middle") + bytes("from top"), diffDriver().diffSize(top, base));
    }

    // ----------------------------------------------------------------- helpers

    /** A layer ID as the daemon makes them: 64 hex digits (here the SHA-256 of {@code name}). */
    protected static String id(String name) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Work on a layer's mounted directory. */
    @FunctionalInterface
    protected interface MountedWork {
        void run(Path dir) throws IOException;
    }

    /** Mounts the layer (get), does {@code work} in it, and releases the mount (put) whatever happens. */
    protected final void inMount(String id, MountedWork work) throws IOException {
        Path dir = driver.get(id);
        try {
            work.run(dir);
        } finally {
            driver.put(id);
        }
    }

    /** Creates a layer and writes {@code files} (relative path to content) into it through get/put. */
    protected final void layerWithFiles(String id, String parent, Map<String, String> files) throws IOException {
        driver.create(id, parent);
        inMount(id, dir -> {
            for (Map.Entry<String, String> f : files.entrySet()) {
                write(dir, f.getKey(), f.getValue());
            }
        });
    }

    private Set<String> changes(String id, String parent) throws IOException {
        Set<String> out = new TreeSet<>();
        for (Change c : diffDriver().changes(id, parent)) {
            out.add(c.kind().name().charAt(0) + " " + c.path());
        }
        return out;
    }

    protected static void write(Path root, String relative, String content) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    protected static void assertFile(Path root, String relative, String content) throws IOException {
        Path file = root.resolve(relative);
        assertTrue(Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS), relative + " is not a regular file in " + root);
        assertEquals(content, Files.readString(file), "content of " + relative);
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static long bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Mount points at or below {@code dir}, from /proc/self/mountinfo. */
    protected static List<Path> mountsUnder(Path dir) throws IOException {
        Path root = (Files.exists(dir) ? dir.toRealPath() : dir.toAbsolutePath().normalize());
        List<Path> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            // fields: mount-id parent-id major:minor root mount-point options ...
            String[] f = line.split(" ");
            if (f.length > 4) {
                Path mountPoint = Path.of(unescape(f[4]));
                if (mountPoint.startsWith(root)) {
                    out.add(mountPoint);
                }
            }
        }
        return out;
    }

    /** mountinfo writes space, tab, newline and backslash as \ooo. */
    private static String unescape(String field) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                sb.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
