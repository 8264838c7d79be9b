package io.wharf.logging;

import java.util.Locale;

/** The daemon-wide log level and format, read by every logger on each call. */
public final class LogSettings {

    /** Log levels as dockerd names them, most verbose first. */
    public enum Level {
        TRACE, DEBUG, INFO, WARN, ERROR, FATAL;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses dockerd's level names ("warn" and "warning" are the same). */
        public static Level parse(String name) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            return switch (n) {
                case "trace" -> TRACE;
                case "debug" -> DEBUG;
                case "info" -> INFO;
                case "warn", "warning" -> WARN;
                case "error" -> ERROR;
                case "fatal", "panic" -> FATAL;
                default -> throw new IllegalArgumentException("unable to parse logging level: " + name);
            };
        }
    }

    public enum Format { TEXT, JSON }

    private static volatile Level level = Level.INFO;
    private static volatile Format format = Format.TEXT;

    private LogSettings() {
    }

    public static Level level() {
        return level;
    }

    public static void setLevel(Level newLevel) {
        level = newLevel;
    }

    public static Format format() {
        return format;
    }

    public static void setFormat(Format newFormat) {
        format = newFormat;
    }
}
