package dev.portkeeper.benchmarks;

import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpSocket;
import dev.portkeeper.kernel.TcpState;
import java.time.Duration;

/**
 * Counts, from the kernel's own tables, the TIME_WAIT sockets toward a server port that entered
 * TIME_WAIT since a moment: their timer started at 60 s, so the time left tells when each one
 * began. Exact where {@code tcp_tw_reuse} does not take sockets over (run in a namespace with
 * {@code tcp_tw_reuse=0}); NaN without procfs.
 */
final class KernelTimeWait {
    private static final Duration TIME_WAIT = Duration.ofSeconds(60);

    private KernelTimeWait() {
    }

    static double createdSince(long sinceNanos, int serverPort) {
        Procfs procfs = Procfs.system();
        if (!procfs.isAvailable()) {
            return Double.NaN;
        }
        // Entered within the window: more than (60 s - window) left, with 0.1 s for the timer's ticks.
        Duration window = Duration.ofNanos(System.nanoTime() - sinceNanos).plusMillis(100);
        Duration atLeastLeft = TIME_WAIT.minus(window);
        int n = 0;
        for (TcpSocket s : procfs.tcpTable().get().sockets()) {
            if (s.state() == TcpState.TIME_WAIT && s.remotePort() == serverPort
                    && s.timeWaitRemaining().map(left -> left.compareTo(atLeastLeft) >= 0).orElse(false)) {
                n++;
            }
        }
        return n;
    }
}
