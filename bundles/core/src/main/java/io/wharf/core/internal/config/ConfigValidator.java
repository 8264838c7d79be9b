package io.wharf.core.internal.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.wharf.core.internal.container.spec.ContainerSettings;
import io.wharf.core.internal.units.Sizes;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.logging.LogSettings;

/** dockerd's verifyDaemonSettings and config.Validate: combinations that cannot work are refused. */
final class ConfigValidator {

    private ConfigValidator() {
    }

    /**
     * @param values   every directive's merged value
     * @param explicit the keys a user set by flag or file (defaults are not choices)
     */
    static void validate(Map<String, Object> values, Set<String> explicit) throws ConfigException {
        String level = (String) values.get("log-level");
        try {
            LogSettings.Level.parse(level);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("unable to parse logging level: " + level);
        }
        String format = (String) values.get("log-format");
        if (!format.equals("text") && !format.equals("json")) {
            throw new ConfigException("unknown log format: " + format);
        }
        boolean tls = (Boolean) values.get("tls") || (Boolean) values.get("tlsverify");
        for (Object host : (List<?>) values.get("hosts")) {
            ListenAddress.parse((String) host, tls);
        }
        validateLabels(list(values, "labels"));
        for (String ulimit : list(values, "default-ulimits")) {
            try {
                ContainerSettings.parseUlimit(ulimit);
            } catch (InvalidParameterException e) {
                throw new ConfigException(e.getMessage());
            }
        }
        try {
            if (Sizes.parse((String) values.get("default-shm-size"), Sizes.BINARY) <= 0) {
                throw new InvalidParameterException("invalid default-shm-size: it must be greater than 0");
            }
        } catch (InvalidParameterException e) {
            throw new ConfigException(e.getMessage());
        }

        boolean iptables = (Boolean) values.get("iptables");
        if (!((String) values.get("bip")).isEmpty() && !((String) values.get("bridge")).isEmpty()) {
            throw new ConfigException("You specified -b & --bip, mutually exclusive options. Please specify only one");
        }
        if (!iptables && !(Boolean) values.get("icc")) {
            throw new ConfigException("You specified --iptables=false with --icc=false. ICC=false uses iptables to "
                    + "function. Please set --icc or --iptables to true");
        }
        if (!iptables && (Boolean) values.get("ip-masq") && explicit.contains("ip-masq")) {
            throw new ConfigException("You specified --iptables=false with --ip-masq=true. IP masquerading uses "
                    + "iptables to function. Please set --ip-masq to false or --iptables to true");
        }
        if (!iptables && (Boolean) values.get("ip-masq")) {
            // --ip-masq defaults to true; with --iptables=false it silently cannot apply.
            values.put("ip-masq", false);
        }
        int mtu = (Integer) values.get("mtu");
        if (mtu < 0 || mtu > 65535) {
            throw new ConfigException("invalid default MTU: " + mtu);
        }
        for (String key : List.of("max-concurrent-downloads", "max-concurrent-uploads")) {
            int n = (Integer) values.get(key);
            if (n < 0) {
                throw new ConfigException("invalid max concurrent " + key.substring("max-concurrent-".length()) + ": " + n);
            }
        }
        if ((Integer) values.get("shutdown-timeout") < -1) {
            throw new ConfigException("invalid shutdown-timeout: " + values.get("shutdown-timeout"));
        }
        List<String> mirrors = new java.util.ArrayList<>();
        for (String mirror : list(values, "registry-mirrors")) {
            mirrors.add(validateMirror(mirror));
        }
        values.put("registry-mirrors", List.copyOf(mirrors));
        validateExecOpts(list(values, "exec-opts"));
        validateUsernsRemap((String) values.get("userns-remap"));
        if (!((String) values.get("bip")).isEmpty()) {
            validateCidr("bip", (String) values.get("bip"));
        }
        if (!((String) values.get("fixed-cidr")).isEmpty()) {
            validateCidr("fixed-cidr", (String) values.get("fixed-cidr"));
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> list(Map<String, Object> values, String key) {
        return (List<String>) values.get(key);
    }

    private static void validateLabels(List<String> labels) throws ConfigException {
        Map<String, String> seen = new HashMap<>();
        for (String label : labels) {
            int eq = label.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("bad attribute format: " + label);
            }
            String key = label.substring(0, eq);
            String value = label.substring(eq + 1);
            String before = seen.putIfAbsent(key, value);
            if (before != null && !before.equals(value)) {
                throw new ConfigException("conflict labels for " + key + "=" + before + " and " + key + "=" + value);
            }
        }
    }

    /**
     * moby's registry.ValidateMirror: an http or https URL of a host alone (no path, query,
     * fragment or user), written with a trailing slash.
     */
    static String validateMirror(String mirror) throws ConfigException {
        java.net.URI uri;
        try {
            uri = new java.net.URI(mirror);
        } catch (java.net.URISyntaxException e) {
            throw new ConfigException("invalid mirror: \"" + mirror + "\" is not a valid URI");
        }
        // Go's url.Parse lowercases the scheme.
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new ConfigException("invalid mirror: unsupported scheme \"" + scheme + "\" in \"" + mirror + "\"");
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        if ((!path.isEmpty() && !path.equals("/")) || !Objects.toString(uri.getRawQuery(), "").isEmpty()
                || !Objects.toString(uri.getRawFragment(), "").isEmpty()) {
            throw new ConfigException("invalid mirror: path, query, or fragment at end of the URI \"" + mirror + "\"");
        }
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            // As dockerd, the password is not shown.
            String user = userInfo.contains(":") ? userInfo.substring(0, userInfo.indexOf(':')) : userInfo;
            throw new ConfigException("invalid mirror: username/password not allowed in URI \""
                    + mirror.replace(userInfo + "@", user + ":xxxxx@") + "\"");
        }
        if (uri.getHost() == null) {
            throw new ConfigException("invalid mirror: \"" + mirror + "\" names no host");
        }
        return (mirror.endsWith("/") ? mirror.substring(0, mirror.length() - 1) : mirror) + "/";
    }

    private static void validateExecOpts(List<String> opts) throws ConfigException {
        for (String opt : opts) {
            int eq = opt.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("invalid exec-opt (" + opt + "): must be formatted 'opt=value'");
            }
            String key = opt.substring(0, eq).trim();
            String value = opt.substring(eq + 1).trim();
            switch (key) {
                case "native.cgroupdriver" -> {
                    if (!value.equals("cgroupfs") && !value.equals("systemd")) {
                        throw new ConfigException("native.cgroupdriver option " + value
                                + " not supported: it must be cgroupfs or systemd");
                    }
                }
                case "native.umask" -> {
                    if (!value.equals("normal") && !value.equals("0022")) {
                        throw new ConfigException("native.umask option " + value + " not supported");
                    }
                }
                default -> throw new ConfigException("unknown exec-opt: " + key);
            }
        }
    }

    private static void validateUsernsRemap(String remap) throws ConfigException {
        if (remap.isEmpty() || remap.equals("default")) {
            return;
        }
        String[] parts = remap.split(":", -1);
        if (parts.length > 2 || parts[0].isEmpty() || (parts.length == 2 && parts[1].isEmpty())) {
            throw new ConfigException("Invalid userns-remap value: " + remap + " (use \"default\" or user[:group])");
        }
    }

    private static void validateCidr(String flag, String cidr) throws ConfigException {
        String[] parts = cidr.split("/", -1);
        boolean ok = parts.length == 2 && parts[0].matches("\\d{1,3}(\\.\\d{1,3}){3}");
        if (ok) {
            for (String octet : parts[0].split("\\.")) {
                ok &= Integer.parseInt(octet) <= 255;
            }
            ok &= parts[1].matches("\\d{1,2}") && Integer.parseInt(parts[1]) <= 32;
        }
        if (!ok) {
            throw new ConfigException("invalid " + flag + " " + cidr + ": it must be an IPv4 address in CIDR notation");
        }
    }
}
