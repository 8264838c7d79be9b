package io.wharf.core.internal.container.spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;

import io.wharf.core.internal.json.Json;
import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * A seccomp profile in Docker's format (moby profiles/seccomp): rules that apply only on some
 * architectures, with some capabilities, or from some kernel version on. Docker's default profile
 * is the resource {@code default-seccomp.json} (dockerd 20.10.27's {@code default.json}, unchanged);
 * a profile given with {@code --security-opt seccomp=...} goes through the same parser. {@link
 * #compile} turns a profile into the spec's plain list for one container, as dockerd's setupSeccomp
 * does.
 */
record SeccompProfile(String defaultAction, List<String> architectures, List<ArchMap> archMap,
        List<Rule> syscalls) {

    record ArchMap(String architecture, List<String> subArchitectures) {
    }

    record Rule(String name, List<String> names, String action, Long errnoRet, List<OciSpec.SeccompArg> args,
            String comment, Filter includes, Filter excludes) {
    }

    /** When a rule applies; {@code minKernel} is "kernel.major", e.g. "4.8", or null ("" reads as null). */
    record Filter(List<String> caps, List<String> arches, String minKernel) {

        Filter {
            minKernel = minKernel == null || minKernel.isEmpty() ? null : minKernel;
        }
    }

    /** libseccomp's names of the JVM's architecture: {native name, SCMP_ARCH_ name}. */
    private static final Map<String, List<String>> ARCHES = Map.of(
            "amd64", List.of("amd64", "SCMP_ARCH_X86_64"),
            "aarch64", List.of("arm64", "SCMP_ARCH_AARCH64"),
            "s390x", List.of("s390x", "SCMP_ARCH_S390X"),
            "ppc64le", List.of("ppc64le", "SCMP_ARCH_PPC64LE"));

    private static final String DEFAULT_RESOURCE = "default-seccomp.json";

    /** Docker's default profile, read once. */
    static SeccompProfile dockerDefault() {
        return Default.PROFILE;
    }

    private static final class Default {
        static final SeccompProfile PROFILE = readDefault();

        private static SeccompProfile readDefault() {
            try (InputStream in = SeccompProfile.class.getResourceAsStream(DEFAULT_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(DEFAULT_RESOURCE + " is missing from the bundle");
                }
                return Json.MAPPER.readValue(in, SeccompProfile.class);
            } catch (IOException e) {
                throw new UncheckedIOException(DEFAULT_RESOURCE, e);
            }
        }
    }

    /**
     * The profile a "seccomp=" security option names: its JSON (what the docker CLI sends after
     * reading the user's file) or, when the value does not look like JSON, the path of a file on the
     * daemon's host holding it.
     */
    static SeccompProfile load(String value) {
        String json = value.strip();
        if (!json.startsWith("{")) {
            try {
                json = Files.readString(Path.of(value));
            } catch (IOException e) {
                throw new InvalidParameterException("opening seccomp profile (" + value + ") failed: " + e.getMessage());
            }
        }
        SeccompProfile profile;
        try {
            profile = Json.MAPPER.readValue(json, SeccompProfile.class);
        } catch (JsonProcessingException e) {
            throw decodingFailed(e.getOriginalMessage());
        }
        if (profile == null) {
            throw decodingFailed("the profile is null");
        }
        for (Rule rule : profile.syscalls == null ? List.<Rule>of() : profile.syscalls) {
            for (Filter f : new Filter[] {rule.includes, rule.excludes}) {
                if (f != null && f.minKernel != null) {
                    KernelVersion.parse(f.minKernel);
                }
            }
        }
        return profile;
    }

    static InvalidParameterException decodingFailed(String reason) {
        return new InvalidParameterException("Decoding seccomp profile failed: " + reason);
    }

    /**
     * The spec's seccomp section for a container whose bounding set is {@code bounding}, on a host
     * running {@code kernel}; null when the profile is empty (no default action, no rules), which
     * dockerd takes to mean seccomp disabled.
     */
    OciSpec.Seccomp compile(List<String> bounding, KernelVersion kernel) {
        List<Rule> rules = syscalls == null ? List.of() : syscalls;
        if ((defaultAction == null || defaultAction.isEmpty()) && rules.isEmpty()) {
            return null;
        }
        if (!isEmpty(architectures) && !isEmpty(archMap)) {
            throw new InvalidParameterException("'architectures' and 'archMap' were specified in the seccomp profile,"
                    + " use either 'architectures' or 'archMap'");
        }
        List<String> arch = ARCHES.getOrDefault(System.getProperty("os.arch"), List.of("", ""));
        List<String> arches = new ArrayList<>(isEmpty(architectures) ? List.of() : architectures);
        for (ArchMap a : isEmpty(archMap) ? List.<ArchMap>of() : archMap) {
            if (a.architecture.equals(arch.get(1))) {
                arches.add(a.architecture);
                arches.addAll(a.subArchitectures == null ? List.of() : a.subArchitectures);
                break;
            }
        }
        List<OciSpec.Syscall> out = new ArrayList<>();
        for (Rule rule : rules) {
            if (applies(rule, arch.get(0), bounding, kernel)) {
                out.add(toSpec(rule));
            }
        }
        return new OciSpec.Seccomp(defaultAction, arches, null, out);
    }

    private static boolean applies(Rule rule, String arch, List<String> bounding, KernelVersion kernel) {
        Filter ex = rule.excludes == null ? new Filter(null, null, null) : rule.excludes;
        Filter in = rule.includes == null ? new Filter(null, null, null) : rule.includes;
        if (!isEmpty(ex.arches) && ex.arches.contains(arch)) {
            return false;
        }
        if (!isEmpty(ex.caps) && ex.caps.stream().anyMatch(bounding::contains)) {
            return false;
        }
        if (ex.minKernel != null && kernel.atLeast(KernelVersion.parse(ex.minKernel))) {
            return false;
        }
        if (!isEmpty(in.arches) && !in.arches.contains(arch)) {
            return false;
        }
        if (!isEmpty(in.caps) && !bounding.containsAll(in.caps)) {
            return false;
        }
        return in.minKernel == null || kernel.atLeast(KernelVersion.parse(in.minKernel));
    }

    private static OciSpec.Syscall toSpec(Rule rule) {
        boolean hasName = rule.name != null && !rule.name.isEmpty();
        if (hasName && !isEmpty(rule.names)) {
            throw new InvalidParameterException(
                    "'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'");
        }
        List<OciSpec.SeccompArg> args = rule.args == null ? List.of() : rule.args.stream()
                .map(a -> new OciSpec.SeccompArg(a.index(), a.value() == null ? BigInteger.ZERO : a.value(),
                        BigInteger.ZERO.equals(a.valueTwo()) ? null : a.valueTwo(), a.op()))
                .toList();
        return new OciSpec.Syscall(hasName ? List.of(rule.name) : rule.names, rule.action, rule.errnoRet, args);
    }

    private static boolean isEmpty(List<?> list) {
        return list == null || list.isEmpty();
    }
}
