package io.wharf.core.internal.container;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JacksonAnnotationsInside;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * A container's Config as the API and config.v2.json carry it (moby's container.Config): what to
 * run, merged with the image's defaults at create.
 */
@JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
public record ContainerConfig(String hostname, String domainname, String user, boolean attachStdin,
        boolean attachStdout, boolean attachStderr, Map<String, Object> exposedPorts, boolean tty, boolean openStdin,
        boolean stdinOnce, List<String> env, @StrSlice List<String> cmd, Healthcheck healthcheck, boolean argsEscaped,
        String image, Map<String, Object> volumes, String workingDir, @StrSlice List<String> entrypoint,
        boolean networkDisabled, String macAddress, List<String> onBuild, Map<String, String> labels,
        String stopSignal, Integer stopTimeout, @StrSlice List<String> shell) {

    /** moby's StrSlice: a JSON array of strings, or one string taken as an array of it ("Cmd": "true"). */
    @Retention(RetentionPolicy.RUNTIME)
    @JacksonAnnotationsInside
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
    @interface StrSlice {
    }

    public ContainerConfig {
        hostname = orEmpty(hostname);
        domainname = orEmpty(domainname);
        user = orEmpty(user);
        image = orEmpty(image);
        workingDir = orEmpty(workingDir);
        labels = labels == null ? Map.of() : labels;
    }

    /** A health check (Config.Healthcheck); durations in nanoseconds, 0 meaning the default. */
    @JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
    public record Healthcheck(List<String> test, long interval, long timeout, long startPeriod, long startInterval,
            int retries) {
    }

    public ContainerConfig withHostname(String value) {
        return new ContainerConfig(value, domainname, user, attachStdin, attachStdout, attachStderr, exposedPorts, tty,
                openStdin, stdinOnce, env, cmd, healthcheck, argsEscaped, image, volumes, workingDir, entrypoint,
                networkDisabled, macAddress, onBuild, labels, stopSignal, stopTimeout, shell);
    }

    /** This config with the image's defaults where it leaves them unset, as dockerd's merge does. */
    public ContainerConfig withImageDefaults(ContainerConfig image, String imageName) {
        // moby's merge: the image's command when neither entrypoint nor command is given (an
        // empty entrypoint counts as none), its entrypoint when none is given at all; then an
        // entrypoint of [""] (--entrypoint "") means none.
        boolean noEntrypoint = entrypoint == null || entrypoint.isEmpty();
        List<String> mergedCmd = noEntrypoint && (cmd == null || cmd.isEmpty()) ? image.cmd : cmd;
        List<String> mergedEntrypoint = entrypoint == null ? image.entrypoint : entrypoint;
        if (mergedEntrypoint != null && mergedEntrypoint.equals(List.of(""))) {
            mergedEntrypoint = null;
        }
        return new ContainerConfig(hostname, domainname, user.isEmpty() ? image.user : user, attachStdin, attachStdout,
                attachStderr, merged(image.exposedPorts, exposedPorts), tty, openStdin, stdinOnce,
                mergedEnv(image.env, env), mergedCmd, healthcheck != null ? healthcheck : image.healthcheck,
                argsEscaped || image.argsEscaped, imageName, merged(image.volumes, volumes),
                workingDir.isEmpty() ? image.workingDir : workingDir, mergedEntrypoint, networkDisabled, macAddress,
                image.onBuild, merged(image.labels, labels), stopSignal == null || stopSignal.isEmpty()
                        ? image.stopSignal : stopSignal,
                stopTimeout, shell != null ? shell : image.shell);
    }

    private static <V> Map<String, V> merged(Map<String, V> base, Map<String, V> over) {
        if (base == null || base.isEmpty()) {
            return over;
        }
        Map<String, V> m = new LinkedHashMap<>(base);
        if (over != null) {
            m.putAll(over);
        }
        return m;
    }

    /** The image's environment with the container's entries replacing those of the same name. */
    private static List<String> mergedEnv(List<String> base, List<String> over) {
        if (base == null || base.isEmpty()) {
            return over;
        }
        Map<String, String> byName = new LinkedHashMap<>();
        for (List<String> list : Arrays.asList(base, over)) {
            if (list != null) {
                for (String e : list) {
                    int eq = e.indexOf('=');
                    byName.put(eq < 0 ? e : e.substring(0, eq), e);
                }
            }
        }
        return List.copyOf(byName.values());
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
