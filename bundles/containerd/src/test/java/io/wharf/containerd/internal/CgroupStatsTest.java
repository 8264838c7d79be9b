package io.wharf.containerd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;

import io.wharf.containerd.internal.api.cgroups.v1.CgroupsV1;
import io.wharf.containerd.internal.api.cgroups.v2.CgroupsV2;
import io.wharf.containerd.internal.api.types.Metric;
import io.wharf.core.spi.errors.SystemException;
import io.wharf.core.spi.runtime.TaskStats;
import io.wharf.core.spi.runtime.TaskStats.BlkioEntry;
import io.wharf.core.spi.runtime.TaskStats.Throttling;

class CgroupStatsTest {

    private static final long GIB = 1L << 30;
    private static final Instant READ = Instant.ofEpochSecond(1_700_000_000L, 123);

    @TempDir
    Path dir;

    private static Metric metric(String type, Message data) {
        return Metric.newBuilder()
                .setTimestamp(Timestamp.newBuilder().setSeconds(READ.getEpochSecond()).setNanos(READ.getNano()))
                .setId("c1")
                .setData(ContainerdApi.any(type, data.toByteString()))
                .build();
    }

    @Test
    void cgroupV1AsDockerdReadsIt() {
        CgroupsV1.Metrics m = CgroupsV1.Metrics.newBuilder()
                .setPids(CgroupsV1.PidsStat.newBuilder().setCurrent(3).setLimit(100))
                .setCpu(CgroupsV1.CPUStat.newBuilder()
                        .setUsage(CgroupsV1.CPUUsage.newBuilder().setTotal(900).setKernel(300).setUser(600)
                                .addPerCpu(400).addPerCpu(500))
                        .setThrottling(CgroupsV1.Throttle.newBuilder().setPeriods(7).setThrottledPeriods(2)
                                .setThrottledTime(50)))
                .setMemory(CgroupsV1.MemoryStat.newBuilder().setCache(11).setRss(22).setPgFault(33)
                        .setTotalPgPgIn(44).setHierarchicalSwapLimit(55)
                        .setUsage(CgroupsV1.MemoryEntry.newBuilder().setUsage(4096).setMax(8192).setFailcnt(1)
                                .setLimit(9223372036854771712L)))
                .setBlkio(CgroupsV1.BlkIOStat.newBuilder()
                        .addIoServiceBytesRecursive(CgroupsV1.BlkIOEntry.newBuilder().setMajor(8).setOp("Read").setValue(512))
                        .addIoServicedRecursive(CgroupsV1.BlkIOEntry.newBuilder().setMajor(8).setOp("Write").setValue(2)))
                .build();
        TaskStats s = CgroupStats.decode(metric(CgroupStats.V1_TYPE, m), 4 * GIB);
        assertEquals(READ, s.read());
        assertEquals(900, s.cpuTotal());
        assertEquals(List.of(400L, 500L), s.cpuPerCore());
        assertEquals(300, s.cpuKernel());
        assertEquals(600, s.cpuUser());
        assertEquals(new Throttling(7, 2, 50), s.throttling());
        assertEquals(4096, s.memoryUsage());
        assertEquals(8192, s.memoryMaxUsage());
        assertEquals(4 * GIB, s.memoryLimit(), "no limit is the host's memory");
        assertEquals(1, s.memoryFailures());
        assertEquals(3, s.pidsCurrent());
        assertEquals(100, s.pidsLimit());
        assertEquals(List.of(new BlkioEntry(8, 0, "Read", 512)), s.ioServiceBytes());
        assertEquals(List.of(new BlkioEntry(8, 0, "Write", 2)), s.ioServiced());

        assertEquals(32, s.memoryDetails().size(), s.memoryDetails().toString());
        assertEquals(11L, s.memoryDetails().get("cache"));
        assertEquals(22L, s.memoryDetails().get("rss"));
        assertEquals(33L, s.memoryDetails().get("pgfault"));
        assertEquals(44L, s.memoryDetails().get("total_pgpgin"));
        assertEquals(55L, s.memoryDetails().get("hierarchical_memsw_limit"));
        assertEquals(0L, s.memoryDetails().get("total_pgmajfault"));
    }

    @Test
    void cgroupV2InNanosecondsWithReadAndWriteEntries() {
        CgroupsV2.Metrics m = CgroupsV2.Metrics.newBuilder()
                .setPids(CgroupsV2.PidsStat.newBuilder().setCurrent(2))
                .setCpu(CgroupsV2.CPUStat.newBuilder().setUsageUsec(9).setUserUsec(6).setSystemUsec(3)
                        .setNrPeriods(4).setNrThrottled(1).setThrottledUsec(5))
                .setMemory(CgroupsV2.MemoryStat.newBuilder().setAnon(10).setFile(20).setUsage(30).setUsageLimit(GIB)
                        .setSwapUsage(40))
                .setMemoryEvents(CgroupsV2.MemoryEvents.newBuilder().setOom(6))
                .setIo(CgroupsV2.IOStat.newBuilder()
                        .addUsage(CgroupsV2.IOEntry.newBuilder().setMajor(254).setMinor(1).setRbytes(100).setWbytes(200)))
                .build();
        TaskStats s = CgroupStats.decode(metric(CgroupStats.V2_TYPE, m), 4 * GIB);
        assertEquals(9_000, s.cpuTotal());
        assertEquals(List.of(), s.cpuPerCore());
        assertEquals(3_000, s.cpuKernel());
        assertEquals(6_000, s.cpuUser());
        assertEquals(new Throttling(4, 1, 5_000), s.throttling());
        assertEquals(30, s.memoryUsage());
        assertEquals(0, s.memoryMaxUsage());
        assertEquals(GIB, s.memoryLimit());
        assertEquals(6, s.memoryFailures());
        assertEquals(2, s.pidsCurrent());
        assertEquals(List.of(new BlkioEntry(254, 1, "read", 100), new BlkioEntry(254, 1, "write", 200)),
                s.ioServiceBytes());
        assertEquals(10L, s.memoryDetails().get("anon"));
        assertEquals(20L, s.memoryDetails().get("file"));
        assertNull(s.memoryDetails().get("usage"), "usage is reported on its own");
        assertNull(s.memoryDetails().get("swap_usage"));
    }

    @Test
    void unlimitedV2MemoryIsTheHostsAndUnknownMemoryKeepsTheLimit() {
        CgroupsV2.Metrics m = CgroupsV2.Metrics.newBuilder()
                .setMemory(CgroupsV2.MemoryStat.newBuilder().setUsageLimit(-1L)) // max: 2^64-1
                .build();
        assertEquals(4 * GIB, CgroupStats.decode(metric(CgroupStats.V2_TYPE, m), 4 * GIB).memoryLimit());
        assertEquals(-1L, CgroupStats.decode(metric(CgroupStats.V2_TYPE, m), 0).memoryLimit());
    }

    @Test
    void otherMetricsAreAnError() {
        Metric m = Metric.newBuilder().setData(ContainerdApi.any("io.containerd.cgroups.v3.Metrics", ByteString.EMPTY))
                .build();
        SystemException e = assertThrows(SystemException.class, () -> CgroupStats.decode(m, 0));
        assertEquals("unexpected type of metrics io.containerd.cgroups.v3.Metrics", e.getMessage());
    }

    @Test
    void machineMemoryFromMeminfo() throws Exception {
        Path meminfo = dir.resolve("meminfo");
        Files.writeString(meminfo, "MemTotal:        8052424 kB\nMemFree:         1234 kB\n");
        assertEquals(8052424L * 1024, CgroupStats.machineMemory(meminfo));
        assertEquals(0, CgroupStats.machineMemory(dir.resolve("missing")));
    }
}
