package io.wharf.core.spi.runtime;

/**
 * An OCI runtime as dockerd lists it.
 *
 * @param name    its name in {@code Runtimes}, e.g. {@code runc}
 * @param path    its binary, as configured (a bare name is looked up on PATH)
 * @param version what {@code <path> --version} reports, or "" when it could not be read
 * @param commit  the commit {@code <path> --version} reports, or ""
 */
public record OciRuntime(String name, String path, String version, String commit) {
}
