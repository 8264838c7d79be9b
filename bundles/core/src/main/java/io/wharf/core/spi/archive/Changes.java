package io.wharf.core.spi.archive;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import io.wharf.core.internal.archive.TreeDiff;

/** The changes between two directory trees (moby's {@code ChangesDirs}). */
public final class Changes {

    private Changes() {
    }

    /**
     * The paths that differ from {@code lower} to {@code upper}, sorted by path. A path is modified
     * when its type, mode, owner, device number or extended attributes differ, or, for anything
     * but a directory, its size or modification time; contents are not compared. The children of
     * an added directory are added too; a deleted directory is one change. A directory holding a
     * change is reported modified, so that its metadata travels with the change.
     */
    public static List<Change> between(Path lower, Path upper) throws IOException {
        return TreeDiff.between(lower, upper);
    }
}
