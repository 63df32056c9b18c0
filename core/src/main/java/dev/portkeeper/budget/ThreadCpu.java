package dev.portkeeper.budget;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPU time of the calling thread, in nanoseconds, from {@code /proc/thread-self/schedstat}
 * (its first field: time spent running), so that a reader can measure what a read of the
 * kernel's tables cost it, the kernel's own work of writing them included, without
 * {@code java.management}. Always the real process, never a {@code Procfs} root elsewhere.
 */
final class ThreadCpu {
    private static final Path SCHEDSTAT = Path.of("/proc/thread-self/schedstat");
    private static volatile boolean available = true;

    private ThreadCpu() {
    }

    /** @return the calling thread's CPU time in nanoseconds, or -1 where the kernel does not say */
    static long nanos() {
        if (!available) {
            return -1;
        }
        try {
            String s = new String(Files.readAllBytes(SCHEDSTAT), StandardCharsets.US_ASCII);
            int end = s.indexOf(' ');
            return Long.parseLong(end < 0 ? s.strip() : s.substring(0, end));
        } catch (IOException | RuntimeException e) {
            available = false;
            return -1;
        }
    }
}
