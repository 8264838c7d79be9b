package io.wharf.core.internal.volume.plugin;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import io.wharf.core.internal.json.Json;

/**
 * Finds a legacy plugin by name as moby's pkg/plugins does: a socket {@code NAME.sock} or
 * {@code NAME/NAME.sock} in the socket directories, else a {@code NAME.spec} (a URL) or
 * {@code NAME.json} ({"Name", "Addr", "TLSConfig"}) in the spec directories, either also in a
 * {@code NAME/} subdirectory.
 */
final class PluginDiscovery {

    /** dockerd's directories. */
    static final List<Path> DEFAULT_SOCKET_DIRS = List.of(Path.of("/run/docker/plugins"));
    static final List<Path> DEFAULT_SPEC_DIRS = List.of(Path.of("/etc/docker/plugins"), Path.of("/usr/lib/docker/plugins"));

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.:/-]*");

    private final List<Path> socketDirs;
    private final List<Path> specDirs;

    PluginDiscovery(List<Path> socketDirs, List<Path> specDirs) {
        this.socketDirs = List.copyOf(socketDirs);
        this.specDirs = List.copyOf(specDirs);
    }

    /** dockerd's directories, or, when {@code dirs} is not empty, those searched for sockets and spec files alike. */
    static PluginDiscovery of(List<Path> dirs) {
        return dirs.isEmpty() ? new PluginDiscovery(DEFAULT_SOCKET_DIRS, DEFAULT_SPEC_DIRS) : new PluginDiscovery(dirs, dirs);
    }

    List<Path> socketDirs() {
        return socketDirs;
    }

    List<Path> specDirs() {
        return specDirs;
    }

    /**
     * The plugin's address, or empty when none of the directories has it.
     *
     * @throws IOException when its spec file is there but unreadable or names no usable address
     */
    Optional<PluginAddress> find(String name) throws IOException {
        if (!NAME.matcher(name).matches() || name.contains("..")) {
            return Optional.empty();
        }
        for (Path dir : socketDirs) {
            for (Path p : candidates(dir, name, ".sock")) {
                if (isSocket(p)) {
                    try {
                        return Optional.of(new PluginAddress(name, new URI("unix", null, p.toAbsolutePath().toString(), null), p));
                    } catch (URISyntaxException e) {
                        throw new IOException("plugin " + name + ": socket path " + p + ": " + e.getMessage(), e);
                    }
                }
            }
        }
        for (Path dir : specDirs) {
            for (String ext : List.of(".spec", ".json")) {
                for (Path p : candidates(dir, name, ext)) {
                    if (Files.isRegularFile(p)) {
                        return Optional.of(ext.equals(".spec") ? readSpec(name, p) : readJson(name, p));
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static List<Path> candidates(Path dir, String name, String ext) {
        return List.of(dir.resolve(name + ext), dir.resolve(name).resolve(name + ext));
    }

    private static boolean isSocket(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return a.isOther(); // a socket (or another special file; connecting tells)
        } catch (IOException e) {
            return false;
        }
    }

    static PluginAddress readSpec(String name, Path file) throws IOException {
        return new PluginAddress(name, address(name, Files.readString(file).trim(), file), file);
    }

    static PluginAddress readJson(String name, Path file) throws IOException {
        JsonNode spec;
        try {
            spec = Json.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException("plugin " + name + ": invalid " + file + ": " + e.getMessage(), e);
        }
        JsonNode tls = spec.path("TLSConfig");
        if (tls.isObject() && (!tls.path("CAFile").asText("").isEmpty() || !tls.path("CertFile").asText("").isEmpty())) {
            throw new IOException("plugin " + name + ": " + file + ": TLSConfig is not supported by Wharf");
        }
        return new PluginAddress(name, address(name, spec.path("Addr").asText("").trim(), file), file);
    }

    private static URI address(String name, String addr, Path file) throws IOException {
        URI uri;
        try {
            uri = new URI(addr);
        } catch (URISyntaxException e) {
            throw new IOException("plugin " + name + ": invalid address in " + file + ": " + e.getMessage(), e);
        }
        if (uri.getScheme() == null) {
            throw new IOException("plugin " + name + ": " + file + ": Unknown protocol");
        }
        switch (uri.getScheme()) {
            case "unix" -> {
                if (uri.getPath() == null || uri.getPath().isEmpty()) {
                    throw new IOException("plugin " + name + ": " + file + ": no socket path in " + addr);
                }
            }
            case "tcp", "http" -> {
                if (uri.getHost() == null || uri.getPort() < 0) {
                    throw new IOException("plugin " + name + ": " + file + ": no host:port in " + addr);
                }
            }
            default -> throw new IOException("plugin " + name + ": " + file + ": unsupported protocol " + uri.getScheme()
                    + " (unix and tcp are)");
        }
        return uri;
    }
}
