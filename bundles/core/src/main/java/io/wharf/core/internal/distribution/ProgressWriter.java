package io.wharf.core.internal.distribution;

import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

import io.wharf.core.internal.json.Json;

/**
 * dockerd's JSON message stream, one object a line, which the docker CLI draws as progress bars:
 * {@code {"status":"Downloading","progressDetail":{"current":1,"total":2},"progress":"[=> ] ...","id":"0123456789ab"}}.
 * Safe to use from several download threads; a client that went away stops the writing, not the pull.
 */
public final class ProgressWriter {

    private final OutputStream out;
    private boolean broken;

    public ProgressWriter(OutputStream out) {
        this.out = out;
    }

    /** A status line, for a layer when {@code id} is not empty. */
    public void message(String id, String status) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        if (!id.isEmpty()) {
            m.put("progressDetail", Map.of());
            m.put("id", id);
        }
        write(m);
    }

    /** A progress update of a layer: {@code current} of {@code total} bytes (total unknown when <= 0). */
    public void progress(String id, String status, long current, long total) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("current", current);
        if (total > 0) {
            detail.put("total", total);
        }
        m.put("progressDetail", detail);
        m.put("progress", bar(current, total));
        m.put("id", id);
        write(m);
    }

    /**
     * An auxiliary message, as dockerd's progress.Aux writes one (a push's {"Tag","Digest","Size"}):
     * {@code {"progressDetail":{},"aux":{...}}}.
     */
    public void aux(Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("progressDetail", Map.of());
        m.put("aux", value);
        write(m);
    }

    /** Whether the client went away (a write failed): work done only for it can stop. */
    public synchronized boolean clientGone() {
        return broken;
    }

    private synchronized void write(Map<String, Object> message) {
        if (broken) {
            return;
        }
        try {
            out.write(Json.bytes(message));
            out.write('\n');
            out.flush();
        } catch (IOException | RuntimeException e) {
            broken = true;
        }
    }

    /** The deprecated "progress" text, as jsonmessage's JSONProgress.String draws it without a terminal width. */
    static String bar(long current, long total) {
        if (total <= 0) {
            return size(current);
        }
        int width = 50;
        int filled = (int) Math.min(width, current * width / total);
        String arrow = filled >= width ? "=".repeat(width) : "=".repeat(Math.max(0, filled - 1)) + ">" + " ".repeat(width - filled);
        if (filled == 0) {
            arrow = ">" + " ".repeat(width - 1);
        }
        return "[" + arrow + "] " + size(current) + "/" + size(total);
    }

    /** go-units' HumanSize: decimal units, four significant digits. */
    static String size(long bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        String s = String.format(java.util.Locale.ROOT, "%.4g", v);
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s + units[u];
    }
}
