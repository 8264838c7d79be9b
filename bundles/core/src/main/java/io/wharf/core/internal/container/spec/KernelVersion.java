package io.wharf.core.internal.container.spec;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A kernel's version and major revision, all seccomp rules look at: "5.10.0-21-amd64" and "5.10"
 * compare equal (moby profiles/seccomp KernelVersion).
 */
record KernelVersion(int kernel, int major) {

    private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)");

    /** The host's release string as uname gives it, e.g. "6.1.0-18-amd64". */
    static KernelVersion ofRelease(String release) {
        Matcher m = RELEASE.matcher(release);
        if (!m.find()) {
            throw new IllegalArgumentException("failed to parse kernel version " + GoFormat.quote(release));
        }
        return new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /** A profile's "minKernel", which must be exactly "kernel.major", each below 256 and not both 0. */
    static KernelVersion parse(String minKernel) {
        String[] parts = minKernel.split("\\.", 3);
        String expected = "invalid kernel version: " + GoFormat.quote(minKernel) + ", expected \"<kernel>.<major>\"";
        if (parts.length != 2 || !parts[0].matches("[0-9]{1,3}") || !parts[1].matches("[0-9]{1,3}")
                || Integer.parseInt(parts[0]) > 255 || Integer.parseInt(parts[1]) > 255) {
            throw SeccompProfile.decodingFailed(expected);
        }
        KernelVersion v = new KernelVersion(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        if (v.kernel == 0 && v.major == 0) {
            throw SeccompProfile.decodingFailed(expected + ": version cannot be 0.0");
        }
        return v;
    }

    boolean atLeast(KernelVersion min) {
        return kernel > min.kernel || kernel == min.kernel && major >= min.major;
    }
}
