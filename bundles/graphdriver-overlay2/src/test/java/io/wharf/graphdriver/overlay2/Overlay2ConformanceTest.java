package io.wharf.graphdriver.overlay2;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Map;

import io.wharf.core.spi.graphdriver.GraphDriver;
import io.wharf.test.graphtest.GraphDriverConformance;

/**
 * The graph-driver conformance suite on overlay2, in a temporary directory: through the factory,
 * so the host checks dockerd makes (overlayfs in the kernel, backing filesystem, d_type, a
 * two-lower mount) run first. Needs root, for mount(2).
 */
class Overlay2ConformanceTest extends GraphDriverConformance {

    @Override
    protected GraphDriver createDriver(Path home) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "overlay2 mounts need root");
        return new Overlay2DriverFactory().create(home, Map.of());
    }

    /** moby's TestOverlay128LayerRead: an image may have up to 127 layers, and overlay2 must mount them all. */
    @Override
    protected int deepChainDepth() {
        return 128;
    }
}
