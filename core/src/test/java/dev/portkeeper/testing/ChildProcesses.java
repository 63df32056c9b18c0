package dev.portkeeper.testing;

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

/** Small, time-bounded process helpers shared by {@link Netns} and {@link NetnsMain}. */
final class ChildProcesses {

    /** Outcome of a finished (or killed) command. */
    record Result(int exitCode, boolean timedOut, String output) {
        boolean ok() {
            return !timedOut && exitCode == 0;
        }

        /** One-line description of the failure, for reason strings. */
        String describeFailure() {
            String out = output.strip().replaceAll("\\s*\\R\\s*", "; ");
            if (timedOut) {
                return "timed out" + (out.isEmpty() ? "" : ": " + out);
            }
            return out.isEmpty() ? "exit code " + exitCode : out + " (exit code " + exitCode + ")";
        }
    }

    private static final File DEV_NULL = new File("/dev/null");

    private ChildProcesses() {
    }

    /**
     * Runs {@code command} with stdin from /dev/null and stdout+stderr captured (never inherited),
     * killing the process tree if it outlives {@code timeout}.
     */
    static Result run(List<String> command, Duration timeout) {
        Path log = null;
        try {
            log = Files.createTempFile("portkeeper-cmd-", ".log");
            Process process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            boolean finished = waitFor(process, timeout);
            if (!finished) {
                killTree(process);
            }
            String output = readCapped(log, 64 * 1024);
            return new Result(finished ? process.exitValue() : -1, !finished, output);
        } catch (IOException e) {
            return new Result(-1, false, "cannot run " + command.get(0) + ": " + e.getMessage());
        } finally {
            deleteQuietly(log);
        }
    }

    static boolean waitFor(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killTree(process);
            throw new IllegalStateException("interrupted while waiting for " + process, e);
        }
    }

    /**
     * Forcibly destroys the process and all its descendants (snapshotted first, so nothing is
     * re-parented away before it is killed), then waits a bounded time for the process to go.
     */
    static void killTree(Process process) {
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

    /** Reads a text file, keeping only its last {@code maxChars} characters. */
    static String readCapped(Path file, int maxChars) {
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

    static Charset nativeCharset() {
        String name = System.getProperty("native.encoding");
        try {
            return name == null ? Charset.defaultCharset() : Charset.forName(name);
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }

    /** Finds an executable by name in the given well-known directories, then in PATH. */
    static Optional<Path> findExecutable(String name, String... preferredDirs) {
        List<String> dirs = new ArrayList<>(List.of(preferredDirs));
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

    static void deleteQuietly(Path path) {
        if (path == null) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }
}
