package dev.portkeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portkeeper.kernel.ProcessFds;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpState;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Runs after every other test class of this module (see junit-platform.properties): after the
 * whole suite, with its pools, servers, faults and stress, this JVM holds no socket in CLOSE_WAIT.
 * A CLOSE_WAIT socket is one whose peer closed and that nobody here closed: a leak, by the kernel's
 * own table and this process's descriptors.
 */
@Order(Integer.MAX_VALUE)
class NoCloseWaitLeftTest {
    @Test
    void afterTheWholeSuiteThisJvmHoldsNoSocketInCloseWait() {
        Procfs procfs = Procfs.system();
        Assumptions.assumeTrue(procfs.isAvailable(), () -> "procfs unavailable: " + procfs.unavailableReason());
        // Servers of the last tests may still be closing: give the kernel and their threads a moment.
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ownCloseWait(procfs).isEmpty());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // Fall through to the assertion, which names the sockets.
        }
        assertThat(ownCloseWait(procfs)).as("sockets of this JVM in CLOSE_WAIT (local -> remote)").isEmpty();
    }

    private static List<String> ownCloseWait(Procfs procfs) {
        ProcessFds fds = procfs.processFds().get();
        return procfs.tcpTable().get().sockets().stream()
                .filter(s -> s.state() == TcpState.CLOSE_WAIT && s.inode() != 0 && fds.ownsSocket(s.inode()))
                .map(s -> s.localSocketAddress() + " -> " + s.remoteSocketAddress()).collect(Collectors.toList());
    }
}
