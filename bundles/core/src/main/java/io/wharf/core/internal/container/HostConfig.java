package io.wharf.core.internal.container;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * A container's HostConfig as the API and hostconfig.json carry it (moby's container.HostConfig
 * with its Resources inlined, as on the wire). Fields Wharf does not act on are kept so that
 * inspect shows what was asked for.
 */
@JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
public record HostConfig(
        List<String> binds,
        String containerIDFile,
        LogConfig logConfig,
        String networkMode,
        Map<String, List<PortBinding>> portBindings,
        RestartPolicy restartPolicy,
        boolean autoRemove,
        String volumeDriver,
        List<String> volumesFrom,
        List<Mount> mounts,
        List<Integer> consoleSize,
        Map<String, String> annotations,
        List<String> capAdd,
        List<String> capDrop,
        String cgroupnsMode,
        List<String> dns,
        List<String> dnsOptions,
        List<String> dnsSearch,
        List<String> extraHosts,
        List<String> groupAdd,
        String ipcMode,
        String cgroup,
        List<String> links,
        int oomScoreAdj,
        String pidMode,
        boolean privileged,
        boolean publishAllPorts,
        boolean readonlyRootfs,
        List<String> securityOpt,
        Map<String, String> storageOpt,
        Map<String, String> tmpfs,
        @JsonProperty("UTSMode") String utsMode,
        String usernsMode,
        long shmSize,
        Map<String, String> sysctls,
        String runtime,
        String isolation,
        // Resources
        long cpuShares,
        long memory,
        long nanoCpus,
        String cgroupParent,
        int blkioWeight,
        List<Map<String, Object>> blkioWeightDevice,
        List<Map<String, Object>> blkioDeviceReadBps,
        List<Map<String, Object>> blkioDeviceWriteBps,
        List<Map<String, Object>> blkioDeviceReadIOps,
        List<Map<String, Object>> blkioDeviceWriteIOps,
        long cpuPeriod,
        long cpuQuota,
        long cpuRealtimePeriod,
        long cpuRealtimeRuntime,
        String cpusetCpus,
        String cpusetMems,
        List<DeviceMapping> devices,
        List<String> deviceCgroupRules,
        List<Map<String, Object>> deviceRequests,
        long memoryReservation,
        long memorySwap,
        Long memorySwappiness,
        Boolean oomKillDisable,
        Long pidsLimit,
        List<Ulimit> ulimits,
        long cpuCount,
        long cpuPercent,
        @JsonProperty("IOMaximumIOps") long ioMaximumIOps,
        @JsonProperty("IOMaximumBandwidth") long ioMaximumBandwidth,
        List<String> maskedPaths,
        List<String> readonlyPaths,
        Boolean init) {

    public HostConfig {
        logConfig = logConfig == null || logConfig.type() == null || logConfig.type().isEmpty()
                ? new LogConfig("json-file", logConfig == null || logConfig.config() == null ? Map.of() : logConfig.config())
                : logConfig;
        restartPolicy = restartPolicy == null || restartPolicy.name() == null ? new RestartPolicy("no", 0) : restartPolicy;
        networkMode = networkMode == null || networkMode.isEmpty() ? "default" : networkMode;
        cgroupnsMode = cgroupnsMode == null || cgroupnsMode.isEmpty() ? "host" : cgroupnsMode;
        ipcMode = ipcMode == null || ipcMode.isEmpty() ? "private" : ipcMode;
        pidMode = pidMode == null ? "" : pidMode;
        utsMode = utsMode == null ? "" : utsMode;
        usernsMode = usernsMode == null ? "" : usernsMode;
        runtime = runtime == null || runtime.isEmpty() ? "runc" : runtime;
        isolation = isolation == null ? "" : isolation;
        cgroup = cgroup == null ? "" : cgroup;
        cgroupParent = cgroupParent == null ? "" : cgroupParent;
        cpusetCpus = cpusetCpus == null ? "" : cpusetCpus;
        cpusetMems = cpusetMems == null ? "" : cpusetMems;
        volumeDriver = volumeDriver == null ? "" : volumeDriver;
        containerIDFile = containerIDFile == null ? "" : containerIDFile;
    }

    /** This HostConfig with the settings dockerd fills in at create replaced. */
    public HostConfig withCreateDefaults(long memorySwap, Long memorySwappiness, long shmSize,
            Boolean oomKillDisable, Long pidsLimit, List<String> maskedPaths, List<String> readonlyPaths) {
        return new HostConfig(binds, containerIDFile, logConfig, networkMode, portBindings, restartPolicy, autoRemove,
                volumeDriver, volumesFrom, mounts, consoleSize, annotations, capAdd, capDrop, cgroupnsMode, dns,
                dnsOptions, dnsSearch, extraHosts, groupAdd, ipcMode, cgroup, links, oomScoreAdj, pidMode, privileged,
                publishAllPorts, readonlyRootfs, securityOpt, storageOpt, tmpfs, utsMode, usernsMode, shmSize, sysctls,
                runtime, isolation, cpuShares, memory, nanoCpus, cgroupParent, blkioWeight, blkioWeightDevice,
                blkioDeviceReadBps, blkioDeviceWriteBps, blkioDeviceReadIOps, blkioDeviceWriteIOps, cpuPeriod,
                cpuQuota, cpuRealtimePeriod, cpuRealtimeRuntime, cpusetCpus, cpusetMems, devices, deviceCgroupRules,
                deviceRequests, memoryReservation, memorySwap, memorySwappiness, oomKillDisable, pidsLimit, ulimits,
                cpuCount, cpuPercent, ioMaximumIOps, ioMaximumBandwidth, maskedPaths, readonlyPaths, init);
    }

    /** LogConfig: the log driver and its options. */
    @JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
    public record LogConfig(String type, Map<String, String> config) {
    }

    /** RestartPolicy: "no", "always", "unless-stopped" or "on-failure" with a retry limit. */
    @JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
    public record RestartPolicy(String name, int maximumRetryCount) {

        @JsonIgnore // not a field of the API's RestartPolicy
        public boolean isNone() {
            return name.isEmpty() || name.equals("no");
        }
    }

    /** A published port: host address and port for one container port. */
    @JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
    public record PortBinding(String hostIp, String hostPort) {
    }

    /** A device made available in the container (--device). */
    @JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
    public record DeviceMapping(String pathOnHost, String pathInContainer, String cgroupPermissions) {
    }

    /** An rlimit (--ulimit). */
    @JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
    public record Ulimit(String name, long soft, long hard) {
    }

    /** A --mount: bind, tmpfs or volume. */
    @JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
    public record Mount(String type, String source, String target, boolean readOnly, String consistency,
            BindOptions bindOptions, Map<String, Object> volumeOptions, TmpfsOptions tmpfsOptions) {
    }

    @JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
    public record BindOptions(String propagation, boolean nonRecursive, boolean createMountpoint) {
    }

    @JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
    public record TmpfsOptions(long sizeBytes, int mode) {
    }
}
