package io.wharf.core.internal.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The daemon's settings after flags and daemon.json are merged and validated: one immutable
 * value per directive key. A reload produces a new instance.
 */
public final class DaemonConfig {

    public static final String DEFAULT_UNIX_SOCKET = "/var/run/wharf.sock";

    private final Map<String, Object> values;
    private final Path configFile;

    DaemonConfig(Map<String, Object> values, Path configFile) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.configFile = configFile;
    }

    public String string(String key) {
        return (String) value(key);
    }

    public boolean bool(String key) {
        return (Boolean) value(key);
    }

    public int integer(String key) {
        return (Integer) value(key);
    }

    @SuppressWarnings("unchecked")
    public List<String> list(String key) {
        return (List<String>) value(key);
    }

    private Object value(String key) {
        Directives.get(key);
        return values.get(key);
    }

    /** Every directive and its value, in the order dockerd documents them. */
    public Map<String, Object> asMap() {
        return values;
    }

    public Path configFile() {
        return configFile;
    }

    public Path dataRoot() {
        return Path.of(string("data-root"));
    }

    public Path execRoot() {
        return Path.of(string("exec-root"));
    }

    public Path pidFile() {
        return Path.of(string("pidfile"));
    }

    public boolean debug() {
        return bool("debug");
    }

    /** --tlsverify implies --tls. */
    public boolean tls() {
        return bool("tls") || bool("tlsverify");
    }

    public boolean tlsVerify() {
        return bool("tlsverify");
    }

    public Optional<String> corsHeader() {
        String h = string("api-cors-header");
        return h.isEmpty() ? Optional.empty() : Optional.of(h);
    }

    public boolean experimental() {
        return bool("experimental");
    }

    public List<String> labels() {
        return list("labels");
    }

    /** The listen addresses; none given means the default unix socket. */
    public List<ListenAddress> hosts() {
        List<String> given = list("hosts");
        List<ListenAddress> out = new ArrayList<>();
        for (String h : given.isEmpty() ? List.of("unix://" + DEFAULT_UNIX_SOCKET) : given) {
            try {
                out.add(ListenAddress.parse(h, tls()));
            } catch (ConfigException e) {
                throw new IllegalStateException("validated configuration has a bad host: " + h, e);
            }
        }
        return out;
    }

    /** The cgroup driver chosen with --exec-opt native.cgroupdriver, cgroupfs by default. */
    public String cgroupDriver() {
        for (String opt : list("exec-opts")) {
            int eq = opt.indexOf('=');
            if (eq > 0 && opt.substring(0, eq).trim().equals("native.cgroupdriver")) {
                return opt.substring(eq + 1).trim();
            }
        }
        return "cgroupfs";
    }

    /** The keys whose values differ between this configuration and {@code other}. */
    public List<String> differences(DaemonConfig other) {
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, Object> e : values.entrySet()) {
            if (!e.getValue().equals(other.values.get(e.getKey()))) {
                changed.add(e.getKey());
            }
        }
        return changed;
    }

    /** This configuration with the reloadable settings of {@code next}; the rest stays as started. */
    public DaemonConfig withReloadable(DaemonConfig next) {
        Map<String, Object> merged = new LinkedHashMap<>(values);
        for (Directive d : Directives.all()) {
            if (d.reloadable()) {
                merged.put(d.key(), next.values.get(d.key()));
            }
        }
        return new DaemonConfig(merged, configFile);
    }

    /** The reloadable settings and their values, as the daemon reload event lists them. */
    public Map<String, Object> reloadableValues() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Directive d : Directives.all()) {
            if (d.reloadable()) {
                out.put(d.key(), values.get(d.key()));
            }
        }
        return out;
    }
}
