package io.wharf.core.spi.graphdriver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

import io.wharf.core.spi.archive.Change;

/**
 * The diff half of a graph driver (moby's DiffDriver), for drivers with a native diff such as
 * overlay2. The core supplies a naive one, built on {@link GraphDriver#get}, for the others.
 */
@ConsumerType
public interface DiffDriver {

    /** Writes the layer tar of what {@code id} changes on {@code parent}. */
    void diff(String id, String parent, OutputStream out) throws IOException;

    List<Change> changes(String id, String parent) throws IOException;

    /** Unpacks a layer tar into {@code id} and returns the size of what it holds. */
    long applyDiff(String id, String parent, InputStream diff) throws IOException;

    /** The size of what {@code id} changes on {@code parent}. */
    long diffSize(String id, String parent) throws IOException;
}
