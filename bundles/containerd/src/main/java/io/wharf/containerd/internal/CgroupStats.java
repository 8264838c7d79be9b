package io.wharf.containerd.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;

import io.wharf.containerd.internal.api.cgroups.v1.CgroupsV1;
import io.wharf.containerd.internal.api.cgroups.v2.CgroupsV2;
import io.wharf.containerd.internal.api.types.Metric;
import io.wharf.core.spi.errors.SystemException;
import io.wharf.core.spi.runtime.TaskStats;
import io.wharf.core.spi.runtime.TaskStats.BlkioEntry;
import io.wharf.core.spi.runtime.TaskStats.Throttling;

/**
 * A task's cgroup statistics from containerd's Metrics call, in docker stats' terms, read as
 * dockerd's statsV1 and statsV2 read them: cgroup v2 counts CPU time in microseconds, has no
 * per-CPU times nor a peak, and reports I/O bytes as one read and one write entry per device. A
 * memory limit above the host's memory (no limit at all, in cgroup terms) is the host's memory.
 */
final class CgroupStats {

    static final String V1_TYPE = "io.containerd.cgroups.v1.Metrics";
    static final String V2_TYPE = "io.containerd.cgroups.v2.Metrics";

    /** cgroup v1 memory.stat names that containerd spells differently in its field names. */
    private static final Map<String, String> V1_STAT_NAMES = Map.of("pg_pg_in", "pgpgin", "pg_pg_out", "pgpgout",
            "pg_fault", "pgfault", "pg_maj_fault", "pgmajfault", "hierarchical_swap_limit", "hierarchical_memsw_limit");
    /** cgroup v2 fields that are not memory.stat entries (they are reported on their own). */
    private static final Set<String> V2_NOT_STATS = Set.of("usage", "usage_limit", "swap_usage", "swap_limit");
    private static final long NANOS_PER_MICRO = 1_000;

    private CgroupStats() {
    }

    /** Decodes one Metric of the Metrics call; {@code machineMemory} 0 when unknown. */
    static TaskStats decode(Metric metric, long machineMemory) {
        Instant read = ContainerdApi.instant(metric.getTimestamp());
        Any data = metric.getData();
        try {
            return switch (data.getTypeUrl()) {
                case V1_TYPE -> v1(read, CgroupsV1.Metrics.parseFrom(data.getValue()), machineMemory);
                case V2_TYPE -> v2(read, CgroupsV2.Metrics.parseFrom(data.getValue()), machineMemory);
                default -> throw new SystemException("unexpected type of metrics " + data.getTypeUrl());
            };
        } catch (InvalidProtocolBufferException e) {
            throw new SystemException("failed to decode the metrics of " + metric.getId() + ": " + e.getMessage(), e);
        }
    }

    private static TaskStats v1(Instant read, CgroupsV1.Metrics m, long machineMemory) {
        CgroupsV1.CPUUsage cpu = m.getCpu().getUsage();
        CgroupsV1.Throttle throttle = m.getCpu().getThrottling();
        CgroupsV1.MemoryStat memory = m.getMemory();
        CgroupsV1.MemoryEntry usage = memory.getUsage();
        Map<String, Long> details = memoryDetails(memory, Set.of(),
                name -> name.startsWith("total_") ? "total_" + v1StatName(name.substring("total_".length()))
                        : v1StatName(name));
        return new TaskStats(read, cpu.getTotal(), List.copyOf(cpu.getPerCpuList()), cpu.getKernel(), cpu.getUser(),
                new Throttling(throttle.getPeriods(), throttle.getThrottledPeriods(), throttle.getThrottledTime()),
                usage.getUsage(), usage.getMax(), limit(usage.getLimit(), machineMemory), usage.getFailcnt(), details,
                m.getPids().getCurrent(), m.getPids().getLimit(), blkio(m.getBlkio().getIoServiceBytesRecursiveList()),
                blkio(m.getBlkio().getIoServicedRecursiveList()));
    }

    private static String v1StatName(String field) {
        return V1_STAT_NAMES.getOrDefault(field, field);
    }

    private static List<BlkioEntry> blkio(List<CgroupsV1.BlkIOEntry> entries) {
        return entries.stream().map(e -> new BlkioEntry(e.getMajor(), e.getMinor(), e.getOp(), e.getValue())).toList();
    }

    private static TaskStats v2(Instant read, CgroupsV2.Metrics m, long machineMemory) {
        CgroupsV2.CPUStat cpu = m.getCpu();
        CgroupsV2.MemoryStat memory = m.getMemory();
        List<BlkioEntry> io = new ArrayList<>();
        for (CgroupsV2.IOEntry e : m.getIo().getUsageList()) {
            io.add(new BlkioEntry(e.getMajor(), e.getMinor(), "read", e.getRbytes()));
            io.add(new BlkioEntry(e.getMajor(), e.getMinor(), "write", e.getWbytes()));
        }
        return new TaskStats(read, cpu.getUsageUsec() * NANOS_PER_MICRO, List.of(),
                cpu.getSystemUsec() * NANOS_PER_MICRO, cpu.getUserUsec() * NANOS_PER_MICRO,
                new Throttling(cpu.getNrPeriods(), cpu.getNrThrottled(), cpu.getThrottledUsec() * NANOS_PER_MICRO),
                memory.getUsage(), 0, limit(memory.getUsageLimit(), machineMemory), m.getMemoryEvents().getOom(),
                memoryDetails(memory, V2_NOT_STATS, name -> name), m.getPids().getCurrent(), m.getPids().getLimit(),
                List.copyOf(io), List.of());
    }

    /** The counters of a memory stat message by their memory.stat names, sorted. */
    private static Map<String, Long> memoryDetails(Message stat, Set<String> skipped,
            UnaryOperator<String> statName) {
        Map<String, Long> details = new TreeMap<>();
        for (FieldDescriptor field : stat.getDescriptorForType().getFields()) {
            if (field.getJavaType() == FieldDescriptor.JavaType.LONG && !skipped.contains(field.getName())) {
                details.put(statName.apply(field.getName()), (Long) stat.getField(field));
            }
        }
        return Collections.unmodifiableMap(details);
    }

    private static long limit(long limit, long machineMemory) {
        return machineMemory > 0 && Long.compareUnsigned(limit, machineMemory) > 0 ? machineMemory : limit;
    }

    /** The host's memory in bytes (MemTotal of {@code meminfo}), 0 when it cannot be read. */
    static long machineMemory(Path meminfo) {
        try {
            for (String line : Files.readAllLines(meminfo)) {
                if (line.startsWith("MemTotal:")) {
                    String[] fields = line.substring("MemTotal:".length()).trim().split("\\s+");
                    return Long.parseLong(fields[0]) * (fields.length > 1 && fields[1].equals("kB") ? 1024 : 1);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // unknown: limits are reported as the cgroup has them
        }
        return 0;
    }
}
