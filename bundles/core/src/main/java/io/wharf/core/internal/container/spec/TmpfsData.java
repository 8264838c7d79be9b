package io.wharf.core.internal.container.spec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.wharf.core.internal.container.HostConfig;
import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * The options of a tmpfs mount: from a --mount's TmpfsOptions (moby ConvertTmpfsOptions) and the
 * merge of dockerd's defaults with the user's options, later ones winning (moby
 * mount.MergeTmpfsOptions).
 */
final class TmpfsData {

    /** What dockerd puts before the user's options on every tmpfs it mounts. */
    static final List<String> DEFAULTS = List.of("noexec", "nosuid", "nodev", "rprivate");

    /**
     * Flags that set or clear the same mount flag share a group, so "rw" after "ro" replaces it;
     * all propagation and bind flags share one group, as there is only one propagation.
     */
    private static final Map<String, String> FLAG_GROUPS = Map.ofEntries(
            Map.entry("ro", "rdonly"), Map.entry("rw", "rdonly"),
            Map.entry("suid", "nosuid"), Map.entry("nosuid", "nosuid"),
            Map.entry("dev", "nodev"), Map.entry("nodev", "nodev"),
            Map.entry("exec", "noexec"), Map.entry("noexec", "noexec"),
            Map.entry("sync", "sync"), Map.entry("async", "sync"),
            Map.entry("dirsync", "dirsync"), Map.entry("remount", "remount"),
            Map.entry("mand", "mand"), Map.entry("nomand", "mand"),
            Map.entry("atime", "noatime"), Map.entry("noatime", "noatime"),
            Map.entry("diratime", "nodiratime"), Map.entry("nodiratime", "nodiratime"),
            Map.entry("relatime", "relatime"), Map.entry("norelatime", "relatime"),
            Map.entry("strictatime", "strictatime"), Map.entry("nostrictatime", "strictatime"),
            Map.entry("bind", "propagation"), Map.entry("rbind", "propagation"),
            Map.entry("unbindable", "propagation"), Map.entry("runbindable", "propagation"),
            Map.entry("private", "propagation"), Map.entry("rprivate", "propagation"),
            Map.entry("shared", "propagation"), Map.entry("rshared", "propagation"),
            Map.entry("slave", "propagation"), Map.entry("rslave", "propagation"));

    private static final Set<String> DATA_KEYS = Set.of("", "size", "mode", "uid", "gid", "nr_inodes", "nr_blocks",
            "mpol");

    private TmpfsData() {
    }

    /** The data string of a --mount type=tmpfs: "ro", "mode=" in octal, "size=" with the largest exact unit. */
    static String of(HostConfig.TmpfsOptions options, boolean readOnly) {
        List<String> raw = new ArrayList<>();
        if (readOnly) {
            raw.add("ro");
        }
        if (options != null && options.mode() != 0) {
            raw.add("mode=" + Integer.toOctalString(options.mode()));
        }
        if (options != null && options.sizeBytes() != 0) {
            raw.add("size=" + withUnit(options.sizeBytes()));
        }
        return String.join(",", raw);
    }

    private static String withUnit(long size) {
        String[] suffixes = {"g", "m", "k"};
        long[] divisors = {1L << 30, 1L << 20, 1L << 10};
        for (int i = 0; i < suffixes.length; i++) {
            if (size % divisors[i] == 0) {
                return size / divisors[i] + suffixes[i];
            }
        }
        return Long.toString(size);
    }

    /** dockerd's defaults followed by {@code data}'s options, merged. */
    static List<String> mountOptions(String data) {
        List<String> options = new ArrayList<>(DEFAULTS);
        if (data != null && !data.isEmpty()) {
            options.addAll(List.of(data.split(",", -1)));
        }
        return merge(options);
    }

    /** Drops every option a later one overrides; the survivors keep their order. */
    static List<String> merge(List<String> options) {
        Set<String> flagsSeen = new HashSet<>();
        Set<String> dataSeen = new HashSet<>();
        LinkedList<String> out = new LinkedList<>();
        for (String option : options.reversed()) {
            if (option.equals("defaults")) {
                continue;
            }
            String group = FLAG_GROUPS.get(option);
            if (group != null) {
                if (flagsSeen.add(group)) {
                    out.addFirst(option);
                }
                continue;
            }
            int eq = option.indexOf('=');
            if (eq < 0 || !DATA_KEYS.contains(option.substring(0, eq))) {
                throw new InvalidParameterException("Invalid tmpfs option " + GoFormat.list(
                        (eq < 0 ? List.of(option) : List.of(option.substring(0, eq), option.substring(eq + 1)))
                                .stream().map(GoFormat::quote).toList()));
            }
            if (dataSeen.add(option.substring(0, eq))) {
                out.addFirst(option);
            }
        }
        return List.copyOf(out);
    }
}
