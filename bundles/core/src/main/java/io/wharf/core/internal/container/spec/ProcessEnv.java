package io.wharf.core.internal.container.spec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.wharf.core.internal.container.ContainerConfig;

/** A process's environment as dockerd builds it (moby CreateDaemonEnvironment, ReplaceOrAppendEnvValues). */
final class ProcessEnv {

    /** Docker's PATH for Linux containers whose image sets none. */
    static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private ProcessEnv() {
    }

    /** PATH, HOSTNAME and, with a terminal, TERM=xterm, each replaced by the container's own Env. */
    static List<String> of(ContainerConfig config, boolean tty) {
        List<String> env = new ArrayList<>();
        env.add(DEFAULT_PATH);
        env.add("HOSTNAME=" + config.hostname());
        if (tty) {
            env.add("TERM=xterm");
        }
        return replaceOrAppend(env, config.env());
    }

    /**
     * {@code defaults} with each override replacing the entry of the same name or appended; an
     * override without "=" removes the variable.
     */
    static List<String> replaceOrAppend(List<String> defaults, List<String> overrides) {
        List<String> env = new ArrayList<>(defaults);
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < env.size(); i++) {
            index.put(name(env.get(i)), i);
        }
        for (String value : overrides == null ? List.<String>of() : overrides) {
            Integer at = index.get(name(value));
            if (value.indexOf('=') < 0) {
                if (at != null) {
                    env.set(at, null);
                }
            } else if (at != null) {
                env.set(at, value);
            } else {
                env.add(value);
            }
        }
        env.removeIf(e -> e == null);
        return env;
    }

    private static String name(String entry) {
        int eq = entry.indexOf('=');
        return eq < 0 ? entry : entry.substring(0, eq);
    }
}
