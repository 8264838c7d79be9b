package io.wharf.core.spi.graphdriver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.wharf.core.spi.archive.Change;
import io.wharf.core.spi.archive.Changes;
import io.wharf.core.spi.archive.LayerTar;
import io.wharf.core.spi.archive.WhiteoutFormat;

/**
 * moby's NaiveDiffDriver: diffs for a driver that only mounts layers (vfs), by comparing a layer's
 * mounted content with its parent's and by unpacking a layer tar into the mounted layer. Drivers
 * with a native diff may still delegate the parts they lack to it.
 */
public final class NaiveDiffDriver implements DiffDriver {

    private final GraphDriver driver;

    public NaiveDiffDriver(GraphDriver driver) {
        this.driver = driver;
    }

    @Override
    public void diff(String id, String parent, OutputStream out) throws IOException {
        Path layer = driver.get(id);
        try {
            LayerTar.writeChanges(layer, changes(id, parent), out);
        } finally {
            driver.put(id);
        }
    }

    @Override
    public List<Change> changes(String id, String parent) throws IOException {
        Path layer = driver.get(id);
        try {
            if (parent == null) {
                return Changes.between(null, layer);
            }
            Path parentDir = driver.get(parent);
            try {
                return Changes.between(parentDir, layer);
            } finally {
                driver.put(parent);
            }
        } finally {
            driver.put(id);
        }
    }

    @Override
    public long applyDiff(String id, String parent, InputStream diff) throws IOException {
        Path layer = driver.get(id);
        try {
            return LayerTar.apply(diff, layer, WhiteoutFormat.AUFS);
        } finally {
            driver.put(id);
        }
    }

    @Override
    public long diffSize(String id, String parent) throws IOException {
        Path layer = driver.get(id);
        try {
            long size = 0;
            for (Change c : changes(id, parent)) {
                Path p = layer.resolve(c.path().substring(1));
                if (c.kind() != Change.Kind.DELETE && Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    size += Files.size(p);
                }
            }
            return size;
        } finally {
            driver.put(id);
        }
    }
}
