package io.wharf.core.internal.container.spec;

import java.util.Map;
import java.util.Set;

import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * Which sysctls a container may set: only those of a kernel namespace it does not share with the
 * host. dockerd leaves the check to runc, so a bad one fails at start; Wharf applies runc's rules
 * (libcontainer/configs/validate, runc 1.1) with runc's messages when the container is created.
 */
final class Sysctls {

    /** The IPC namespace's sysctls besides fs.mqueue.*. */
    private static final Set<String> IPC = Set.of("kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
            "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced");

    private Sysctls() {
    }

    /**
     * Fails on the first sysctl of {@code sysctls} that would change the host: one of a namespace
     * the container shares ({@code ownIpc}, {@code ownNetwork}, {@code ownUts} false), or one in no
     * namespace at all.
     */
    static void validate(Map<String, String> sysctls, boolean ownIpc, boolean ownNetwork, boolean ownUts) {
        for (String name : sysctls == null ? Set.<String>of() : sysctls.keySet()) {
            String s = dotted(name);
            if (IPC.contains(s) || s.startsWith("fs.mqueue.")) {
                if (!ownIpc) {
                    throw invalid("sysctl " + GoFormat.quote(s) + " is not allowed in the hosts ipc namespace");
                }
                continue;
            }
            if (s.startsWith("net.")) {
                if (!ownNetwork) {
                    throw invalid("sysctl " + GoFormat.quote(s) + " not allowed in host network namespace");
                }
                continue;
            }
            if (ownUts && s.equals("kernel.domainname")) {
                continue;
            }
            if (ownUts && s.equals("kernel.hostname")) {
                throw invalid("sysctl " + GoFormat.quote(s) + " is not allowed as it conflicts with the OCI "
                        + GoFormat.quote("hostname") + " field");
            }
            throw invalid("sysctl " + GoFormat.quote(s) + " is not in a separate kernel namespace");
        }
    }

    /**
     * A name in dotted form: "net/ipv4/conf/eth0.100/rp_filter" becomes
     * "net.ipv4.conf.eth0/100.rp_filter", as sysctl(8) reads slashes.
     */
    static String dotted(String name) {
        int sep = indexOfAny(name);
        if (sep < 0 || name.charAt(sep) == '.') {
            return name;
        }
        StringBuilder b = new StringBuilder(name.length());
        for (char c : name.toCharArray()) {
            b.append(c == '.' ? '/' : c == '/' ? '.' : c);
        }
        return b.toString();
    }

    private static int indexOfAny(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '.' || s.charAt(i) == '/') {
                return i;
            }
        }
        return -1;
    }

    private static InvalidParameterException invalid(String message) {
        return new InvalidParameterException(message);
    }
}
