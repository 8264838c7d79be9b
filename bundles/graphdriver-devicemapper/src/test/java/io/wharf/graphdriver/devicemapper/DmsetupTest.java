package io.wharf.graphdriver.devicemapper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.junit.jupiter.api.Test;

/** The tables, thin-pool messages and status lines the driver sends to and reads from device-mapper. */
class DmsetupTest {

    @Test
    void thinPoolTableAsDockerdMakesIt() {
        assertEquals("0 209715200 thin-pool /dev/loop1 /dev/loop0 128 32768 1 skip_block_zeroing",
                Dmsetup.thinPoolTable(209715200, "/dev/loop1", "/dev/loop0", 128));
    }

    @Test
    void thinTableMapsTheWholeDeviceOntoItsPool() {
        assertEquals("0 20971520 thin /dev/mapper/wharf-8:1-42-pool 7",
                Dmsetup.thinTable(10L << 30, "wharf-8:1-42-pool", 7));
    }

    @Test
    void thinPoolMessages() {
        assertEquals("create_thin 1", Dmsetup.createThinMessage(1));
        assertEquals("create_snap 5 3", Dmsetup.createSnapMessage(5, 3));
        assertEquals("delete 5", Dmsetup.deleteMessage(5));
        assertEquals("set_transaction_id 4 5", Dmsetup.setTransactionIdMessage(4, 5));
    }

    @Test
    void poolStatusIsParsed() throws IOException {
        ThinPool.Usage u = ThinPool.Usage.parse("pool",
                "0 209715200 thin-pool 91 422/524288 18338/1638400 - rw discard_passdown queue_if_no_space - 1024".split(" "));
        assertEquals(new ThinPool.Usage(91, 422, 524288, 18338, 1638400, 209715200), u);
    }

    @Test
    void aDeviceThatIsNotAThinPoolIsRefused() {
        IOException e = assertThrows(IOException.class,
                () -> ThinPool.Usage.parse("sda-linear", "0 2048 linear 8:0 0".split(" ")));
        assertTrue(e.getMessage().contains("sda-linear is not a thin pool"), e.getMessage());
    }
}
