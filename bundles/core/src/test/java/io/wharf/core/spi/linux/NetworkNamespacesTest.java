package io.wharf.core.spi.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkNamespacesTest {

    @Test
    void aNewNamespaceHasOnlyLoopbackAndGoesWithItsFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("netns/sandbox");
        NetworkNamespaces.create(file);
        try {
            assertTrue(Mounts.isMountPoint(file));
            String links = Commands.run("nsenter", "--net=" + file, "ip", "-o", "link", "show");
            assertEquals(1, links.lines().count(), links);
            assertTrue(links.contains(": lo: "), links);
            Commands.run("nsenter", "--net=" + file, "ip", "link", "set", "lo", "up");
            // A socket made inside belongs to the namespace: the host's loopback does not reach it.
            try (ServerSocketChannel inside = NetworkNamespaces.call(file,
                    () -> ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0)))) {
                int port = ((InetSocketAddress) inside.getLocalAddress()).getPort();
                assertThrows(ConnectException.class, () -> SocketChannel.open(new InetSocketAddress("127.0.0.1", port)).close());
                try (SocketChannel client = NetworkNamespaces.call(file,
                        () -> SocketChannel.open(new InetSocketAddress("127.0.0.1", port)))) {
                    assertTrue(client.isConnected());
                }
            }
        } finally {
            NetworkNamespaces.delete(file);
        }
        assertFalse(Files.exists(file));
        assertFalse(Mounts.isMountPoint(file));
    }
}
