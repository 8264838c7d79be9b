package io.wharf.core.internal.container.spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import io.wharf.core.internal.container.HostConfig;
import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * A user's mount: one HostConfig.Binds entry or one HostConfig.Mounts entry, parsed and checked as
 * dockerd's Linux mount parser does (moby volume/mounts linux_parser.go) and registered as
 * registerMountPoints does, duplicates refused. A source that is not an absolute path names a
 * volume (none: an anonymous one) and gets the local volume driver's name check, so "./data:/data"
 * fails with dockerd's own message; the daemon resolves volumes to host paths before the spec.
 *
 * @param type "bind", "volume" or "tmpfs"
 * @param source the host path of a bind, cleaned; a volume's name ("" for an anonymous one); "" for a tmpfs
 * @param destination the path in the container, cleaned
 * @param rw whether it is writable
 * @param propagation the bind's propagation; "rprivate" unless the user chose one
 * @param nonRecursive a bind of the source alone, without the mounts below it
 * @param createSource whether a missing source is created as a directory at start (Binds, not Mounts)
 * @param tmpfsData a tmpfs's options from its TmpfsOptions, comma separated
 * @param volumeOptions a volume's VolumeOptions from --mount (NoCopy, Labels, DriverConfig), or null
 */
public record MountPoint(String type, String source, String destination, boolean rw, String propagation,
        boolean nonRecursive, boolean createSource, String tmpfsData, Map<String, Object> volumeOptions) {

    public static final String BIND = "bind";
    public static final String TMPFS = "tmpfs";
    public static final String VOLUME = "volume";
    private static final String DEFAULT_PROPAGATION = "rprivate";
    private static final Set<String> PROPAGATIONS = Set.of("private", "rprivate", "slave", "rslave", "shared",
            "rshared");
    private static final Set<String> CONSISTENCIES = Set.of("consistent", "cached", "delegated");
    private static final Pattern VOLUME_NAME = Pattern.compile("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$");

    /** The user's mounts by destination, Binds first, in the order given. */
    public static List<MountPoint> of(HostConfig host) {
        Map<String, MountPoint> byDestination = new LinkedHashMap<>();
        Map<String, String> tmpfs = host.tmpfs() == null ? Map.of() : host.tmpfs();
        for (String raw : host.binds() == null ? List.<String>of() : host.binds()) {
            MountPoint bind = parseBind(raw);
            if (byDestination.containsKey(bind.destination) || tmpfs.containsKey(bind.destination)) {
                throw duplicate(bind.destination);
            }
            byDestination.put(bind.destination, bind);
        }
        for (HostConfig.Mount m : host.mounts() == null ? List.<HostConfig.Mount>of() : host.mounts()) {
            check(m, true);
            MountPoint mp = register(m, true);
            if (byDestination.containsKey(mp.destination)) {
                throw duplicate(m.target());
            }
            byDestination.put(mp.destination, mp);
        }
        return List.copyOf(byDestination.values());
    }

    /** Checks a --mount as dockerd validates HostConfig.Mounts, without registering it. */
    static void validate(HostConfig.Mount m) {
        check(m, true);
    }

    /** Checks a HostConfig.Tmpfs destination (moby ValidateTmpfsMountDestination). */
    static void validateTmpfsDestination(String destination) {
        String notRoot = notRoot(destination);
        String absolute = absolute(destination);
        if (notRoot != null || absolute != null) {
            throw new InvalidParameterException(notRoot != null ? notRoot : absolute);
        }
    }

    /** A "source:destination[:mode]" string (moby ParseMountRaw). */
    private static MountPoint parseBind(String raw) {
        if (raw.chars().filter(c -> c == ':').count() > 2 || raw.startsWith(":") || raw.isEmpty()) {
            throw invalidSpec(raw);
        }
        String[] arr = raw.split(":", 3);
        String source = "";
        String target;
        String mode = "";
        if (arr.length == 1) {
            target = arr[0];
        } else if (arr.length == 2) {
            if (validMode(arr[1])) {
                // A destination and a mode without a source: a volume cannot have a mode.
                throw invalidSpec(raw);
            }
            source = arr[0];
            target = arr[1];
        } else {
            source = arr[0];
            target = arr[1];
            mode = arr[2];
        }
        if (!validMode(mode)) {
            throw new InvalidParameterException("invalid mode: " + mode);
        }
        boolean readOnly = List.of(mode.split(",")).contains("ro");
        String propagation = List.of(mode.split(",")).stream().filter(PROPAGATIONS::contains).findFirst().orElse("");
        boolean copyMode = List.of(mode.split(",")).contains("nocopy");
        HostConfig.Mount spec = new HostConfig.Mount(source.startsWith("/") ? BIND : VOLUME, source, target, readOnly,
                "", propagation.isEmpty() ? null : new HostConfig.BindOptions(propagation, false, false),
                copyMode ? Map.of("NoCopy", true) : null, null);
        try {
            check(spec, false);
        } catch (InvalidParameterException e) {
            throw new InvalidParameterException(invalidSpec(raw).getMessage() + ": " + e.getMessage(), e);
        }
        return register(spec, false);
    }

    /** The mount point of a checked mount; {@code fromMounts} tells a --mount from a Binds entry. */
    private static MountPoint register(HostConfig.Mount m, boolean fromMounts) {
        String destination = clean(m.target());
        return switch (m.type()) {
            case BIND -> new MountPoint(BIND, clean(m.source()), destination, !m.readOnly(),
                    m.bindOptions() != null && notEmpty(m.bindOptions().propagation())
                            ? m.bindOptions().propagation() : DEFAULT_PROPAGATION,
                    m.bindOptions() != null && m.bindOptions().nonRecursive(), !fromMounts, "", null);
            case TMPFS -> new MountPoint(TMPFS, "", destination, !m.readOnly(), "", false, false,
                    TmpfsData.of(m.tmpfsOptions(), m.readOnly()), null);
            default -> {
                checkVolumeName(m.source());
                yield new MountPoint(VOLUME, m.source() == null ? "" : m.source(), destination, !m.readOnly(),
                        DEFAULT_PROPAGATION, false, false, "", m.volumeOptions());
            }
        };
    }

    /** moby validateMountConfigImpl; volumes pass here and are refused when registered. */
    private static void check(HostConfig.Mount m, boolean sourceMustExist) {
        String type = m.type() == null ? "" : m.type();
        if (!notEmpty(m.target())) {
            throw mountConfig(type, "field Target must not be empty");
        }
        String targetError = notRoot(m.target()) != null ? notRoot(m.target()) : absolute(m.target());
        if (targetError != null) {
            throw mountConfig(type, targetError);
        }
        switch (type) {
            case BIND -> {
                if (!notEmpty(m.source())) {
                    throw mountConfig(type, "field Source must not be empty");
                }
                if (m.bindOptions() != null && notEmpty(m.bindOptions().propagation())
                        && !PROPAGATIONS.contains(m.bindOptions().propagation())) {
                    throw mountConfig(type, "invalid propagation mode: " + m.bindOptions().propagation());
                }
                if (m.volumeOptions() != null) {
                    throw mountConfig(type, "field VolumeOptions must not be specified");
                }
                if (absolute(m.source()) != null) {
                    throw mountConfig(type, absolute(m.source()));
                }
                if (sourceMustExist && !Files.exists(Path.of(m.source()))) {
                    throw mountConfig(type, "bind source path does not exist: " + m.source());
                }
            }
            case VOLUME -> {
                if (m.bindOptions() != null) {
                    throw mountConfig(type, "field BindOptions must not be specified");
                }
                if (!notEmpty(m.source()) && m.readOnly()) {
                    throw mountConfig(type, "must not set ReadOnly mode when using anonymous volumes");
                }
            }
            case TMPFS -> {
                if (m.bindOptions() != null) {
                    throw mountConfig(type, "field BindOptions must not be specified");
                }
                if (notEmpty(m.source())) {
                    throw mountConfig(type, "field Source must not be specified");
                }
            }
            default -> throw mountConfig(type, "mount type unknown");
        }
    }

    /** The local volume driver's name check, with dockerd's messages. */
    private static void checkVolumeName(String name) {
        if (notEmpty(name) && name.length() == 1) {
            throw new InvalidParameterException("create " + name
                    + ": volume name is too short, names should be at least two alphanumeric characters");
        }
        if (notEmpty(name) && !VOLUME_NAME.matcher(name).matches()) {
            throw new InvalidParameterException("create " + name + ": " + GoFormat.quote(name)
                    + " includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\""
                    + " are allowed. If you intended to pass a host directory, use absolute path");
        }
    }

    /** A mode string: at most one each of rw/ro, z/Z, a propagation, nocopy and a consistency. */
    private static boolean validMode(String mode) {
        if (mode.isEmpty()) {
            return true;
        }
        int[] counts = new int[5];
        for (String o : mode.split(",", -1)) {
            int kind = o.equals("rw") || o.equals("ro") ? 0 : o.equals("z") || o.equals("Z") ? 1
                    : PROPAGATIONS.contains(o) ? 2 : o.equals("nocopy") ? 3 : CONSISTENCIES.contains(o) ? 4 : -1;
            if (kind < 0 || ++counts[kind] > 1) {
                return false;
            }
        }
        return true;
    }

    private static String notRoot(String p) {
        return clean(p.replace('\\', '/')).equals("/") ? "invalid specification: destination can't be '/'" : null;
    }

    private static String absolute(String p) {
        String slashed = p.replace('\\', '/');
        return slashed.startsWith("/") ? null : "invalid mount path: '" + slashed + "' mount path must be absolute";
    }

    /** Go's path.Clean. */
    public static String clean(String p) {
        boolean rooted = p.startsWith("/");
        List<String> out = new ArrayList<>();
        for (String part : p.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!out.isEmpty() && !out.getLast().equals("..")) {
                    out.removeLast();
                } else if (!rooted) {
                    out.add(part);
                }
            } else {
                out.add(part);
            }
        }
        String joined = String.join("/", out);
        return rooted ? "/" + joined : joined.isEmpty() ? "." : joined;
    }

    private static boolean notEmpty(String s) {
        return s != null && !s.isEmpty();
    }

    private static InvalidParameterException mountConfig(String type, String reason) {
        return new InvalidParameterException("invalid mount config for type " + GoFormat.quote(type) + ": " + reason);
    }

    private static InvalidParameterException invalidSpec(String raw) {
        return new InvalidParameterException("invalid volume specification: '" + raw + "'");
    }

    private static InvalidParameterException duplicate(String destination) {
        return new InvalidParameterException("Duplicate mount point: " + destination);
    }
}
