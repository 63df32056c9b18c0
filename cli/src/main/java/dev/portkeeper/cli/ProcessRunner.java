package dev.portkeeper.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs a short helper command ({@code ip}, {@code unshare}) with its output captured and a time limit. */
final class ProcessRunner {
    /** What the command did. */
    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }

        String describe() {
            String out = output.strip().replaceAll("\\s*\\R\\s*", "; ");
            return out.isEmpty() ? "exit status " + exitCode : out + " (exit status " + exitCode + ")";
        }
    }

    private ProcessRunner() {
    }

    static Result run(List<String> command, Duration timeout) {
        Path log = null;
        try {
            log = Files.createTempFile("portkeeper-", ".log");
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return new Result(-1, "timed out after " + timeout.toMillis() + " ms");
            }
            byte[] output = Files.readAllBytes(log);
            return new Result(p.exitValue(), new String(output, 0, Math.min(output.length, 64 * 1024),
                    Charset.defaultCharset()));
        } catch (IOException e) {
            return new Result(-1, "cannot run " + command.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        } finally {
            if (log != null) {
                try {
                    Files.deleteIfExists(log);
                } catch (IOException ignored) {
                    // a temporary file left behind is harmless
                }
            }
        }
    }

    /** Finds an executable in the usual system directories, then in PATH. */
    static Optional<Path> find(String name) {
        String path = System.getenv("PATH");
        String dirs = "/usr/sbin:/sbin:/usr/bin:/bin" + (path == null ? "" : File.pathSeparator + path);
        for (String dir : dirs.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
