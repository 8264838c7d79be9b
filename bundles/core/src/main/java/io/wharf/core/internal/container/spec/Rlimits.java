package io.wharf.core.internal.container.spec;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.wharf.core.internal.container.HostConfig;
import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * HostConfig.Ulimits as the spec's rlimits (moby WithRlimits): the container's, then the daemon's
 * default ulimits it does not name. Unlike dockerd, each value is lowered to the daemon's own hard
 * limit: runc sets rlimits with setrlimit, and a root daemon without CAP_SYS_RESOURCE cannot raise
 * a hard limit, so a larger value fails the container's start ("error setting rlimit type 7").
 */
final class Rlimits {

    /** The names docker accepts (go-units), without "as", which docker disables. */
    private static final Set<String> NAMES = Set.of("core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue",
            "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack");

    private static final BigInteger UNSIGNED = BigInteger.ONE.shiftLeft(64);

    private Rlimits() {
    }

    /** Checks one ulimit with the messages of docker's parser (go-units ParseUlimit). */
    static void validate(HostConfig.Ulimit u) {
        if (!NAMES.contains(u.name())) {
            throw new InvalidParameterException("invalid ulimit type: " + u.name());
        }
        if (u.hard() != -1) {
            if (u.soft() == -1) {
                throw new InvalidParameterException("ulimit soft limit must be less than or equal to hard limit: soft: "
                        + "-1 (unlimited), hard: " + u.hard());
            }
            if (u.soft() > u.hard()) {
                throw new InvalidParameterException("ulimit soft limit must be less than or equal to hard limit: "
                        + u.soft() + " > " + u.hard());
            }
        }
    }

    /**
     * The rlimits for a container with {@code ulimits}, the daemon's {@code defaults} filling in the
     * names it leaves out, each clamped to {@code daemonHard} (by "RLIMIT_" name, -1 or no entry
     * meaning unlimited). Null when there are none, so the spec omits the field as dockerd's does.
     */
    static List<OciSpec.Rlimit> of(List<HostConfig.Ulimit> ulimits, List<HostConfig.Ulimit> defaults,
            Map<String, Long> daemonHard) {
        List<HostConfig.Ulimit> merged = new ArrayList<>(ulimits == null ? List.of() : ulimits);
        for (HostConfig.Ulimit d : defaults) {
            if (merged.stream().noneMatch(u -> u.name().equals(d.name()))) {
                merged.add(d);
            }
        }
        if (merged.isEmpty()) {
            return null;
        }
        List<OciSpec.Rlimit> out = new ArrayList<>();
        for (HostConfig.Ulimit u : merged) {
            String type = "RLIMIT_" + u.name().toUpperCase(Locale.ROOT);
            Long ceiling = daemonHard.get(type);
            BigInteger hard = clamp(unsigned(u.hard()), ceiling == null ? null : unsigned(ceiling));
            out.add(new OciSpec.Rlimit(type, hard, clamp(unsigned(u.soft()), hard)));
        }
        return out;
    }

    /** Go's uint64(int64): -1 is RLIM_INFINITY. */
    static BigInteger unsigned(long value) {
        BigInteger v = BigInteger.valueOf(value);
        return value < 0 ? v.add(UNSIGNED) : v;
    }

    private static BigInteger clamp(BigInteger value, BigInteger ceiling) {
        return ceiling == null ? value : value.min(ceiling);
    }
}
