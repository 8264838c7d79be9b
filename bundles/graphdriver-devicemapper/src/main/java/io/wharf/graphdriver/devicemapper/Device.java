package io.wharf.graphdriver.devicemapper;

/**
 * One thin device of the pool as the metadata store keeps it: a layer ({@code hash} is its id) or
 * the base device ({@code hash} ""), which every layer is a snapshot of, directly or through its parents.
 *
 * @param deviceId      the thin device id in the pool (24 bits)
 * @param size          the device's size in bytes
 * @param transactionId the pool transaction that made it
 * @param initialized   for the base device: its filesystem is made
 */
record Device(String hash, int deviceId, long size, long transactionId, boolean initialized) {

    /** The device-mapper name it is activated under: PREFIX-HASH, PREFIX-base for the base device. */
    String name(String prefix) {
        return prefix + "-" + (hash.isEmpty() ? "base" : hash);
    }

    Device withSize(long newSize) {
        return new Device(hash, deviceId, newSize, transactionId, initialized);
    }

    Device asInitialized() {
        return new Device(hash, deviceId, size, transactionId, true);
    }
}
