package io.wharf.core.internal.volume.plugin;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;

import io.wharf.core.internal.json.Json;

/**
 * A volume plugin in the test's JVM on a real unix socket: volumes are names in a map, their
 * mountpoint a fixed path; every call is recorded. {@link #failNext} makes the next call answer
 * 500 with an Err.
 */
final class FakePlugin implements AutoCloseable {

    final Path socket;
    final Map<String, String> volumes = new TreeMap<>();
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile String failNext;
    private final ServerSocketChannel server;
    private final Thread acceptor;

    FakePlugin(Path socket) throws IOException {
        this.socket = socket;
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        acceptor = Thread.ofVirtual().start(() -> {
            while (server.isOpen()) {
                try {
                    SocketChannel ch = server.accept();
                    Thread.ofVirtual().start(() -> serve(ch));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private void serve(SocketChannel ch) {
        try (ch) {
            InputStream in = new BufferedInputStream(Channels.newInputStream(ch));
            String request = line(in);
            int length = 0;
            for (String h; !(h = line(in)).isEmpty();) {
                if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(h.substring(15).trim());
                }
            }
            JsonNode args = Json.MAPPER.readTree(in.readNBytes(length));
            String method = request.split(" ")[1].substring(1);
            calls.add(method + (args.has("Name") ? " " + args.get("Name").asText() : ""));
            int status = 200;
            Object answer;
            String fail = failNext;
            if (fail != null) {
                failNext = null;
                status = 500;
                answer = Map.of("Err", fail);
            } else {
                answer = answer(method, args);
            }
            byte[] body = Json.bytes(answer);
            OutputStream out = Channels.newOutputStream(ch);
            out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/vnd.docker.plugins.v1.2+json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
        } catch (IOException e) {
            // the client went away
        }
    }

    private synchronized Object answer(String method, JsonNode args) {
        String name = args.path("Name").asText();
        return switch (method) {
            case "Plugin.Activate" -> Map.of("Implements", List.of("VolumeDriver"));
            case "VolumeDriver.Capabilities" -> Map.of("Capabilities", Map.of("Scope", "global"));
            case "VolumeDriver.Create" -> {
                if (args.path("Opts").has("bad")) {
                    yield Map.of("Err", "bad option");
                }
                volumes.put(name, "/fake/" + name);
                yield Map.of("Err", "");
            }
            case "VolumeDriver.Remove" -> volumes.remove(name) == null ? Map.of("Err", "no such volume") : Map.of();
            case "VolumeDriver.Get" -> volumes.containsKey(name)
                    ? Map.of("Volume", Map.of("Name", name, "Mountpoint", volumes.get(name),
                            "CreatedAt", "2024-01-02T03:04:05Z", "Status", Map.of("k", "v")), "Err", "")
                    : Map.of("Err", "volume " + name + " not found");
            case "VolumeDriver.List" -> Map.of("Volumes", volumes.entrySet().stream()
                    .map(e -> Map.of("Name", e.getKey(), "Mountpoint", e.getValue())).toList());
            case "VolumeDriver.Path", "VolumeDriver.Mount" -> volumes.containsKey(name)
                    ? Map.of("Mountpoint", volumes.get(name)) : Map.of("Err", "no such volume");
            case "VolumeDriver.Unmount" -> Map.of();
            default -> Map.of("Err", "unknown method " + method);
        };
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) >= 0 && c != '\n';) {
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        acceptor.interrupt();
        Files.deleteIfExists(socket);
    }
}
