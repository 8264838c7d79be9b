package io.wharf.core.internal.container.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.wharf.core.internal.container.HostConfig;
import io.wharf.core.internal.platform.PosixFiles;
import io.wharf.core.spi.errors.SystemException;

/**
 * A container's cgroup limits (moby WithResources and its getMemoryResources, getCPUResources,
 * getPidsLimit, getBlkio* helpers). The CPU shares and the blkio weight are always written, 0
 * meaning "unset" to runc, as dockerd writes them.
 */
final class SpecResources {

    /** The CFS period NanoCpus is expressed in: 100 ms, in microseconds. */
    static final long NANO_CPUS_PERIOD = 100_000;

    private SpecResources() {
    }

    static OciSpec.Resources of(HostConfig h, List<OciSpec.DeviceRule> deviceRules) {
        return new OciSpec.Resources(deviceRules, memory(h), cpu(h), pids(h.pidsLimit()),
                new OciSpec.BlockIo(h.blkioWeight(), devices(h.blkioWeightDevice(), SpecResources::weightDevice),
                        devices(h.blkioDeviceReadBps(), SpecResources::throttleDevice),
                        devices(h.blkioDeviceWriteBps(), SpecResources::throttleDevice),
                        devices(h.blkioDeviceReadIOps(), SpecResources::throttleDevice),
                        devices(h.blkioDeviceWriteIOps(), SpecResources::throttleDevice)));
    }

    private static OciSpec.Memory memory(HostConfig h) {
        return new OciSpec.Memory(positive(h.memory()), positive(h.memoryReservation()), positive(h.memorySwap()),
                h.memorySwappiness(), h.oomKillDisable());
    }

    private static OciSpec.Cpu cpu(HostConfig h) {
        if (h.cpuShares() < 0) {
            throw new SystemException("shares: invalid argument");
        }
        Long period = null;
        Long quota = null;
        if (h.nanoCpus() > 0) {
            period = NANO_CPUS_PERIOD;
            quota = h.nanoCpus() * NANO_CPUS_PERIOD / 1_000_000_000L;
        }
        if (h.cpuPeriod() != 0) {
            period = h.cpuPeriod();
        }
        if (h.cpuQuota() != 0) {
            quota = h.cpuQuota();
        }
        return new OciSpec.Cpu(h.cpuShares(), quota, period, nonZero(h.cpuRealtimeRuntime()),
                nonZero(h.cpuRealtimePeriod()), h.cpusetCpus(), h.cpusetMems());
    }

    /** No limit asked for: none written; 0 or less: "unlimited", which runc spells -1. */
    private static OciSpec.Pids pids(Long limit) {
        if (limit == null) {
            return null;
        }
        return new OciSpec.Pids(limit <= 0 ? -1 : limit);
    }

    private static <T> List<T> devices(List<Map<String, Object>> entries, Function<Map<String, Object>, T> map) {
        return entries == null ? null : entries.stream().map(map).toList();
    }

    private static OciSpec.WeightDevice weightDevice(Map<String, Object> e) {
        long[] dev = majorMinor(e);
        return new OciSpec.WeightDevice(dev[0], dev[1], ((Number) e.getOrDefault("Weight", 0)).intValue());
    }

    private static OciSpec.ThrottleDevice throttleDevice(Map<String, Object> e) {
        long[] dev = majorMinor(e);
        return new OciSpec.ThrottleDevice(dev[0], dev[1], ((Number) e.getOrDefault("Rate", 0)).longValue());
    }

    /** The device numbers of the block device at the entry's Path, following links as stat(2) does. */
    private static long[] majorMinor(Map<String, Object> e) {
        String path = String.valueOf(e.get("Path"));
        try {
            long rdev = (Long) Files.getAttribute(Path.of(path), "unix:rdev");
            return new long[] {PosixFiles.major(rdev), PosixFiles.minor(rdev)};
        } catch (NoSuchFileException ex) {
            throw new SystemException("stat " + path + ": no such file or directory", ex);
        } catch (IOException ex) {
            throw new SystemException("stat " + path + ": " + ex.getMessage(), ex);
        }
    }

    private static Long positive(long value) {
        return value > 0 ? value : null;
    }

    private static Long nonZero(long value) {
        return value != 0 ? value : null;
    }
}
