package io.wharf.logging;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

import io.wharf.logging.LogSettings.Format;

/**
 * Writes one line per event to standard error in logrus' text or JSON shape, as dockerd does.
 * Libraries' loggers (anything outside io.wharf) are held at warn so that Jetty's chatter at
 * start-up and per request stays out of the daemon's log.
 */
final class DaemonLogger extends LegacyAbstractLogger {

    private static final long serialVersionUID = 1L;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.nnnnnnnnnXXX")
            .withZone(ZoneOffset.UTC);

    private final boolean ours;

    DaemonLogger(String name) {
        this.name = name;
        this.ours = name.startsWith("io.wharf");
    }

    private boolean enabled(LogSettings.Level at) {
        LogSettings.Level threshold = LogSettings.level();
        if (!ours && threshold.compareTo(LogSettings.Level.WARN) < 0) {
            threshold = LogSettings.Level.WARN;
        }
        return at.compareTo(threshold) >= 0;
    }

    @Override public boolean isTraceEnabled() { return enabled(LogSettings.Level.TRACE); }
    @Override public boolean isDebugEnabled() { return enabled(LogSettings.Level.DEBUG); }
    @Override public boolean isInfoEnabled() { return enabled(LogSettings.Level.INFO); }
    @Override public boolean isWarnEnabled() { return enabled(LogSettings.Level.WARN); }
    @Override public boolean isErrorEnabled() { return enabled(LogSettings.Level.ERROR); }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args,
            Throwable thrown) {
        String message = MessageFormatter.basicArrayFormat(pattern, args);
        String error = thrown == null ? null : String.valueOf(thrown.getMessage() == null ? thrown : thrown.getMessage());
        String time = TIME.format(Instant.now());
        String levelName = switch (level) {
            case TRACE -> "trace";
            case DEBUG -> "debug";
            case INFO -> "info";
            case WARN -> "warning";
            case ERROR -> "error";
        };
        StringBuilder line = new StringBuilder(128);
        if (LogSettings.format() == Format.JSON) {
            line.append("{\"level\":\"").append(levelName).append("\",\"msg\":");
            appendQuoted(line, message);
            if (error != null) {
                line.append(",\"error\":");
                appendQuoted(line, error);
            }
            line.append(",\"time\":\"").append(time).append("\"}");
        } else {
            line.append("time=\"").append(time).append("\" level=").append(levelName).append(" msg=");
            appendQuoted(line, message);
            if (error != null) {
                line.append(" error=");
                appendQuoted(line, error);
            }
        }
        PrintStream err = System.err;
        synchronized (err) {
            err.println(line);
            if (thrown != null && LogSettings.level().compareTo(LogSettings.Level.DEBUG) <= 0) {
                thrown.printStackTrace(err);
            }
        }
    }

    private static void appendQuoted(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
