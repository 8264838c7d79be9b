package io.wharf.core.spi.graphdriver;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The "proto" half of a graph driver (moby's ProtoDriver): layers are directories identified by
 * cache IDs, each on an optional parent. Mounts are reference counted: every {@link #get} is
 * matched by a {@link #put}.
 */
@ConsumerType
public interface GraphDriver {

    String name();

    /** Creates a read-only layer on {@code parent} (null for a base layer). */
    void create(String id, String parent) throws IOException;

    /** Creates a read-write layer (a container's) on {@code parent}. */
    void createReadWrite(String id, String parent) throws IOException;

    void remove(String id) throws IOException;

    /** Mounts the layer (with its parents) if needed and returns the directory of its whole content. */
    Path get(String id) throws IOException;

    /** Releases one {@link #get}; the last one unmounts. */
    void put(String id) throws IOException;

    boolean exists(String id);

    /** "Driver Status" pairs `docker info` shows, e.g. ["Backing Filesystem", "extfs"]. */
    List<Map.Entry<String, String>> status();

    /** GraphDriver.Data of `docker inspect` for one layer, e.g. LowerDir/UpperDir for overlay2. */
    Map<String, String> metadata(String id) throws IOException;

    /** Unmounts whatever this driver still has mounted; the daemon is stopping. */
    void cleanup() throws IOException;
}
