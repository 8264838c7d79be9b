package io.wharf.core.internal.container.logs;

import java.io.Closeable;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.GZIPOutputStream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.units.Sizes;
import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * dockerd's default log driver, json-file: a container's stdout and stderr as one JSON object a
 * line in {@code <container-dir>/<id>-json.log}, rotated to {@code .1}, {@code .2}, ... by
 * {@code max-size} and {@code max-file} (moby's jsonfilelog and loggerutils.LogFile).
 *
 * <p>Each entry goes to the OS in one write as it comes, so {@code docker logs -f} sees it at once,
 * but nothing is synced. Writers (a container's stdout and stderr copiers) and readers share one
 * lock: a reader opens its files and notes the write position under it, so a rotation never
 * happens halfway through that; followers wait on it for the next write or for the close that
 * ends {@code logs -f} when the container stops.
 */
public final class JsonFileLog implements Closeable {

    /** The driver's name in a container's HostConfig.LogConfig.Type. */
    public static final String DRIVER = "json-file";

    private static final Logger LOG = LoggerFactory.getLogger(JsonFileLog.class);

    /** The options jsonfilelog.ValidateLogOpt takes. */
    private static final Set<String> OPTIONS =
            Set.of("max-file", "max-size", "compress", "labels", "labels-regex", "env", "env-regex", "tag");

    /**
     * Options dockerd takes for every driver before it asks the driver about the rest
     * (logger.builtInLogOpts and the log cache's; the cache is never used for json-file).
     */
    private static final Set<String> BUILT_IN = Set.of("mode", "max-buffer-size",
            "cache-disabled", "cache-max-size", "cache-max-file", "cache-compress");

    private static final FileAttribute<Set<PosixFilePermission>> MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----"));

    private final Path file;
    private final RotationPolicy policy;
    private final byte[] attrs;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition advanced = lock.newCondition();
    private OutputStream out;
    private Position position;
    private boolean closed;

    private JsonFileLog(Path file, RotationPolicy policy, byte[] attrs, OutputStream out, long size) {
        this.file = file;
        this.policy = policy;
        this.attrs = attrs;
        this.out = out;
        this.position = new Position(0, size);
    }

    /**
     * The check dockerd makes when a container is created (logger.ValidateLogOpts with
     * jsonfilelog.ValidateLogOpt): the names of the options and the built-in ones' values. The
     * json-file's own values are checked when the log is opened, at start, as dockerd does.
     */
    public static void validate(Map<String, String> logOpts) {
        String mode = logOpts.getOrDefault("mode", "");
        if (!mode.isEmpty() && !mode.equals("blocking") && !mode.equals("non-blocking")) {
            throw new InvalidParameterException("logger: logging mode not supported: " + mode);
        }
        String bufferSize = logOpts.get("max-buffer-size");
        if (bufferSize != null) {
            if (!mode.equals("non-blocking")) {
                throw new InvalidParameterException(
                        "logger: max-buffer-size option is only supported with 'mode=non-blocking'");
            }
            try {
                Sizes.parse(bufferSize, Sizes.BINARY);
            } catch (InvalidParameterException e) {
                throw new InvalidParameterException("error parsing option max-buffer-size: " + e.getMessage(), e);
            }
        }
        String cacheDisabled = logOpts.get("cache-disabled");
        if (cacheDisabled != null && !cacheDisabled.isEmpty()) {
            try {
                RotationPolicy.parseBool(cacheDisabled);
            } catch (InvalidParameterException e) {
                throw new InvalidParameterException("invalid value for option cache-disabled: " + cacheDisabled, e);
            }
        }
        for (String key : logOpts.keySet()) {
            if (!OPTIONS.contains(key) && !BUILT_IN.contains(key)) {
                throw new InvalidParameterException("unknown log opt '" + key + "' for json-file log driver");
            }
        }
    }

    /**
     * Opens a container's log for appending, creating it (mode 0640) if need be, as dockerd does
     * when the container starts; throws InvalidParameterException for bad option values, with
     * dockerd's messages.
     */
    public static JsonFileLog open(Path file, Map<String, String> logOpts, LogInfo info) throws IOException {
        validate(logOpts);
        RotationPolicy policy = RotationPolicy.of(logOpts);
        SortedMap<String, String> extra = info.attributes(logOpts);
        byte[] attrs = extra.isEmpty() ? null : JsonLogLine.encodeAttrs(extra);
        OutputStream out = create(file, false);
        return new JsonFileLog(file, policy, attrs, out, Files.size(file));
    }

    /** The current file, as inspect's LogPath shows it. */
    public Path path() {
        return file;
    }

    /**
     * Appends one entry. {@code b[off, off+len)} is the text as it goes into "log": a whole line
     * with its {@code \n}, or a piece of a longer line (or the end of the output) without one.
     * Safe to call from several threads; rotates first when the file has reached max-size.
     */
    public void write(String stream, byte[] b, int off, int len, Instant time) throws IOException {
        byte[] entry = JsonLogLine.encode(stream, b, off, len, time, attrs);
        lock.lock();
        try {
            if (closed) {
                throw new IOException("cannot write because the output file was closed");
            }
            if (policy.maxSize() > 0 && position.size() >= policy.maxSize()) {
                rotate();
            }
            out.write(entry);
            position = new Position(position.rotation(), position.size() + entry.length);
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the file and ends every follower once it has read what was written. */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            advanced.signalAll();
            out.close();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Opens what a reader reads: the rotated files, oldest first, when {@code withRotated}, and
     * the current file, with the write position that bounds it.
     */
    Snapshot snapshot(boolean withRotated) throws IOException {
        lock.lock();
        try {
            return openLocked(withRotated ? policy.maxFiles() - 1 : 0);
        } finally {
            lock.unlock();
        }
    }

    /**
     * For a follower whose file was rotated away at {@code rotation}: the rotated files written
     * since (those still kept), oldest first, and the current file. dockerd's follower skips
     * these when it falls more than one rotation behind.
     */
    Snapshot snapshotAfter(int rotation) throws IOException {
        lock.lock();
        try {
            return openLocked(position.rotation() - rotation - 1);
        } finally {
            lock.unlock();
        }
    }

    private Snapshot openLocked(int rotatedFiles) throws IOException {
        List<Segment> rotated = new ArrayList<>();
        try {
            for (int i = Math.min(rotatedFiles, policy.maxFiles() - 1); i >= 1; i--) {
                Segment segment = openRotated(i);
                if (segment != null) {
                    rotated.add(segment);
                }
            }
            return new Snapshot(rotated, new RandomAccessFile(file.toFile(), "r"), position);
        } catch (IOException e) {
            for (Segment segment : rotated) {
                segment.close();
            }
            throw e;
        }
    }

    /**
     * Waits until the write position moves past {@code seen} and returns it; null once the log is
     * closed with nothing more written, or at {@code deadline} (null for none).
     */
    Position awaitAdvance(Position seen, Instant deadline) throws InterruptedException {
        lock.lock();
        try {
            while (position.equals(seen) && !closed) {
                if (deadline == null) {
                    advanced.await();
                    continue;
                }
                Duration left = Duration.between(Instant.now(), deadline);
                if (!left.isPositive()) {
                    return null;
                }
                advanced.awaitNanos(left.getSeconds() < Long.MAX_VALUE / 1_000_000_000L ? left.toNanos() : Long.MAX_VALUE);
            }
            return position.equals(seen) ? null : position;
        } finally {
            lock.unlock();
        }
    }

    /** Moves the current file to {@code .1} (or drops it when max-file is 1); the lock is held. */
    private void rotate() throws IOException {
        out.close();
        try {
            if (policy.maxFiles() < 2) {
                Files.deleteIfExists(file);
            } else {
                String ext = policy.compress() ? ".gz" : "";
                Files.deleteIfExists(rotated(policy.maxFiles() - 1, ext));
                for (int i = policy.maxFiles() - 1; i > 1; i--) {
                    Path from = rotated(i - 1, ext);
                    if (Files.exists(from)) {
                        Files.move(from, rotated(i, ext), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                Files.move(file, rotated(1, ""), StandardCopyOption.REPLACE_EXISTING);
                if (policy.compress()) {
                    gzip(rotated(1, ""), rotated(1, ".gz"));
                }
            }
        } catch (IOException e) {
            LOG.warn("Error rotating log file {}, log data may have been lost: {}", file, e.toString());
        }
        out = create(file, true);
        position = new Position(position.rotation() + 1, 0);
    }

    /**
     * Compresses a rotated file while the lock keeps readers out, so none ever sees half a
     * {@code .gz}; dockerd does it in the background, at the price of more locking.
     */
    private static void gzip(Path from, Path to) throws IOException {
        try (InputStream in = Files.newInputStream(from);
                OutputStream gz = new GZIPOutputStream(Files.newOutputStream(to))) {
            in.transferTo(gz);
        } catch (IOException e) {
            Files.deleteIfExists(to);
            throw e;
        }
        Files.delete(from);
    }

    private Segment openRotated(int index) throws IOException {
        Path plain = rotated(index, "");
        if (Files.exists(plain)) {
            return new Segment(new RandomAccessFile(plain.toFile(), "r"), false);
        }
        Path gz = rotated(index, ".gz");
        if (Files.exists(gz)) {
            return new Segment(new RandomAccessFile(gz.toFile(), "r"), true);
        }
        return null;
    }

    private Path rotated(int index, String ext) {
        return file.resolveSibling(file.getFileName() + "." + index + ext);
    }

    /**
     * Opens the file for appending. A FileOutputStream rather than a channel: an interrupt of a
     * writing thread closes an interruptible channel for every writer.
     */
    private static OutputStream create(Path file, boolean truncate) throws IOException {
        try {
            Files.createFile(file, MODE);
        } catch (FileAlreadyExistsException e) {
            // a container's log is reopened, and appended to, on every start
        }
        return new FileOutputStream(file.toFile(), !truncate);
    }

    /** Where writing has got to: the number of rotations so far and the current file's size. */
    record Position(int rotation, long size) {
    }

    /** A file a reader has open; gzipped when rotated with {@code compress}. */
    record Segment(RandomAccessFile file, boolean gzip) implements Closeable {

        @Override
        public void close() throws IOException {
            file.close();
        }
    }

    /** What a reader opened under the lock: the rotated files, the current one, its end. */
    record Snapshot(List<Segment> rotated, RandomAccessFile current, Position position) {
    }
}
