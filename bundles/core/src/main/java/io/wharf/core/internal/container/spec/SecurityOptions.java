package io.wharf.core.internal.container.spec;

import java.util.List;

import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * HostConfig.SecurityOpt read as dockerd's parseSecurityOpt reads it. Labels and AppArmor profiles
 * are accepted and ignored: Wharf applies neither SELinux nor AppArmor.
 *
 * @param noNewPrivileges whether "no-new-privileges" asked for it, or the daemon's default
 * @param seccomp the "seccomp=" value: "" for the default profile, "unconfined", or a profile
 *        (its JSON, as the docker CLI sends it, or a path to a file holding it)
 */
record SecurityOptions(boolean noNewPrivileges, String seccomp) {

    static final String UNCONFINED = "unconfined";

    static SecurityOptions parse(List<String> options, boolean noNewPrivilegesDefault) {
        boolean noNewPrivileges = noNewPrivilegesDefault;
        String seccomp = "";
        for (String opt : options == null ? List.<String>of() : options) {
            if (opt.equals("no-new-privileges")) {
                noNewPrivileges = true;
                continue;
            }
            if (opt.equals("disable")) {
                continue;
            }
            // "key:value" is the pre-17.04 spelling dockerd 20.10 still accepts.
            int sep = opt.indexOf('=') >= 0 ? opt.indexOf('=') : opt.indexOf(':');
            if (sep < 0) {
                throw new InvalidParameterException("invalid --security-opt 1: " + GoFormat.quote(opt));
            }
            String key = opt.substring(0, sep);
            String value = opt.substring(sep + 1);
            switch (key) {
                case "label", "apparmor" -> {
                }
                case "seccomp" -> seccomp = value;
                case "no-new-privileges" -> noNewPrivileges = parseBool(value, opt);
                default -> throw new InvalidParameterException("invalid --security-opt 2: " + GoFormat.quote(opt));
            }
        }
        return new SecurityOptions(noNewPrivileges, seccomp);
    }

    /** Go's strconv.ParseBool. */
    private static boolean parseBool(String value, String opt) {
        return switch (value) {
            case "1", "t", "T", "true", "TRUE", "True" -> true;
            case "0", "f", "F", "false", "FALSE", "False" -> false;
            default -> throw new InvalidParameterException("invalid --security-opt 2: " + GoFormat.quote(opt));
        };
    }
}
