package io.wharf.containerd.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.spi.runtime.OciRuntime;

/** An OCI runtime's version and commit, from its {@code --version} output as dockerd reads it. */
final class RuntimeVersions {

    private static final Logger LOG = LoggerFactory.getLogger(RuntimeVersions.class);

    private RuntimeVersions() {
    }

    /** Runs {@code <path> --version}; on failure the version and commit are empty and a warning is logged. */
    static OciRuntime query(String name, String path) {
        try {
            Process p = new ProcessBuilder(path, "--version").redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                LOG.warn("failed to retrieve {} version: {}", path, out.strip());
                return new OciRuntime(name, path, "", "");
            }
            return parse(name, path, out);
        } catch (IOException e) {
            LOG.warn("failed to retrieve {} version: {}", path, e.getMessage());
            return new OciRuntime(name, path, "", "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new OciRuntime(name, path, "", "");
        }
    }

    /**
     * moby's parseRuntimeVersion: the text after "version" on the line that has it, and the text
     * after "commit:". Output with neither is logged and gives empty values.
     */
    static OciRuntime parse(String name, String path, String output) {
        String version = "";
        String commit = "";
        for (String line : output.strip().split("\n")) {
            int at = line.lastIndexOf("version");
            if (at >= 0) {
                version = line.substring(at + "version".length()).strip();
            } else if (line.startsWith("commit:")) {
                commit = line.substring("commit:".length()).strip();
            }
        }
        if (version.isEmpty() && commit.isEmpty()) {
            LOG.warn("failed to parse {} version: unknown output format: {}", path, output.strip());
        }
        return new OciRuntime(name, path, version, commit);
    }
}
