package io.wharf.core.spi.http;

import io.wharf.core.spi.errors.InvalidParameterException;

/** A Docker API version such as 1.41, ordered numerically (1.9 < 1.10). */
public record ApiVersion(int major, int minor) implements Comparable<ApiVersion> {

    /** Parses "1.41"; a malformed version is an invalid parameter. */
    public static ApiVersion parse(String text) {
        int dot = text.indexOf('.');
        try {
            if (dot < 0) {
                return new ApiVersion(Integer.parseInt(text), 0);
            }
            return new ApiVersion(Integer.parseInt(text.substring(0, dot)), Integer.parseInt(text.substring(dot + 1)));
        } catch (NumberFormatException e) {
            throw new InvalidParameterException("invalid API version: " + text);
        }
    }

    public boolean lessThan(ApiVersion other) {
        return compareTo(other) < 0;
    }

    @Override
    public int compareTo(ApiVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
