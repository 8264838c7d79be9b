package io.wharf.core.internal.network;

import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * An IPv4 subnet in CIDR form, with the address arithmetic IPAM needs; addresses are unsigned
 * 32-bit values held in a long.
 */
record Subnet4(long base, int prefix) {

    Subnet4 {
        if (prefix < 0 || prefix > 32) {
            throw new InvalidParameterException("invalid prefix length " + prefix);
        }
        base = base & mask(prefix);
    }

    /** Parses "172.18.0.0/16"; a CIDR with host bits set is taken to its network, as Go's ParseCIDR does. */
    static Subnet4 parse(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new InvalidParameterException("invalid CIDR address: " + cidr);
        }
        try {
            return new Subnet4(address(cidr.substring(0, slash)), Integer.parseInt(cidr.substring(slash + 1)));
        } catch (NumberFormatException e) {
            throw new InvalidParameterException("invalid CIDR address: " + cidr);
        }
    }

    /** Parses a dotted IPv4 address. */
    static long address(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            throw new InvalidParameterException("invalid IPv4 address: " + s);
        }
        long value = 0;
        for (String p : parts) {
            int octet;
            try {
                octet = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new InvalidParameterException("invalid IPv4 address: " + s);
            }
            if (octet < 0 || octet > 255 || p.isEmpty() || (p.length() > 1 && p.startsWith("0"))) {
                throw new InvalidParameterException("invalid IPv4 address: " + s);
            }
            value = value << 8 | octet;
        }
        return value;
    }

    static String format(long address) {
        return (address >> 24 & 255) + "." + (address >> 16 & 255) + "." + (address >> 8 & 255) + "." + (address & 255);
    }

    private static long mask(int prefix) {
        return prefix == 0 ? 0 : 0xFFFFFFFFL << (32 - prefix) & 0xFFFFFFFFL;
    }

    long size() {
        return 1L << (32 - prefix);
    }

    long last() {
        return base + size() - 1;
    }

    boolean contains(long address) {
        return address >= base && address <= last();
    }

    boolean contains(Subnet4 other) {
        return other.prefix >= prefix && contains(other.base);
    }

    boolean overlaps(Subnet4 other) {
        return contains(other.base) || other.contains(base);
    }

    /** The first address after the network address: dockerd's default gateway. */
    long firstHost() {
        return prefix >= 31 ? base : base + 1;
    }

    @Override
    public String toString() {
        return format(base) + "/" + prefix;
    }
}
