package io.wharf.core.internal.router.container;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.wharf.core.internal.container.Container;
import io.wharf.core.internal.container.ContainerService;
import io.wharf.core.internal.container.ContainerViews;
import io.wharf.core.internal.container.logs.LogsOptions;
import io.wharf.core.internal.json.Json;
import io.wharf.core.spi.archive.Change;
import io.wharf.core.spi.archive.LayerTar;
import io.wharf.core.spi.archive.WhiteoutFormat;
import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.SystemException;
import io.wharf.core.spi.http.ApiRequest;
import io.wharf.core.spi.http.ApiResponse;
import io.wharf.core.spi.linux.Commands;
import io.wharf.core.spi.runtime.TaskStats;

/** The routes that look into a container: inspect, top, changes, stats, export, logs. */
final class ContainerInspections {

    private static final long CLOCK_TICKS = 100;

    private final ContainerService containers;

    ContainerInspections(ContainerService containers) {
        this.containers = containers;
    }

    Map<String, Object> inspect(Container c, boolean size) throws IOException {
        Map<String, String> driverData;
        try {
            driverData = containers.images().storage().driver().metadata(c.id());
        } catch (IOException e) {
            driverData = Map.of();
        }
        long[] sizes = size ? containers.sizes(c) : null;
        List<String> execIds = c.state().running() ? containers.execs().notEnded(c) : List.of();
        return ContainerViews.inspect(c, driverData, execIds, sizes == null ? null : sizes[0], sizes == null ? null : sizes[1]);
    }

    /** GET /containers/{id}/top: the host's ps, narrowed to the container's processes (moby's ContainerTop). */
    Map<String, Object> top(Container c, String psArgs) throws IOException {
        if (!c.state().running() || c.state().restarting()) {
            throw new ConflictException("Container " + c.id() + " is not running");
        }
        if (c.state().paused()) {
            throw new ConflictException("Container " + c.id() + " is paused");
        }
        Set<String> pids = containers.runtime().pids(c.id()).stream().map(String::valueOf).collect(Collectors.toSet());
        List<String> command = new ArrayList<>();
        command.add("ps");
        command.addAll(List.of((psArgs.isEmpty() ? "-ef" : psArgs).split("\\s+")));
        String output;
        try {
            output = Commands.run(command.toArray(String[]::new));
        } catch (IOException e) {
            // dockerd answers the first line of what ps said, after "ps: ".
            String said = e.getMessage().substring(Math.min(e.getMessage().length(), String.join(" ", command).length() + 2));
            throw new SystemException("ps: " + said.lines().findFirst().orElse(""), e);
        }
        String[] lines = output.split("\n");
        List<String> titles = List.of(lines[0].trim().split("\\s+"));
        int pidColumn = titles.indexOf("PID");
        if (pidColumn < 0) {
            throw new SystemException("Couldn't find PID field in ps output");
        }
        List<List<String>> processes = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            String[] fields = lines[i].trim().split("\\s+", titles.size());
            if (fields.length > pidColumn && pids.contains(fields[pidColumn])) {
                processes.add(List.of(fields));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("Titles", titles);
        out.put("Processes", processes);
        return out;
    }

    List<Map<String, Object>> changes(Container c) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Change change : containers.images().containerLayers().changes(c.id())) {
            out.add(Map.of("Path", change.path(), "Kind", change.kind().ordinal()));
        }
        return out;
    }

    /** GET /containers/{id}/export: the whole root filesystem as a tar. */
    void export(Container c, ApiResponse resp) throws IOException {
        Path rootfs = containers.images().containerLayers().mount(c.id());
        try {
            resp.status(200);
            resp.header("Content-Type", "application/x-tar");
            OutputStream out = resp.stream();
            LayerTar.write(rootfs, out, WhiteoutFormat.AUFS);
        } finally {
            containers.images().containerLayers().unmount(c.id());
        }
    }

    /**
     * GET /containers/{id}/stats: one sample (one-shot), two a second apart (stream=false, so
     * that CPU percentages can be computed), or a sample a second for as long as the client reads.
     */
    void stats(Container c, ApiRequest req, ApiResponse resp) throws Exception {
        boolean stream = req.query("stream").map(v -> !v.equals("0") && !v.equalsIgnoreCase("false")).orElse(true);
        boolean oneShot = req.boolQuery("one-shot");
        resp.status(200);
        resp.header("Content-Type", "application/json");
        OutputStream out = resp.stream();
        Map<String, Object> previous = null;
        if (!stream && !oneShot) {
            previous = sample(c);
            if (previous != null) {
                Thread.sleep(1000);
            }
        }
        while (true) {
            Map<String, Object> now = sample(c);
            out.write(Json.bytes(statsJson(c, now, previous)));
            out.write('\n');
            out.flush();
            if (!stream || !c.state().running() || c.removed()) {
                return;
            }
            previous = now;
            Thread.sleep(1000);
        }
    }

    private Map<String, Object> sample(Container c) throws IOException {
        if (!c.state().running() || c.state().restarting()) {
            return null;
        }
        TaskStats s;
        try {
            s = containers.runtime().stats(c.id());
        } catch (RuntimeException e) {
            return null;
        }
        Map<String, Object> cpuUsage = new LinkedHashMap<>();
        cpuUsage.put("total_usage", s.cpuTotal());
        cpuUsage.put("percpu_usage", s.cpuPerCore());
        cpuUsage.put("usage_in_kernelmode", s.cpuKernel());
        cpuUsage.put("usage_in_usermode", s.cpuUser());
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("cpu_usage", cpuUsage);
        cpu.put("system_cpu_usage", systemCpuUsage());
        cpu.put("online_cpus", Runtime.getRuntime().availableProcessors());
        cpu.put("throttling_data", Map.of("periods", s.throttling().periods(), "throttled_periods",
                s.throttling().throttledPeriods(), "throttled_time", s.throttling().throttledTime()));
        Map<String, Object> memory = new LinkedHashMap<>();
        memory.put("usage", s.memoryUsage());
        memory.put("max_usage", s.memoryMaxUsage());
        memory.put("stats", s.memoryDetails());
        memory.put("failcnt", s.memoryFailures());
        memory.put("limit", s.memoryLimit());
        Map<String, Object> blkio = new LinkedHashMap<>();
        blkio.put("io_service_bytes_recursive", blkio(s.ioServiceBytes()));
        blkio.put("io_serviced_recursive", blkio(s.ioServiced()));
        for (String k : List.of("io_queue_recursive", "io_service_time_recursive", "io_wait_time_recursive",
                "io_merged_recursive", "io_time_recursive", "sectors_recursive")) {
            blkio.put(k, null);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("read", s.read().toString());
        out.put("pids_stats", s.pidsLimit() > 0 ? Map.of("current", s.pidsCurrent(), "limit", s.pidsLimit())
                : Map.of("current", s.pidsCurrent()));
        out.put("blkio_stats", blkio);
        out.put("cpu_stats", cpu);
        out.put("memory_stats", memory);
        return out;
    }

    private static List<Map<String, Object>> blkio(List<TaskStats.BlkioEntry> entries) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (TaskStats.BlkioEntry e : entries) {
            out.add(Map.of("major", e.major(), "minor", e.minor(), "op", e.op(), "value", e.value()));
        }
        return out;
    }

    /** moby's stats JSON: zero values where the container does not run, as dockerd sends them. */
    private static Map<String, Object> statsJson(Container c, Map<String, Object> now, Map<String, Object> previous) {
        Map<String, Object> empty = Map.of("cpu_usage", Map.of("total_usage", 0, "usage_in_kernelmode", 0,
                "usage_in_usermode", 0), "throttling_data", Map.of("periods", 0, "throttled_periods", 0, "throttled_time", 0));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("read", now == null ? "0001-01-01T00:00:00Z" : now.get("read"));
        out.put("preread", previous == null ? "0001-01-01T00:00:00Z" : previous.get("read"));
        out.put("pids_stats", now == null ? Map.of() : now.get("pids_stats"));
        out.put("blkio_stats", now == null ? Map.of() : now.get("blkio_stats"));
        out.put("num_procs", 0);
        out.put("storage_stats", Map.of());
        out.put("cpu_stats", now == null ? empty : now.get("cpu_stats"));
        out.put("precpu_stats", previous == null ? empty : previous.get("cpu_stats"));
        out.put("memory_stats", now == null ? Map.of() : now.get("memory_stats"));
        out.put("name", c.name());
        out.put("id", c.id());
        return out;
    }

    /** The host's CPU time in nanoseconds, from /proc/stat's cpu line, as dockerd reads it. */
    private static long systemCpuUsage() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.US_ASCII)) {
            if (line.startsWith("cpu ")) {
                String[] f = line.trim().split("\\s+");
                long ticks = 0;
                for (int i = 1; i < Math.min(f.length, 8); i++) {
                    ticks += Long.parseLong(f[i]);
                }
                return ticks * (1_000_000_000L / CLOCK_TICKS);
            }
        }
        throw new IOException("no cpu line in /proc/stat");
    }

    /** GET /containers/{id}/logs: raw with a terminal, else in stdout/stderr frames. */
    void logs(Container c, ApiRequest req, ApiResponse resp) throws Exception {
        LogsOptions options = new LogsOptions(req.boolQuery("stdout"), req.boolQuery("stderr"), req.boolQuery("follow"),
                LogsOptions.parseSince(req.query("since").orElse("")), LogsOptions.parseUntil(req.query("until").orElse("")),
                req.boolQuery("timestamps"), LogsOptions.parseTail(req.query("tail").orElse("")), req.boolQuery("details"));
        resp.status(200);
        resp.header("Content-Type", "application/vnd.docker.raw-stream");
        OutputStream out = resp.stream();
        out.flush();
        containers.logs(c, options, out);
    }
}
