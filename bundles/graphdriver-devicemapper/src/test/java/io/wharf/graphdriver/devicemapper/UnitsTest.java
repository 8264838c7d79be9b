package io.wharf.graphdriver.devicemapper;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Sizes read as dockerd reads --storage-opt values and printed as `docker info` prints them. */
class UnitsTest {

    @Test
    void parsesBinaryMultiples() {
        assertEquals(10L << 30, Units.parseBytes("k", "10G"));
        assertEquals(10L << 30, Units.parseBytes("k", "10g"));
        assertEquals(10L << 30, Units.parseBytes("k", "10GiB"));
        assertEquals(10L << 30, Units.parseBytes("k", "10 GB"));
        assertEquals(64L << 10, Units.parseBytes("k", "64k"));
        assertEquals(3L << 29, Units.parseBytes("k", "1.5G"));
        assertEquals(100, Units.parseBytes("k", "100"));
    }

    @Test
    void printsFourSignificantDigitsWithDecimalUnits() {
        assertEquals("65.54kB", Units.humanSize(65536));
        assertEquals("10.74GB", Units.humanSize(10L << 30));
        assertEquals("107.4GB", Units.humanSize(100L << 30));
        assertEquals("2.147GB", Units.humanSize(2L << 30));
        assertEquals("0B", Units.humanSize(0));
        assertEquals("999B", Units.humanSize(999));
        assertEquals("1kB", Units.humanSize(1000));
    }
}
