package io.wharf.graphdriver.devicemapper;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Thin device id allocation: upwards from where it stopped, past ids in use, wrapping at 24 bits. */
class DeviceIdsTest {

    @Test
    void handsOutIdsUpwardsFromWhereItStopped() throws Exception {
        DeviceIds ids = new DeviceIds(0);
        assertEquals(1, ids.allocate());
        assertEquals(2, ids.allocate());
        assertEquals(2, ids.next());
        assertEquals(8, new DeviceIds(7).allocate(), "goes on from the persisted next_device_id");
    }

    @Test
    void skipsIdsInUseAndDoesNotReuseAFreedIdAtOnce() throws Exception {
        DeviceIds ids = new DeviceIds(0);
        ids.markUsed(2);
        ids.markUsed(3);
        assertEquals(1, ids.allocate());
        assertEquals(4, ids.allocate());
        ids.free(1);
        assertEquals(5, ids.allocate());
    }

    @Test
    void wrapsAroundAt24Bits() throws Exception {
        DeviceIds ids = new DeviceIds(DeviceIds.MAX - 1);
        ids.markUsed(0);
        assertEquals(DeviceIds.MAX, ids.allocate());
        assertEquals(1, ids.allocate(), "0 is in use, so after the wrap comes 1");
    }
}
