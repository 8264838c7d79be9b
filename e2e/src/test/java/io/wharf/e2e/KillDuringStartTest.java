package io.wharf.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A daemon killed with kill -9 at some moment of a `docker start` comes back with the container
 * whole: stopped with neither its root filesystem nor its network namespace mounted nor its
 * published port's rules in the firewall, or running (the start won the race, with
 * --live-restore) with them, and nothing of them left once it stops. A `docker create` cut short
 * leaves no layer behind.
 */
class KillDuringStartTest {

    /** How long after `docker start` is launched the daemon is killed, in ms: across the start's steps. */
    private static final int[] DELAYS = { 0, 50, 100, 150, 200, 260, 330, 450 };

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({ "none,false", "none,true", "bridge,false", "bridge,true" })
    void aStartCutShortLeavesNoMountBehind(String network, boolean liveRestore) throws Exception {
        String[] flags = liveRestore ? new String[] { "--storage-driver", "overlay2", "--live-restore" }
                : new String[] { "--storage-driver", "overlay2" };
        WharfDaemon d = new WharfDaemon(dir).start(flags);
        List<String> left;
        try {
            d.docker("import", "--change", "CMD [\"sh\"]", TestImages.fullBusyboxRootfs(dir).toString(), "busybox:latest").ok();
            // On the bridge the container publishes a port: its DNAT rule exists while it runs only.
            String port = network.equals("bridge") ? String.valueOf(FreePort.find()) : null;
            String id = d.docker(port == null
                    ? new String[] { "create", "--name", "box", "--network", network, "busybox", "sleep", "600" }
                    : new String[] { "create", "--name", "box", "--network", network, "-p", port + ":80", "busybox",
                            "sleep", "600" }).ok().out().trim();
            Path rootfs = d.dataRoot.resolve("overlay2").resolve(id);
            Path netns = d.execRoot.resolve("netns");
            for (int delay : DELAYS) {
                var start = d.dockerAsync("start", "box");
                TimeUnit.MILLISECONDS.sleep(delay);
                d.kill();
                start.join();
                d.start(flags);
                String state = d.inspect("{{.State.Status}}", "box");
                String at = "after a kill " + delay + " ms into docker start (" + state + ")";
                if (state.equals("running")) {
                    assertTrue(liveRestore, "only --live-restore keeps a container running " + at);
                    assertEquals("alive\n", d.docker("exec", "box", "echo", "alive").ok().out(), at);
                    String sandboxKey = d.inspect("{{.NetworkSettings.SandboxKey}}", "box");
                    assertTrue(mountsUnder(netns).stream().allMatch(sandboxKey::equals), "only its own namespace " + at);
                    if (port != null) {
                        assertEquals(1, dnatRules(port).size(), "the running container's port " + at);
                    }
                    d.docker("kill", "box").ok();
                    d.docker("wait", "box").ok();
                }
                assertTrue(List.of("created", "exited").contains(d.inspect("{{.State.Status}}", "box")), at);
                assertEquals(List.of(), mountsUnder(rootfs), "root filesystem mounted " + at);
                assertEquals(List.of(), mountsUnder(netns), "network namespaces " + at);
                if (port != null) {
                    assertEquals(List.of(), dnatRules(port), "the stopped container's port " + at);
                }
                d.docker("start", "box").ok();
                assertEquals("alive\n", d.docker("exec", "box", "echo", "alive").ok().out(), at);
                if (port != null) {
                    assertEquals(1, dnatRules(port).size(), "the port once started again " + at);
                }
                d.docker("kill", "box").ok();
                d.docker("wait", "box").ok();
            }
            d.docker("rm", "box").ok();
        } finally {
            d.docker("rm", "-f", "box"); // no task left running, with --live-restore too
            d.close();
            left = mountsUnder(dir);
            left.reversed().forEach(KillDuringStartTest::unmount);
        }
        assertEquals(List.of(), left, "mounts left once the daemon stopped");
    }

    /**
     * What a kill between the driver's layers of a `docker create` and their record leaves: the
     * layers, a layer record without its mount-id and no container. Made here from a whole create
     * with the daemon down, since the moment is too short to hit by timing a kill.
     */
    @Test
    void aCreateCutShortLeavesNoLayerBehind() throws Exception {
        String[] flags = { "--storage-driver", "overlay2" };
        WharfDaemon d = new WharfDaemon(dir).start(flags);
        try {
            d.docker("import", "--change", "CMD [\"sh\"]", TestImages.fullBusyboxRootfs(dir).toString(), "busybox:latest").ok();
            String id = d.docker("create", "busybox", "true").ok().out().trim();
            Path layers = d.dataRoot.resolve("overlay2");
            Path record = d.dataRoot.resolve("image/overlay2/layerdb/mounts").resolve(id);
            assertTrue(Files.isDirectory(layers.resolve(id)) && Files.isDirectory(layers.resolve(id + "-init")));
            d.kill();
            for (String file : List.of("mount-id", "init-id", "parent")) {
                Files.deleteIfExists(record.resolve(file));
            }
            Cli.run(Map.of(), List.of("rm", "-rf", d.dataRoot.resolve("containers").resolve(id).toString())).ok();

            d.start(flags);
            assertEquals("", d.docker("ps", "-aq").ok().out());
            assertFalse(Files.exists(record), "the layer record");
            assertFalse(Files.exists(layers.resolve(id)), "the read-write layer");
            assertFalse(Files.exists(layers.resolve(id + "-init")), "the init layer");
            assertEquals("ran\n", d.docker("run", "--rm", "busybox", "echo", "ran").ok().out());
        } finally {
            d.close();
        }
    }

    /** The nat table's DNAT rules for host port {@code port}. */
    private static List<String> dnatRules(String port) throws Exception {
        return Cli.run(Map.of(), List.of("iptables", "-t", "nat", "-S")).ok().out().lines()
                .filter(r -> r.contains("--dport " + port + " ") && r.contains("DNAT")).toList();
    }

    /** The mount points at or under {@code p}, in mount order. */
    private static List<String> mountsUnder(Path p) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String mountPoint = line.split(" ")[4];
            if (mountPoint.equals(p.toString()) || mountPoint.startsWith(p + "/")) {
                out.add(mountPoint);
            }
        }
        return out;
    }

    private static void unmount(String mountPoint) {
        try {
            new ProcessBuilder("umount", "-l", mountPoint).inheritIO().start().waitFor();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
