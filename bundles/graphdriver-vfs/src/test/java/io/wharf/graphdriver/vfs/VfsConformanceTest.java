package io.wharf.graphdriver.vfs;

import java.nio.file.Path;
import java.util.Map;

import io.wharf.core.spi.graphdriver.GraphDriver;
import io.wharf.test.graphtest.GraphDriverConformance;

/** The graph-driver conformance suite on vfs, in a temporary directory (vfs runs on any filesystem). */
class VfsConformanceTest extends GraphDriverConformance {

    @Override
    protected GraphDriver createDriver(Path home) throws Exception {
        return new VfsDriverFactory().create(home, Map.of());
    }
}
