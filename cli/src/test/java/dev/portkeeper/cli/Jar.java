package dev.portkeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code portkeeper.jar} as a user would: a separate JVM, stdin from /dev/null, stdout and
 * stderr kept apart, a time limit. Usable in a netns scenario too (it needs only the JDK).
 */
final class Jar {
    /** What a run printed and how it ended. */
    record Run(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }
    }

    private Jar() {
    }

    /** The shaded jar, built by {@code package} before the failsafe tests run. */
    static Path path() {
        Path jar = Path.of("target", "portkeeper.jar").toAbsolutePath();
        assertThat(jar).as("the shaded jar was built by package").exists();
        return jar;
    }

    static List<String> command(Path jar, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString()));
        command.addAll(List.of(args));
        return command;
    }

    static Run run(String... args) {
        return run(path(), Duration.ofSeconds(120), args);
    }

    /** Runs the jar and waits for it, at most {@code timeout} (then kills it and fails). */
    static Run run(Path jar, Duration timeout, String... args) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("portkeeper-out-", ".txt");
            err = Files.createTempFile("portkeeper-err-", ".txt");
            Process p = new ProcessBuilder(command(jar, args)).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            Run run = new Run(done ? p.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            if (!done) {
                throw new AssertionError("portkeeper " + String.join(" ", args) + " ran past " + timeout + "\n" + run);
            }
            return run;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            delete(out);
            delete(err);
        }
    }

    private static void delete(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temporary file left behind is harmless
            }
        }
    }
}
