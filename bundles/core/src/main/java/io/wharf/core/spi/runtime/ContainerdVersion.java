package io.wharf.core.spi.runtime;

/**
 * containerd's answer to its Version call.
 *
 * @param version  its release, e.g. {@code 1.6.20~ds1}
 * @param revision the commit (or package revision) it was built from
 */
public record ContainerdVersion(String version, String revision) {
}
