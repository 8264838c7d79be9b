package io.wharf.core.internal.config;

import static io.wharf.core.internal.config.Directive.Kind.BOOLEAN;
import static io.wharf.core.internal.config.Directive.Kind.INTEGER;
import static io.wharf.core.internal.config.Directive.Kind.LIST;
import static io.wharf.core.internal.config.Directive.Kind.STRING;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The daemon's settings with dockerd's flag names, daemon.json keys and defaults (Wharf's own
 * paths replace Docker's). Flags that later parts of Wharf act on are parsed and validated now.
 */
final class Directives {

    static final String DEFAULT_CONFIG_FILE = "/etc/wharf/daemon.json";

    private static final Map<String, Directive> BY_KEY = new LinkedHashMap<>();

    static {
        String certDir = Optional.ofNullable(System.getenv("DOCKER_CERT_PATH"))
                .orElse(Path.of(System.getProperty("user.home"), ".docker").toString());
        add("hosts", LIST, List.of(), false, "Daemon socket(s) to connect to", "-H", "--host");
        add("data-root", STRING, "/var/lib/wharf", false, "Root directory of persistent daemon state", "--data-root");
        add("exec-root", STRING, "/var/run/wharf", false, "Root directory for execution state files", "--exec-root");
        add("pidfile", STRING, "/var/run/wharf.pid", false, "Path to use for daemon PID file", "-p", "--pidfile");
        add("debug", BOOLEAN, false, true, "Enable debug mode", "-D", "--debug");
        add("log-level", STRING, "info", true, "Set the logging level (debug, info, warn, error, fatal)", "-l", "--log-level");
        add("log-format", STRING, "text", false, "Set the logging format (text, json)", "--log-format");
        add("group", STRING, "docker", false, "Group for the unix socket", "-G", "--group");
        add("tls", BOOLEAN, false, false, "Use TLS; implied by --tlsverify", "--tls");
        add("tlsverify", BOOLEAN, false, false, "Use TLS and verify the remote", "--tlsverify");
        add("tlscacert", STRING, certDir + "/ca.pem", false, "Trust certs signed only by this CA", "--tlscacert");
        add("tlscert", STRING, certDir + "/cert.pem", false, "Path to TLS certificate file", "--tlscert");
        add("tlskey", STRING, certDir + "/key.pem", false, "Path to TLS key file", "--tlskey");
        add("api-cors-header", STRING, "", false, "Set CORS headers in the Engine API", "--api-cors-header");
        add("experimental", BOOLEAN, false, false, "Enable experimental features", "--experimental");
        add("labels", LIST, List.of(), true, "Set key=value labels to the daemon", "--label");
        add("mtu", INTEGER, 0, false, "Set the containers network MTU", "--mtu");
        add("storage-driver", STRING, "", false, "Storage driver to use", "-s", "--storage-driver");
        add("storage-opts", LIST, List.of(), false, "Storage driver options", "--storage-opt");
        add("bridge", STRING, "", false, "Attach containers to a network bridge", "-b", "--bridge");
        add("bip", STRING, "", false, "Specify network bridge IP", "--bip");
        add("fixed-cidr", STRING, "", false, "IPv4 subnet for fixed IPs", "--fixed-cidr");
        add("default-ulimits", LIST, List.of(), false, "Default ulimits for containers (name=soft[:hard])", "--default-ulimit");
        add("default-shm-size", STRING, "64M", false, "Default shm size for containers", "--default-shm-size");
        add("default-address-pools", LIST, List.of(), false,
                "Default address pools for node specific local networks (base=CIDR,size=PREFIX)", "--default-address-pool");
        add("iptables", BOOLEAN, true, false, "Enable addition of iptables rules", "--iptables");
        add("ip-forward", BOOLEAN, true, false, "Enable net.ipv4.ip_forward", "--ip-forward");
        add("ip-masq", BOOLEAN, true, false, "Enable IP masquerading", "--ip-masq");
        add("icc", BOOLEAN, true, false, "Enable inter-container communication", "--icc");
        add("userns-remap", STRING, "", false, "User/Group setting for user namespaces", "--userns-remap");
        add("authorization-plugins", LIST, List.of(), true, "Authorization plugins to load", "--authorization-plugin");
        add("live-restore", BOOLEAN, false, true, "Enable live restore of docker when containers are still running", "--live-restore");
        add("max-concurrent-downloads", INTEGER, 3, true, "Set the max concurrent downloads for each pull", "--max-concurrent-downloads");
        add("max-concurrent-uploads", INTEGER, 5, true, "Set the max concurrent uploads for each push", "--max-concurrent-uploads");
        add("shutdown-timeout", INTEGER, 15, true, "Set the default shutdown timeout", "--shutdown-timeout");
        add("exec-opts", LIST, List.of(), false, "Runtime execution options", "--exec-opt");
        add("init", BOOLEAN, false, false, "Run an init in the container to forward signals and reap processes", "--init");
        add("init-path", STRING, "", false, "Path to the docker-init binary", "--init-path");
        add("cgroup-parent", STRING, "", false, "Set parent cgroup for all containers", "--cgroup-parent");
        add("no-new-privileges", BOOLEAN, false, false, "Set no-new-privileges by default for new containers",
                "--no-new-privileges");
        add("containerd", STRING, "", false, "containerd grpc address", "--containerd");
        add("registry-mirrors", LIST, List.of(), true, "Preferred registry mirror", "--registry-mirror");
        add("insecure-registries", LIST, List.of(), true, "Enable insecure registry communication", "--insecure-registry");
        // Wharf's own: where legacy plugins are looked for instead of dockerd's directories.
        add("plugin-dirs", LIST, List.of(), false,
                "Directory searched for legacy plugins' sockets and spec files, instead of /run/docker/plugins, "
                        + "/etc/docker/plugins and /usr/lib/docker/plugins (Wharf)", "--plugin-dir");
    }

    private Directives() {
    }

    private static void add(String key, Directive.Kind kind, Object defaultValue, boolean reloadable,
            String description, String... flags) {
        BY_KEY.put(key, new Directive(key, List.of(flags), kind, defaultValue, reloadable, description));
    }

    static Iterable<Directive> all() {
        return BY_KEY.values();
    }

    static Optional<Directive> byKey(String key) {
        return Optional.ofNullable(BY_KEY.get(key));
    }

    static Directive get(String key) {
        Directive d = BY_KEY.get(key);
        if (d == null) {
            throw new IllegalArgumentException("no such directive: " + key);
        }
        return d;
    }
}
