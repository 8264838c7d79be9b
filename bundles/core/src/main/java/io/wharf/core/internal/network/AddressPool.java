package io.wharf.core.internal.network;

import java.util.BitSet;
import java.util.Collection;

import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.SystemException;

/**
 * The addresses of one network's subnet that endpoints may take (libnetwork's default IPAM): the
 * range (the subnet, or its --ip-range), less the network and broadcast addresses, the gateway and
 * the auxiliary addresses. Addresses are handed out in turn after the last one given, as
 * libnetwork's bitseq does, so a released address is not reused at once. Not thread-safe: the
 * controller holds its lock.
 */
final class AddressPool {

    private final Subnet4 subnet;
    private final Subnet4 range;
    private final BitSet taken;
    private long next;

    AddressPool(Subnet4 subnet, Subnet4 range, Collection<Long> reserved) {
        if (range.size() > 1L << 24) {
            throw new InvalidParameterException("the address range " + range + " is too large");
        }
        this.subnet = subnet;
        this.range = range;
        this.taken = new BitSet((int) range.size());
        for (long a : reserved) {
            mark(a);
        }
        if (subnet.prefix() < 31) {
            mark(subnet.base());
            mark(subnet.last());
        }
        this.next = range.base();
    }

    private void mark(long address) {
        if (range.contains(address)) {
            taken.set((int) (address - range.base()));
        }
    }

    /** Takes an address the user asked for (--ip); it must be in the subnet and free. */
    long take(long address) {
        if (!subnet.contains(address)) {
            throw new InvalidParameterException("no available IPv4 addresses on this network's address pools: "
                    + Subnet4.format(address) + " is not in " + subnet);
        }
        if (range.contains(address)) {
            int bit = (int) (address - range.base());
            if (taken.get(bit)) {
                throw new ConflictException("Address already in use");
            }
            taken.set(bit);
        }
        return address;
    }

    /** Takes the next free address after the last one given, wrapping around once. */
    long take() {
        int start = (int) (next - range.base());
        int bit = taken.nextClearBit(start);
        if (bit >= range.size()) {
            bit = taken.nextClearBit(0);
            if (bit >= start || bit >= range.size()) {
                throw new SystemException("no available IPv4 addresses on this network's address pools: " + subnet);
            }
        }
        taken.set(bit);
        long address = range.base() + bit;
        next = address + 1 > range.last() ? range.base() : address + 1;
        return address;
    }

    void release(long address) {
        if (range.contains(address) && address != subnet.base() && address != subnet.last()) {
            taken.clear((int) (address - range.base()));
        }
    }
}
