package io.wharf.network.bridge;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** The DS component description bnd wrote from the annotations (process-classes runs before the tests). */
class ComponentTest {

    @Test
    void theComponentHasNoDeactivateSoAStoppedBundleLeavesTheKernelStateAlone() throws Exception {
        String xml = Files.readString(Path.of("target/classes/OSGI-INF/" + BridgeNetworkDriver.class.getName() + ".xml"));
        assertFalse(xml.contains("deactivate"), xml);
        assertTrue(xml.contains("<property name=\"wharf.networkdriver.name\" type=\"String\" value=\"bridge\"/>"), xml);
        assertTrue(xml.contains("<provide interface=\"io.wharf.core.spi.network.NetworkDriver\"/>"), xml);
    }
}
