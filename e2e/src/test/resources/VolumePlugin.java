// A volume plugin for the end-to-end tests, run as its own process with `java VolumePlugin.java
// SOCKET ROOT`: Docker's legacy plugin protocol (HTTP+JSON) on a unix socket; each volume is a
// directory ROOT/NAME; every call is appended to ROOT/calls.log as "Method Name".
import java.io.*;
import java.net.*;
import java.nio.channels.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.regex.*;
import java.util.stream.*;

public class VolumePlugin {

    static Path root;

    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        root = Path.of(args[1]);
        Files.createDirectories(root.resolve("volumes"));
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        System.out.println("listening on " + socket);
        System.out.flush();
        while (true) {
            SocketChannel ch = server.accept();
            Thread.ofVirtual().start(() -> serve(ch));
        }
    }

    static void serve(SocketChannel ch) {
        try (ch) {
            InputStream in = new BufferedInputStream(Channels.newInputStream(ch));
            String request = line(in);
            int length = 0;
            for (String h; !(h = line(in)).isEmpty();) {
                if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(h.substring(15).trim());
                }
            }
            String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            String method = request.split(" ")[1].substring(1);
            String name = field(body, "Name");
            String answer = answer(method, name);
            byte[] out = answer.getBytes(StandardCharsets.UTF_8);
            OutputStream o = Channels.newOutputStream(ch);
            o.write(("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.plugins.v1.2+json\r\nContent-Length: "
                    + out.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            o.write(out);
            o.flush();
        } catch (IOException e) {
            // the daemon went away
        }
    }

    static synchronized String answer(String method, String name) throws IOException {
        Files.writeString(root.resolve("calls.log"), method + (name == null ? "" : " " + name) + "\n",
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Path dir = name == null ? null : root.resolve("volumes").resolve(name);
        switch (method) {
            case "Plugin.Activate":
                return "{\"Implements\":[\"VolumeDriver\"]}";
            case "VolumeDriver.Capabilities":
                return "{\"Capabilities\":{\"Scope\":\"local\"}}";
            case "VolumeDriver.Create":
                Files.createDirectories(dir);
                return "{\"Err\":\"\"}";
            case "VolumeDriver.Remove":
                if (!Files.isDirectory(dir)) {
                    return "{\"Err\":\"no such volume\"}";
                }
                try (Stream<Path> s = Files.walk(dir)) {
                    for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
                return "{\"Err\":\"\"}";
            case "VolumeDriver.Get":
                return Files.isDirectory(dir)
                        ? "{\"Volume\":{\"Name\":" + quote(name) + ",\"Mountpoint\":" + quote(dir.toString())
                                + ",\"Status\":{\"plugin\":\"test\"}},\"Err\":\"\"}"
                        : "{\"Err\":\"no such volume\"}";
            case "VolumeDriver.List":
                try (Stream<Path> s = Files.list(root.resolve("volumes"))) {
                    return "{\"Volumes\":[" + s.map(p -> "{\"Name\":" + quote(p.getFileName().toString())
                            + ",\"Mountpoint\":" + quote(p.toString()) + "}").collect(Collectors.joining(",")) + "]}";
                }
            case "VolumeDriver.Path":
            case "VolumeDriver.Mount":
                return Files.isDirectory(dir) ? "{\"Mountpoint\":" + quote(dir.toString()) + "}" : "{\"Err\":\"no such volume\"}";
            case "VolumeDriver.Unmount":
                return "{}";
            default:
                return "{\"Err\":\"unknown method " + method + "\"}";
        }
    }

    static String field(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : null;
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) >= 0 && c != '\n';) {
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
