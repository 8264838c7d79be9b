package io.wharf.core.spi.runtime;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * A process the runtime started, with the daemon's ends of its streams. Read stdout and stderr to
 * their end: a process whose output nobody reads blocks once the pipe is full.
 *
 * @param pid    its pid in the host's pid namespace
 * @param stdin  where its stdin comes from, or null when it has none
 * @param stdout its output (all of it, stderr too, on a terminal)
 * @param stderr its error output, or null on a terminal
 */
public record TaskProcess(int pid, OutputStream stdin, InputStream stdout, InputStream stderr) {
}
