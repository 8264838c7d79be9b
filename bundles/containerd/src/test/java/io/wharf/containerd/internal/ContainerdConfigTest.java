package io.wharf.containerd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerdConfigTest {

    @TempDir
    Path dir;

    @Test
    void layoutFollowsDockerd() {
        ContainerdConfig c = ContainerdConfig.forDaemon(Path.of("/var/lib/wharf"), Path.of("/var/run/wharf"));
        assertEquals(Path.of("/var/lib/wharf/containerd"), c.rootDir());
        assertEquals(Path.of("/var/run/wharf/containerd"), c.stateDir());
        assertEquals(Path.of("/var/run/wharf/containerd/containerd.toml"), c.configFile());
        assertEquals(Path.of("/var/run/wharf/containerd/containerd.sock"), c.address());
        assertEquals(Path.of("/var/run/wharf/containerd/containerd-debug.sock"), c.debugAddress());
        assertEquals(Path.of("/var/run/wharf/containerd/containerd.pid"), c.pidFile());
    }

    @Test
    void versionTwoConfigWithRootStateSocketsAndFullPluginIds() {
        String toml = ContainerdConfig.forDaemon(Path.of("/var/lib/wharf"), Path.of("/var/run/wharf")).toml();
        String expected = """
                # Written by the Wharf daemon at every start of the containerd it supervises.
                version = 2
                root = "/var/lib/wharf/containerd/daemon"
                state = "/var/run/wharf/containerd/daemon"
                disabled_plugins = ["io.containerd.grpc.v1.cri"]

                [grpc]
                  address = "/var/run/wharf/containerd/containerd.sock"
                  max_recv_message_size = 16777216
                  max_send_message_size = 16777216

                [debug]
                  address = "/var/run/wharf/containerd/containerd-debug.sock"
                """;
        assertEquals(expected, toml);
    }

    @Test
    void pathsAreTomlBasicStrings() {
        assertEquals("\"/tmp/a \\\"b\\\" \\\\c\"", ContainerdConfig.quote("/tmp/a \"b\" \\c"));
        assertEquals("\"x\\ny\\u0001\"", ContainerdConfig.quote("x\ny\u0001"));
        String toml = ContainerdConfig.forDaemon(Path.of("/data \"root\""), Path.of("/exec")).toml();
        assertTrue(toml.contains("root = \"/data \\\"root\\\"/containerd/daemon\"\n"), toml);
    }

    @Test
    void writeCreatesTheDirectoriesAndReplacesTheFileWhole() throws Exception {
        ContainerdConfig c = ContainerdConfig.forDaemon(dir.resolve("root"), dir.resolve("exec"));
        Files.createDirectories(c.stateDir());
        Files.writeString(c.configFile(), "left by an older daemon, longer than the new file will be ".repeat(20));
        c.write();
        assertEquals(c.toml(), Files.readString(c.configFile()));
        assertEquals("rwx--x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(c.rootDir())));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(c.stateDir())));
        try (Stream<Path> files = Files.list(c.stateDir())) {
            assertEquals(java.util.List.of(c.configFile()), files.toList(), "no temporary file is left");
        }
    }
}
