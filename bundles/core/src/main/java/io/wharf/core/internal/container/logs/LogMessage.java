package io.wharf.core.internal.container.logs;

import java.time.Instant;
import java.util.Map;

/** One entry read back from a json-file: its stream, time, text and extra attributes. */
record LogMessage(String stream, Instant time, byte[] line, Map<String, String> attrs) {
}
