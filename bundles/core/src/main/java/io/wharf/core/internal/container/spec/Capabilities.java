package io.wharf.core.internal.container.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * Capability names and dockerd's CapAdd/CapDrop arithmetic (moby oci/caps). The known list stops at
 * CAP_AUDIT_READ, as dockerd 20.10's does, so "ALL" and privileged containers never ask runc for
 * CAP_PERFMON, CAP_BPF or CAP_CHECKPOINT_RESTORE. As in later dockerd releases (23.0), "ALL" means
 * the capabilities the daemon itself holds: runc cannot grant one outside its own bounding set
 * ("unable to apply caps: operation not permitted"), and a root daemon may lack some, e.g.
 * CAP_SYS_RESOURCE in a restricted environment.
 */
final class Capabilities {

    /** dockerd's 14 defaults, in its order. */
    static final List<String> DEFAULTS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
            "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    /** Every capability dockerd knows, in kernel number order (0 to 37). */
    static final List<String> ALL = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
            "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
            "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
            "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
            "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
            "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
            "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
            "CAP_AUDIT_READ");

    private static final String ALL_MAGIC = "ALL";

    private Capabilities() {
    }

    /**
     * Upper-cases the names and adds the CAP_ prefix where missing; "ALL" passes through. An unknown
     * name, or one not in {@code available}, fails with dockerd's message.
     */
    static List<String> normalize(List<String> names, List<String> available) {
        List<String> out = new ArrayList<>();
        for (String name : names == null ? List.<String>of() : names) {
            String c = name.toUpperCase(Locale.ROOT);
            if (!c.equals(ALL_MAGIC)) {
                c = c.startsWith("CAP_") ? c : "CAP_" + c;
                if (!ALL.contains(c)) {
                    throw new InvalidParameterException("unknown capability: " + GoFormat.quote(c));
                }
                if (!available.contains(c)) {
                    throw new InvalidParameterException("capability not supported by your kernel or not available in"
                            + " the current environment: " + GoFormat.quote(c));
                }
            }
            out.add(c);
        }
        return out;
    }

    /**
     * The capabilities a container gets (moby TweakCapabilities), {@code available} standing for
     * "ALL".
     */
    static List<String> tweak(List<String> adds, List<String> drops, boolean privileged, List<String> available) {
        if (privileged) {
            return available;
        }
        if (isEmpty(adds) && isEmpty(drops)) {
            return DEFAULTS;
        }
        // Dropping a capability the daemon lacks is harmless, so only adding one is refused.
        List<String> capDrop = normalize(drops, ALL);
        List<String> capAdd = normalize(adds, available);
        if (capAdd.contains(ALL_MAGIC)) {
            return available.stream().filter(c -> !capDrop.contains(c)).toList();
        }
        if (capDrop.contains(ALL_MAGIC)) {
            return capAdd;
        }
        List<String> caps = new ArrayList<>(DEFAULTS.stream().filter(c -> !capDrop.contains(c)).toList());
        caps.addAll(capAdd);
        return caps;
    }

    /**
     * The process's capability sets for {@code caps}: a non-root user gets only the bounding set, as
     * execve would leave it (moby oci.SetCapabilities).
     */
    static OciSpec.Capabilities forUser(List<String> caps, long uid) {
        return uid == 0 ? all(caps) : new OciSpec.Capabilities(caps, null, null, null, null);
    }

    /** Those of the known capabilities that are in a CapBnd mask of /proc/&lt;pid&gt;/status. */
    static List<String> inMask(long mask) {
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < ALL.size(); bit++) {
            if ((mask & (1L << bit)) != 0) {
                out.add(ALL.get(bit));
            }
        }
        return List.copyOf(out);
    }

    /** Bounding, effective and permitted all set to {@code caps}, whoever the user. */
    static OciSpec.Capabilities all(List<String> caps) {
        return new OciSpec.Capabilities(caps, caps, null, caps, null);
    }

    private static boolean isEmpty(List<String> list) {
        return list == null || list.isEmpty();
    }
}
