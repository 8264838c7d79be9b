package io.wharf.core.spi.runtime;

/**
 * Which standard streams a process gets.
 *
 * @param stdin    whether it reads a stdin the daemon writes to
 * @param terminal whether it runs on a pseudo-terminal: then stdout carries everything and there
 *                 is no separate stderr
 */
public record Stdio(boolean stdin, boolean terminal) {
}
