package io.wharf.graphdriver.devicemapper;

import java.io.IOException;
import java.util.BitSet;

/**
 * Thin device ids, which the pool limits to 24 bits: the ids in use, and where the search for a free
 * one goes on from (moby's deviceIDMap and NextDeviceID). Ids are handed out upwards, wrapping
 * around, so that an id just freed is not reused at once.
 */
final class DeviceIds {

    static final int MAX = 0xffffff;

    private final BitSet used = new BitSet();
    private int next;

    DeviceIds(int next) {
        this.next = next & MAX;
    }

    /** Where the next search starts from (persisted as next_device_id). */
    int next() {
        return next;
    }

    void markUsed(int id) {
        used.set(id);
    }

    void free(int id) {
        used.clear(id);
    }

    /** The first free id after the last one handed out, marked used. */
    int allocate() throws IOException {
        for (int i = 0; i <= MAX; i++) {
            next = (next + 1) & MAX;
            if (!used.get(next)) {
                used.set(next);
                return next;
            }
        }
        throw new IOException("devmapper: Unable to find a free device ID");
    }
}
