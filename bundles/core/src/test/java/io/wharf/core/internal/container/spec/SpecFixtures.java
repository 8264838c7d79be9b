package io.wharf.core.internal.container.spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the spec tests build containers from. */
final class SpecFixtures {

    private SpecFixtures() {
    }

    /** A root file system with /etc/passwd and /etc/group. */
    static Path rootfs(Path dir, String passwd, String group) {
        try {
            Files.createDirectories(dir.resolve("etc"));
            Files.writeString(dir.resolve("etc/passwd"), passwd);
            Files.writeString(dir.resolve("etc/group"), group);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
