package io.wharf.core.spi.runtime;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A container's resource usage from its cgroups (containerd's Metrics call), in the units docker
 * stats reports: nanoseconds of CPU time and bytes.
 *
 * @param read             when it was read
 * @param cpuTotal         CPU time of all its processes
 * @param cpuPerCore       that time per CPU
 * @param cpuKernel        of which in kernel mode
 * @param cpuUser          of which in user mode
 * @param throttling       CFS throttling: periods, throttled periods, throttled time
 * @param memoryUsage      memory in use (page cache included)
 * @param memoryMaxUsage   the most ever in use (0 where the host does not track it)
 * @param memoryLimit      the limit (the host's memory when unlimited)
 * @param memoryFailures   how often the limit was hit
 * @param memoryDetails    the cgroup's memory.stat entries by their names there (cache, rss, ...)
 * @param pidsCurrent      processes now
 * @param pidsLimit        the process limit, 0 for none
 * @param ioServiceBytes   bytes read and written per device
 * @param ioServiced       operations per device
 */
public record TaskStats(Instant read, long cpuTotal, List<Long> cpuPerCore, long cpuKernel, long cpuUser,
        Throttling throttling, long memoryUsage, long memoryMaxUsage, long memoryLimit, long memoryFailures,
        Map<String, Long> memoryDetails, long pidsCurrent, long pidsLimit, List<BlkioEntry> ioServiceBytes,
        List<BlkioEntry> ioServiced) {

    /** CFS throttling counters. */
    public record Throttling(long periods, long throttledPeriods, long throttledTime) {
    }

    /** One blkio counter, e.g. major 8, minor 0, op "Read", value. */
    public record BlkioEntry(long major, long minor, String op, long value) {
    }
}
