package dev.portkeeper.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PooledConnection;
import dev.portkeeper.kernel.FakeProcfs;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpState;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger of a real pool: who closed first, and the TIME_WAIT it left, which must match what
 * the kernel shows; and the monitor running on the ledger alone where procfs is absent.
 */
class LedgerTest {
    @TempDir
    Path dir;

    /** A server that reads until the client closes, then closes: the client closes first. */
    private static ServerSocket server(List<Socket> accepted) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    accepted.add(s);
                    Thread reader = new Thread(() -> {
                        try (s) {
                            while (s.getInputStream().read() >= 0) {
                                // wait for the client's FIN
                            }
                        } catch (IOException ignored) {
                            // gone
                        }
                    });
                    reader.setDaemon(true);
                    reader.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return server;
    }

    /**
     * A server on a port that no TIME_WAIT socket of the host points at: an earlier test's
     * connections to a listener that had the same port number stay in TIME_WAIT for 60 s and would
     * be counted with this test's (at most 20 tries).
     */
    private static ServerSocket serverNoTimeWaitPointsAt(Procfs procfs, List<Socket> accepted) throws IOException {
        List<ServerSocket> tried = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                ServerSocket candidate = server(accepted);
                InetSocketAddress remote = new InetSocketAddress("127.0.0.1", candidate.getLocalPort());
                if (procfs.tcpTable().get().countWithRemote(remote, TcpState.TIME_WAIT) == 0) {
                    return candidate;
                }
                tried.add(candidate);
            }
            throw new IllegalStateException("20 listening ports in a row had TIME_WAIT sockets pointing at them");
        } finally {
            for (ServerSocket s : tried) {
                s.close();
            }
        }
    }

    private static void openThreeAndClose(ConnectionPool pool, Endpoint endpoint) throws IOException {
        List<PooledConnection> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(pool.borrow(endpoint));
        }
        for (PooledConnection c : held) {
            c.close();
        }
        pool.close();
    }

    @Test
    void theLedgerCountsTheTimeWaitThePoolLeftAsTheKernelDoes() throws Exception {
        Procfs procfs = Procfs.system();
        Assumptions.assumeTrue(procfs.isAvailable(), () -> "kernel view unavailable: " + procfs.unavailableReason());
        List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ServerSocket server = serverNoTimeWaitPointsAt(procfs, accepted)) {
            PortBudgetMonitor monitor = PortBudgetMonitor.builder().build();
            Endpoint endpoint = Endpoint.of("127.0.0.1", server.getLocalPort());
            openThreeAndClose(ConnectionPool.builder().portBudget(monitor).build(), endpoint);
            InetSocketAddress remote = new InetSocketAddress("127.0.0.1", server.getLocalPort());
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> procfs.tcpTable().get().countWithRemote(remote, TcpState.TIME_WAIT) == 3);

            Destination d = Destination.of(InetAddress.getLoopbackAddress(), InetAddress.getLoopbackAddress(),
                    server.getLocalPort());
            DestinationBudget b = monitor.snapshot().destination(d).orElseThrow();
            assertThat(b.ledger().opened()).isEqualTo(3);
            assertThat(b.ledger().closedLocal()).isEqualTo(3);
            assertThat(b.ledger().open()).isZero();
            assertThat(b.ledger().localClosesLastMinute()).as("the ledger's TIME_WAIT").isEqualTo(3);
            assertThat(b.count(TcpState.TIME_WAIT)).as("the kernel's TIME_WAIT").isEqualTo(3);
            assertThat(b.closeRate()).as("3 closes within the 10 s window").isEqualTo(0.3);
        }
    }

    @Test
    void withoutProcfsTheMonitorRunsOnTheLedgerAndSaysSo() throws Exception {
        List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ServerSocket server = server(accepted)) {
            PortBudgetMonitor monitor = PortBudgetMonitor.builder().procfs(FakeProcfs.in(dir.resolve("none")).procfs())
                    .build();
            Endpoint endpoint = Endpoint.of("127.0.0.1", server.getLocalPort());
            ConnectionPool pool = ConnectionPool.builder().portBudget(monitor).build();
            PooledConnection kept = pool.borrow(endpoint);
            List<PooledConnection> held = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                held.add(pool.borrow(endpoint));
            }
            for (PooledConnection c : held) {
                c.invalidate();
            }
            BudgetSnapshot s = monitor.snapshot();
            assertThat(s.kernelViewAvailable()).isFalse();
            DestinationBudget b = s.destinations().get(0);
            assertThat(b.destination().remotePort()).isEqualTo(server.getLocalPort());
            assertThat(b.count(TcpState.ESTABLISHED)).isEqualTo(1);
            assertThat(b.count(TcpState.TIME_WAIT)).isEqualTo(2);
            assertThat(b.used()).isEqualTo(3);
            assertThat(b.capacity()).isEqualTo(28232);
            assertThat(b.closeRate()).isEqualTo(0.2);
            kept.close();
            pool.close();
        }
    }

    @Test
    void aBindExceptionOnConnectIsCountedAsPortExhaustion() {
        assertThat(dev.portkeeper.PortExhaustedException.isPortExhaustion(new java.net.BindException("Cannot assign requested address"))).isTrue();
        assertThat(dev.portkeeper.PortExhaustedException.isPortExhaustion(new IOException("wrapped",
                new java.net.BindException("Cannot assign requested address")))).isTrue();
        assertThat(dev.portkeeper.PortExhaustedException.isPortExhaustion(new java.net.ConnectException("Connection refused"))).isFalse();
    }
}
