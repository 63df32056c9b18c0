package dev.portkeeper.netns;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs short helper commands ({@code ip}, {@code unshare}) with stdin from {@code /dev/null}, their
 * output captured (never inherited) and a time limit past which the whole process tree is killed.
 * Stateless and thread-safe.
 */
public final class Commands {
    /** Output kept of a command, at most. */
    public static final int MAX_OUTPUT_CHARS = 64 * 1024;
    private static final List<String> SYSTEM_DIRS = List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin");
    private static final File DEV_NULL = new File("/dev/null");

    /**
     * What a finished (or killed) command did.
     *
     * @param exitCode its exit status; -1 if it could not start or timed out
     * @param timedOut whether it was killed at the time limit
     * @param output its stdout and stderr together, at most {@link #MAX_OUTPUT_CHARS} (the end)
     */
    public record Result(int exitCode, boolean timedOut, String output) {
        /** @return whether it ran to the end with status 0 */
        public boolean ok() {
            return !timedOut && exitCode == 0;
        }

        /** @return its output on one line and how it ended, for a message */
        public String describe() {
            String out = output.strip().replaceAll("\\s*\\R\\s*", "; ");
            if (timedOut) {
                return "timed out" + (out.isEmpty() ? "" : ": " + out);
            }
            return out.isEmpty() ? "exit status " + exitCode : out + " (exit status " + exitCode + ")";
        }
    }

    private Commands() {
    }

    /**
     * Runs {@code command} and waits for it, at most {@code timeout}.
     *
     * @param command the program and its arguments
     * @param timeout how long it may run
     * @return what it did; a command that cannot start gives exit status -1 and the reason
     */
    public static Result run(List<String> command, Duration timeout) {
        Path log = null;
        try {
            log = Files.createTempFile("portkeeper-cmd-", ".log");
            Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean finished = waitFor(process, timeout);
            if (!finished) {
                killTree(process);
            }
            String output = readCapped(log, MAX_OUTPUT_CHARS);
            return new Result(finished ? process.exitValue() : -1, !finished, output);
        } catch (IOException e) {
            return new Result(-1, false, "cannot run " + command.get(0) + ": " + e.getMessage());
        } finally {
            deleteQuietly(log);
        }
    }

    /**
     * Waits for a process; on interruption kills its tree and keeps the interrupt.
     *
     * @param process the process
     * @param timeout how long to wait
     * @return whether it ended in time
     * @throws IllegalStateException if interrupted
     */
    public static boolean waitFor(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killTree(process);
            throw new IllegalStateException("interrupted while waiting for " + process, e);
        }
    }

    /**
     * Kills a process and all its descendants (listed first, so that none is re-parented away),
     * then waits up to 10 s for it to go.
     *
     * @param process the process
     */
    public static void killTree(Process process) {
        List<ProcessHandle> descendants = new ArrayList<>();
        process.descendants().forEach(descendants::add);
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Finds an executable in {@code /usr/sbin}, {@code /sbin}, {@code /usr/bin}, {@code /bin}, then
     * in {@code PATH} ({@code ip} lives in sbin, which a user's PATH often lacks).
     *
     * @param name e.g. {@code ip}
     * @return its absolute path, if found
     */
    public static Optional<Path> find(String name) {
        List<String> dirs = new ArrayList<>(SYSTEM_DIRS);
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    /**
     * Reads a text file in the platform's encoding, keeping its last {@code maxChars} characters.
     *
     * @param file the file; null or missing reads as empty
     * @param maxChars how much to keep
     * @return its text, or why it could not be read
     */
    public static String readCapped(Path file, int maxChars) {
        try {
            if (file == null || !Files.exists(file)) {
                return "";
            }
            String text = Files.readString(file, nativeCharset());
            if (text.length() > maxChars) {
                return "... (" + (text.length() - maxChars) + " chars omitted) ...\n"
                        + text.substring(text.length() - maxChars);
            }
            return text;
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /** @return the charset child processes write in ({@code native.encoding}) */
    public static Charset nativeCharset() {
        String name = System.getProperty("native.encoding");
        try {
            return name == null ? Charset.defaultCharset() : Charset.forName(name);
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }

    /**
     * Deletes a file or a directory tree, as far as it can.
     *
     * @param path the file or directory; null does nothing
     */
    public static void deleteQuietly(Path path) {
        if (path == null) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a temporary file left behind is harmless
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }
}
