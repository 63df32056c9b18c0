package dev.portkeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portkeeper.kernel.ProcessFds;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpSocket;
import dev.portkeeper.kernel.TcpState;
import dev.portkeeper.kernel.TcpTable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A server that closes idle connections (as most do after a keep-alive timeout) must not leave
 * this process holding sockets in CLOSE_WAIT, and the caller must never see the dead connection.
 * Checked in the kernel's tables: sockets in CLOSE_WAIT whose inode is one of this JVM's fds.
 */
class CloseWaitTest {
    private final Procfs procfs = Procfs.system();
    private final RecordingListener events = new RecordingListener();
    private LoopbackServer server;
    private ConnectionPool pool;

    @BeforeEach
    void start() throws IOException {
        Assumptions.assumeTrue(procfs.isAvailable(), () -> "kernel view unavailable: " + procfs.unavailableReason());
        server = LoopbackServer.echo();
    }

    @AfterEach
    void stop() throws IOException {
        if (pool != null) {
            pool.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** This JVM's sockets toward the test server, in the given state, as the kernel lists them. */
    private List<TcpSocket> ownSockets(TcpState state) {
        TcpTable table = procfs.tcpTable().get();
        ProcessFds fds = procfs.processFds().get();
        InetSocketAddress remote = new InetSocketAddress("127.0.0.1", server.port());
        return table.withRemote(remote, state).stream().filter(s -> fds.ownsSocket(s.inode()))
                .collect(Collectors.toList());
    }

    private void warmUp(int connections) throws IOException {
        PooledConnection[] held = new PooledConnection[connections];
        for (int i = 0; i < connections; i++) {
            held[i] = pool.borrow(server.endpoint());
            assertThat(Wire.request(held[i], "hi")).isEqualTo("hi");
        }
        for (PooledConnection c : held) {
            c.close();
        }
    }

    @Test
    void theNextBorrowAfterTheServerClosedAnIdleConnectionIsHealthyAndNothingStaysInCloseWait()
            throws IOException {
        pool = ConnectionPool.builder().name("close-wait").listener(events)
                .settings(PoolSettings.custom().evictionInterval(Duration.ofHours(1)).build()).build();
        warmUp(3);
        assertThat(ownSockets(TcpState.ESTABLISHED)).hasSize(3);

        server.closeAccepted();
        // The FINs have arrived when the kernel shows our three sockets in CLOSE_WAIT: the leak
        // a pool without a check would keep until the next use.
        await().atMost(Duration.ofSeconds(10)).until(() -> ownSockets(TcpState.CLOSE_WAIT).size() == 3);

        try (PooledConnection c = pool.borrow(server.endpoint())) {
            assertThat(Wire.request(c, "after")).isEqualTo("after");
            assertThat(c.useCount()).as("a new connection, not a dead one").isEqualTo(1);
        }
        assertThat(events.closedWith(ConnectionClosed.Reason.PEER_CLOSED)).as("all three dead idle ones were closed")
                .isEqualTo(3);
        assertThat(events.closed).allSatisfy(c -> assertThat(c.closedBy).isEqualTo(ConnectionClosed.TimeWait.PEER));
        assertThat(ownSockets(TcpState.CLOSE_WAIT)).isEmpty();
        assertThat(ownSockets(TcpState.ESTABLISHED)).hasSize(1);
    }

    @Test
    void theBackgroundCheckClosesIdleConnectionsThePeerClosedWithinAnEvictionInterval() throws IOException {
        pool = ConnectionPool.builder().name("close-wait-bg").listener(events)
                .settings(PoolSettings.custom().evictionInterval(Duration.ofMillis(100)).build()).build();
        warmUp(2);
        server.closeAccepted();
        await().atMost(Duration.ofSeconds(10)).until(() -> events.closedWith(ConnectionClosed.Reason.PEER_CLOSED) == 2);
        assertThat(ownSockets(TcpState.CLOSE_WAIT)).isEmpty();
        assertThat(pool.stats().total()).isZero();
    }

    @Test
    void aConnectionHeldByTheCallerIsTheCallersToClose() throws IOException {
        // The counter-example, so that the check above is known to see real CLOSE_WAIT sockets.
        pool = ConnectionPool.builder().name("close-wait-held")
                .settings(PoolSettings.custom().evictionInterval(Duration.ofMillis(100)).build()).build();
        try (PooledConnection c = pool.borrow(server.endpoint())) {
            Wire.request(c, "hi");
            server.closeAccepted();
            await().atMost(Duration.ofSeconds(10)).until(() -> ownSockets(TcpState.CLOSE_WAIT).size() == 1);
            assertThat(Wire.readLine(c.input())).isNull();
            assertThat(c.isBroken()).isTrue();
        }
        assertThat(ownSockets(TcpState.CLOSE_WAIT)).isEmpty();
    }
}
