package io.wharf.core.internal.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.SystemException;

class IpamTest {

    @Test
    void subnetsParseToTheirNetworkAndKnowWhatTheyHold() {
        Subnet4 s = Subnet4.parse("172.18.5.9/16");
        assertEquals("172.18.0.0/16", s.toString());
        assertEquals("172.18.0.1", Subnet4.format(s.firstHost()));
        assertTrue(s.contains(Subnet4.address("172.18.255.255")));
        assertFalse(s.contains(Subnet4.address("172.19.0.0")));
        assertTrue(s.contains(Subnet4.parse("172.18.3.0/24")));
        assertTrue(s.overlaps(Subnet4.parse("172.0.0.0/8")));
        assertFalse(s.overlaps(Subnet4.parse("172.19.0.0/16")));
        for (String bad : List.of("172.18.0.0", "1.2.3/8", "1.2.3.256/8", "1.2.3.4/33", "01.2.3.4/8", "a.b.c.d/8")) {
            assertThrows(InvalidParameterException.class, () -> Subnet4.parse(bad), bad);
        }
    }

    @Test
    void addressesAreHandedOutInTurnSkippingReservedOnesAndNotReusedAtOnce() {
        Subnet4 subnet = Subnet4.parse("10.0.0.0/29"); // .0 network, .7 broadcast
        AddressPool pool = new AddressPool(subnet, subnet, List.of(Subnet4.address("10.0.0.1"), Subnet4.address("10.0.0.3")));
        assertEquals("10.0.0.2", Subnet4.format(pool.take()));
        assertEquals("10.0.0.4", Subnet4.format(pool.take()));
        pool.release(Subnet4.address("10.0.0.2"));
        assertEquals("10.0.0.5", Subnet4.format(pool.take()), "a released address waits its turn");
        assertEquals("10.0.0.6", Subnet4.format(pool.take()));
        assertEquals("10.0.0.2", Subnet4.format(pool.take()), "then the pool wraps around");
        assertThrows(SystemException.class, pool::take);
    }

    @Test
    void aRequestedAddressMustBeFreeAndInTheSubnet() {
        Subnet4 subnet = Subnet4.parse("10.1.0.0/24");
        AddressPool pool = new AddressPool(subnet, Subnet4.parse("10.1.0.128/25"), List.of(Subnet4.address("10.1.0.1")));
        assertEquals("10.1.0.50", Subnet4.format(pool.take(Subnet4.address("10.1.0.50"))), "outside the range, inside the subnet");
        assertEquals("10.1.0.128", Subnet4.format(pool.take()), "automatic addresses come from the range");
        assertThrows(ConflictException.class, () -> pool.take(Subnet4.address("10.1.0.128")));
        assertThrows(InvalidParameterException.class, () -> pool.take(Subnet4.address("10.2.0.1")));
    }

    @Test
    void theDefaultPoolsAreDockerdsAndTheFirstFreeOneIsChosen() {
        List<Subnet4> pools = DefaultPools.predefined();
        assertEquals("172.17.0.0/16", pools.getFirst().toString());
        assertEquals("172.31.0.0/16", pools.get(14).toString());
        assertEquals("192.168.0.0/20", pools.get(15).toString());
        assertEquals("192.168.240.0/20", pools.getLast().toString());
        Subnet4 chosen = DefaultPools.choose(pools, List.of(Subnet4.parse("172.17.0.0/16"), Subnet4.parse("172.18.0.0/24")), Set.of());
        assertFalse(DefaultPools.hostRoutes(Set.of()).stream().anyMatch(chosen::overlaps));
        assertFalse(chosen.overlaps(Subnet4.parse("172.17.0.0/16")) || chosen.overlaps(Subnet4.parse("172.18.0.0/24")));
    }

    @Test
    void configuredPoolsCutTheirBaseIntoSubnetsOfTheirSize() {
        List<Subnet4> pools = DefaultPools.configured(List.of("base=10.10.0.0/16,size=24"));
        assertEquals(256, pools.size());
        assertEquals("10.10.0.0/24", pools.getFirst().toString());
        assertEquals("10.10.1.0/24", pools.get(1).toString());
        assertThrows(InvalidParameterException.class, () -> DefaultPools.configured(List.of("size=24")));
        assertThrows(InvalidParameterException.class, () -> DefaultPools.configured(List.of("base=10.0.0.0/16,size=8")));
    }

    @Test
    void macAddressesFollowTheAddressAsDockerdMakesThem() {
        assertEquals("02:42:ac:11:00:02", Sandboxes.mac(Subnet4.address("172.17.0.2")));
    }
}
