package io.wharf.core.spi.runtime;

import java.time.Instant;

/**
 * How a process ended.
 *
 * @param exitCode its status; 128 + the signal when a signal killed it
 * @param exitedAt when
 */
public record TaskExit(int exitCode, Instant exitedAt) {
}
