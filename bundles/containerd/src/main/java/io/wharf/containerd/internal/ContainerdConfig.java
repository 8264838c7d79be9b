package io.wharf.containerd.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Where the daemon's own containerd keeps its files, as dockerd lays them out: root under
 * {@code <data-root>/containerd}, state, sockets, pid file and config under
 * {@code <exec-root>/containerd}; and the version 2 config file that says so.
 *
 * @param rootDir  {@code <data-root>/containerd}
 * @param stateDir {@code <exec-root>/containerd}
 */
record ContainerdConfig(Path rootDir, Path stateDir) {

    /** containerd's default, which dockerd keeps: 16 MiB each way. */
    static final int MAX_MESSAGE_SIZE = 16 << 20;

    /** Plugins dockerd disables; in a version 2 config a plugin is named by its full ID. */
    static final List<String> DISABLED_PLUGINS = List.of("io.containerd.grpc.v1.cri");

    static ContainerdConfig forDaemon(Path dataRoot, Path execRoot) {
        return new ContainerdConfig(dataRoot.resolve("containerd"), execRoot.resolve("containerd"));
    }

    Path configFile() {
        return stateDir.resolve("containerd.toml");
    }

    Path address() {
        return stateDir.resolve("containerd.sock");
    }

    Path debugAddress() {
        return stateDir.resolve("containerd-debug.sock");
    }

    Path pidFile() {
        return stateDir.resolve("containerd.pid");
    }

    /** The config file's text: containerd's root and state under ours, its sockets beside the config. */
    String toml() {
        StringBuilder t = new StringBuilder();
        t.append("# Written by the Wharf daemon at every start of the containerd it supervises.\n");
        t.append("version = 2\n");
        t.append("root = ").append(quote(rootDir.resolve("daemon").toString())).append('\n');
        t.append("state = ").append(quote(stateDir.resolve("daemon").toString())).append('\n');
        t.append("disabled_plugins = [");
        for (int i = 0; i < DISABLED_PLUGINS.size(); i++) {
            t.append(i == 0 ? "" : ", ").append(quote(DISABLED_PLUGINS.get(i)));
        }
        t.append("]\n\n");
        t.append("[grpc]\n");
        t.append("  address = ").append(quote(address().toString())).append('\n');
        t.append("  max_recv_message_size = ").append(MAX_MESSAGE_SIZE).append('\n');
        t.append("  max_send_message_size = ").append(MAX_MESSAGE_SIZE).append('\n');
        t.append('\n');
        t.append("[debug]\n");
        t.append("  address = ").append(quote(debugAddress().toString())).append('\n');
        return t.toString();
    }

    /** Creates the two directories (0711 and 0700, as dockerd) and writes the config file atomically. */
    void write() throws IOException {
        ensureDirectory(rootDir, "rwx--x--x");
        ensureDirectory(stateDir, "rwx------");
        writeAtomically(configFile(), toml());
    }

    private static void ensureDirectory(Path dir, String mode) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(mode));
    }

    /** Temp file beside the target, fsync, rename: a reader sees the old file or the new one. */
    static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** A TOML basic string. */
    static String quote(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                case '\t' -> q.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        q.append(String.format("\\u%04x", (int) c));
                    } else {
                        q.append(c);
                    }
                }
            }
        }
        return q.append('"').toString();
    }
}
