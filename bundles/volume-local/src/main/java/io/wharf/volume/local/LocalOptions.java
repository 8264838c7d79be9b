package io.wharf.volume.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * The local driver's options (moby's volume/local validateOpts, with the same messages): none for
 * a plain directory, or {@code type}, {@code device} and {@code o} for a mount(2) of
 * {@code device} with filesystem {@code type} and mount options {@code o}. Beyond dockerd, the
 * options of two common mounts are checked at create rather than at the first mount: a tmpfs's
 * {@code size} and {@code mode}, and a bind's {@code o=bind} with a device that exists.
 *
 * @param type   filesystem type, or "" for none
 * @param o      mount options as given, or ""
 * @param device what to mount, or ""
 */
record LocalOptions(String type, String o, String device) {

    static final LocalOptions NONE = new LocalOptions("", "", "");

    private static final List<String> VALID = List.of("type", "o", "device", "size");
    private static final Pattern TMPFS_SIZE = Pattern.compile("[0-9]+[kKmMgG%]?");
    private static final Pattern OCTAL = Pattern.compile("[0-7]{1,4}");

    /** mount(2) flags by option name (moby/sys/mount's table): value and whether the option clears it. */
    private record Flag(long value, boolean clear) {
    }

    private static final Map<String, Flag> FLAGS = Map.ofEntries(
            Map.entry("defaults", new Flag(0, false)),
            Map.entry("ro", new Flag(1, false)), Map.entry("rw", new Flag(1, true)),
            Map.entry("nosuid", new Flag(2, false)), Map.entry("suid", new Flag(2, true)),
            Map.entry("nodev", new Flag(4, false)), Map.entry("dev", new Flag(4, true)),
            Map.entry("noexec", new Flag(8, false)), Map.entry("exec", new Flag(8, true)),
            Map.entry("sync", new Flag(16, false)), Map.entry("async", new Flag(16, true)),
            Map.entry("remount", new Flag(32, false)),
            Map.entry("mand", new Flag(64, false)), Map.entry("nomand", new Flag(64, true)),
            Map.entry("dirsync", new Flag(128, false)),
            Map.entry("noatime", new Flag(1024, false)), Map.entry("atime", new Flag(1024, true)),
            Map.entry("nodiratime", new Flag(2048, false)), Map.entry("diratime", new Flag(2048, true)),
            Map.entry("bind", new Flag(4096, false)), Map.entry("rbind", new Flag(4096 | 16384, false)),
            Map.entry("relatime", new Flag(1 << 21, false)), Map.entry("norelatime", new Flag(1 << 21, true)),
            Map.entry("strictatime", new Flag(1 << 24, false)), Map.entry("nostrictatime", new Flag(1 << 24, true)));

    /** Checks {@code opts} as dockerd does at create, and the tmpfs and bind details. */
    static LocalOptions parse(Map<String, String> opts) {
        if (opts.isEmpty()) {
            return NONE;
        }
        for (String key : opts.keySet()) {
            if (!VALID.contains(key)) {
                throw new InvalidParameterException("invalid option: \"" + key + "\"");
            }
        }
        if (opts.containsKey("size")) {
            long size = ramInBytes(opts.get("size"));
            if (size > 0) {
                throw new InvalidParameterException("quota size requested but no quota support");
            }
        }
        // moby's mandatoryOpts, checked in a fixed order
        for (var rule : List.of(Map.entry("device", List.of("type")), Map.entry("type", List.of("device")),
                Map.entry("o", List.of("device", "type")))) {
            if (opts.containsKey(rule.getKey())) {
                for (String required : rule.getValue()) {
                    if (!opts.containsKey(required)) {
                        throw new InvalidParameterException("missing required option: \"" + required + "\"");
                    }
                }
            }
        }
        LocalOptions parsed = new LocalOptions(opts.getOrDefault("type", ""), opts.getOrDefault("o", ""),
                opts.getOrDefault("device", ""));
        parsed.checkMount();
        return parsed;
    }

    private void checkMount() {
        if (type.equals("tmpfs")) {
            for (String opt : o.split(",")) {
                int eq = opt.indexOf('=');
                String key = eq < 0 ? opt : opt.substring(0, eq);
                String value = eq < 0 ? "" : opt.substring(eq + 1);
                if (key.equals("size") && !TMPFS_SIZE.matcher(value).matches()) {
                    throw new InvalidParameterException("invalid tmpfs option \"" + opt
                            + "\": size must be a number of bytes with an optional k, m, g or % suffix");
                }
                if (key.equals("mode") && !OCTAL.matcher(value).matches()) {
                    throw new InvalidParameterException("invalid tmpfs option \"" + opt + "\": mode must be octal");
                }
            }
        }
        boolean bind = isBind();
        if (type.equals("none") && !bind) {
            throw new InvalidParameterException("invalid options: type \"none\" needs o=bind (or rbind)");
        }
        if (bind) {
            if (!device.startsWith("/")) {
                throw new InvalidParameterException("invalid device \"" + device + "\": a bind mount needs an absolute host path");
            }
            if (!Files.exists(Path.of(device))) {
                throw new InvalidParameterException("invalid device \"" + device + "\": no such file or directory");
            }
        }
    }

    boolean isBind() {
        return Set.of(o.split(",")).stream().anyMatch(s -> s.equals("bind") || s.equals("rbind"));
    }

    boolean needsMount() {
        return !type.isEmpty() || !device.isEmpty();
    }

    /** The flags of {@code o} for mount(2). */
    long flags() {
        long flags = 0;
        for (String opt : o.split(",")) {
            Flag f = FLAGS.get(opt);
            if (f != null) {
                flags = f.clear() ? flags & ~f.value() : flags | f.value();
            }
        }
        return flags;
    }

    /** The options of {@code o} that are not flags: the filesystem's data for mount(2), or null. */
    String data() {
        List<String> data = new ArrayList<>();
        for (String opt : o.split(",")) {
            if (!opt.isEmpty() && !FLAGS.containsKey(opt)) {
                data.add(opt);
            }
        }
        return data.isEmpty() ? null : String.join(",", data);
    }

    /** go-units RAMInBytes: a number with an optional binary unit (k, kb, kib, m, ...), case-insensitive. */
    static long ramInBytes(String size) {
        var m = Pattern.compile("^(\\d+(?:\\.\\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$").matcher(size);
        if (!m.matches()) {
            throw new InvalidParameterException("invalid size: '" + size + "'");
        }
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
        int shift = switch (unit) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            case "p" -> 50;
            default -> 0;
        };
        return (long) (n * (1L << shift));
    }
}
