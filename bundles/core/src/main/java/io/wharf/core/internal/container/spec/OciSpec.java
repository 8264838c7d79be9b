package io.wharf.core.internal.container.spec;

import java.io.IOException;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.wharf.core.internal.json.Json;

/**
 * The OCI runtime spec (runtime-spec 1.0.2-dev, as dockerd 20.10 vendors it), limited to the
 * fields dockerd fills for runc on Linux. Component order and omission follow the Go structs'
 * {@code omitempty} tags, so the JSON reads like the config.json dockerd hands to containerd.
 * Unsigned 64-bit values that may exceed {@code Long.MAX_VALUE} (rlimits, seccomp arguments) are
 * {@link BigInteger}s.
 */
@JsonInclude(Include.NON_EMPTY)
public record OciSpec(String ociVersion, Process process, Root root, String hostname, List<Mount> mounts,
        Linux linux) {

    /** The version dockerd 20.10's vendored runtime-spec declares. */
    public static final String VERSION = "1.0.2-dev";

    /** The spec as containerd expects it inside its Any: the JSON bytes. */
    public byte[] json() {
        return Json.bytes(this);
    }

    /** Reads a spec written by {@link #json()}, e.g. to take a running container's process for an exec. */
    public static OciSpec parse(byte[] json) throws IOException {
        return Json.MAPPER.readValue(json, OciSpec.class);
    }

    @JsonInclude(Include.NON_EMPTY)
    public record Process(@JsonInclude(Include.NON_DEFAULT) boolean terminal, @JsonInclude(Include.ALWAYS) User user,
            List<String> args, List<String> env, @JsonInclude(Include.ALWAYS) String cwd, Capabilities capabilities,
            List<Rlimit> rlimits, @JsonInclude(Include.NON_DEFAULT) boolean noNewPrivileges, Integer oomScoreAdj) {

        /** The json of this process alone: what containerd's Exec takes. */
        public byte[] json() {
            return Json.bytes(this);
        }
    }

    @JsonInclude(Include.NON_EMPTY)
    public record User(long uid, long gid, List<Long> additionalGids) {
    }

    @JsonInclude(Include.NON_EMPTY)
    public record Capabilities(List<String> bounding, List<String> effective, List<String> inheritable,
            List<String> permitted, List<String> ambient) {
    }

    /** One rlimit; {@code type} is e.g. "RLIMIT_NOFILE", the values are unsigned. */
    public record Rlimit(String type, BigInteger hard, BigInteger soft) {
    }

    public record Root(String path, @JsonInclude(Include.NON_DEFAULT) boolean readonly) {
    }

    @JsonInclude(Include.NON_EMPTY)
    public record Mount(String destination, String type, String source, List<String> options) {
    }

    @JsonInclude(Include.NON_EMPTY)
    public record Linux(Map<String, String> sysctl, Resources resources, String cgroupsPath,
            List<Namespace> namespaces, List<Device> devices, Seccomp seccomp, String rootfsPropagation,
            List<String> maskedPaths, List<String> readonlyPaths) {
    }

    @JsonInclude(Include.NON_EMPTY)
    public record Namespace(String type, String path) {
    }

    /** A device node runc creates; {@code fileMode} is the host's st_mode, type bits included, as Go's os.FileMode. */
    @JsonInclude(Include.NON_NULL)
    public record Device(String path, String type, long major, long minor, Long fileMode, Long uid, Long gid) {
    }

    @JsonInclude(Include.NON_EMPTY)
    public record Resources(List<DeviceRule> devices, Memory memory, Cpu cpu, Pids pids, BlockIo blockIO) {
    }

    /** A devices-cgroup rule; a null major or minor means any. */
    @JsonInclude(Include.NON_EMPTY)
    public record DeviceRule(@JsonInclude(Include.ALWAYS) boolean allow, String type, Long major, Long minor,
            String access) {
    }

    @JsonInclude(Include.NON_NULL)
    public record Memory(Long limit, Long reservation, Long swap, Long swappiness, Boolean disableOOMKiller) {
    }

    @JsonInclude(Include.NON_EMPTY)
    public record Cpu(Long shares, Long quota, Long period, Long realtimeRuntime, Long realtimePeriod, String cpus,
            String mems) {
    }

    public record Pids(long limit) {
    }

    @JsonInclude(Include.NON_EMPTY)
    public record BlockIo(Integer weight, List<WeightDevice> weightDevice, List<ThrottleDevice> throttleReadBpsDevice,
            List<ThrottleDevice> throttleWriteBpsDevice,
            @JsonProperty("throttleReadIOPSDevice") List<ThrottleDevice> throttleReadIopsDevice,
            @JsonProperty("throttleWriteIOPSDevice") List<ThrottleDevice> throttleWriteIopsDevice) {
    }

    public record WeightDevice(long major, long minor, int weight) {
    }

    public record ThrottleDevice(long major, long minor, long rate) {
    }

    @JsonInclude(Include.NON_EMPTY)
    public record Seccomp(String defaultAction, List<String> architectures, List<String> flags,
            List<Syscall> syscalls) {
    }

    @JsonInclude(Include.NON_EMPTY)
    public record Syscall(@JsonInclude(Include.ALWAYS) List<String> names, String action, Long errnoRet,
            List<SeccompArg> args) {
    }

    /** A syscall argument comparison; {@code valueTwo} is omitted when zero, as Go's omitempty does. */
    @JsonInclude(Include.NON_NULL)
    public record SeccompArg(long index, BigInteger value, BigInteger valueTwo, String op) {
    }
}
