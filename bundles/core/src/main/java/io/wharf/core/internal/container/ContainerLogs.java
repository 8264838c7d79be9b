package io.wharf.core.internal.container;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

import io.wharf.core.internal.container.logs.JsonFileLog;
import io.wharf.core.internal.container.logs.LogInfo;
import io.wharf.core.internal.container.logs.LogReader;
import io.wharf.core.internal.container.logs.LogsOptions;
import io.wharf.core.spi.errors.InvalidParameterException;

/** A container's json-file log: opened for each run, read by docker logs. */
final class ContainerLogs {

    private ContainerLogs() {
    }

    /** Checks the log driver and its options at create, as dockerd does. */
    static void validate(HostConfig.LogConfig config) {
        if (!config.type().equals(JsonFileLog.DRIVER)) {
            throw new InvalidParameterException("logger: no log driver named '" + config.type() + "' is registered");
        }
        JsonFileLog.validate(config.config() == null ? Map.of() : config.config());
    }

    /** The log of the container's next run. */
    static JsonFileLog open(Container c) throws IOException {
        ContainerConfig cfg = c.config();
        HostConfig.LogConfig logConfig = c.hostConfig().logConfig();
        LogInfo info = new LogInfo(c.id(), c.name(), c.image(), cfg.image(), c.path(), c.args(), cfg.labels(),
                cfg.env() == null ? List.of() : cfg.env());
        return JsonFileLog.open(c.logPath(), logConfig.config() == null ? Map.of() : logConfig.config(), info);
    }

    /**
     * Writes the log to {@code out}; a follow goes on while the container runs. A container
     * without a running process is read from a log opened (and closed) for the purpose.
     */
    static void copy(Container c, LogsOptions options, OutputStream out) throws IOException, InterruptedException {
        ProcessStreams streams = c.streams();
        JsonFileLog live = streams == null ? null : streams.log();
        boolean multiplexed = !c.config().tty();
        if (live != null) {
            LogReader.copy(live, options, out, multiplexed);
            return;
        }
        JsonFileLog stopped = open(c);
        stopped.close();
        LogReader.copy(stopped, options, out, multiplexed);
    }
}
