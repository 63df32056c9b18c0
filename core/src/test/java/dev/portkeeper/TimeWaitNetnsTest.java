package dev.portkeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portkeeper.kernel.EphemeralRange;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpSocket;
import dev.portkeeper.kernel.TcpState;
import dev.portkeeper.kernel.TcpTable;
import dev.portkeeper.testing.Netns;
import dev.portkeeper.testing.NetnsScenario;
import dev.portkeeper.testing.RequiresNetns;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The point of the library, counted by the kernel in a private network namespace with
 * {@code tcp_tw_reuse=0}: 2,000 requests through the pool leave at most the pool's size of
 * TIME_WAIT sockets on the client side, where 2,000 short connections leave one each.
 */
@RequiresNetns
class TimeWaitNetnsTest {
    private static final int REQUESTS = 2_000;
    private static final int POOL_SIZE = 4;

    /** Runs in the namespace: both workloads, each against a server of its own, counted by procfs and by ss. */
    public static class PooledVersusShort implements NetnsScenario<HashMap<String, Integer>> {
        @Override
        public HashMap<String, Integer> run(List<String> args) throws Exception {
            Procfs procfs = Procfs.system();
            EphemeralRange range = procfs.sysctls().get().ephemeralRange().orElseThrow();
            HashMap<String, Integer> result = new HashMap<>();
            try (LoopbackServer pooledServer = LoopbackServer.echo(); LoopbackServer shortServer = LoopbackServer.echo()) {
                try (ConnectionPool pool = ConnectionPool.builder().name("netns")
                        .settings(PoolSettings.custom().maxPerEndpoint(POOL_SIZE).build()).build()) {
                    for (int i = 0; i < REQUESTS; i++) {
                        try (PooledConnection c = pool.borrow(pooledServer.endpoint())) {
                            Wire.request(c, "req " + i);
                        }
                    }
                }
                for (int i = 0; i < REQUESTS; i++) {
                    try (Socket s = new Socket("127.0.0.1", shortServer.port())) {
                        s.getOutputStream().write(("req " + i + "\n").getBytes(StandardCharsets.UTF_8));
                        Wire.readLine(s.getInputStream());
                    }
                }
                result.put("pooledAccepted", pooledServer.accepted());
                result.put("shortAccepted", shortServer.accepted());
                result.put("pooledTimeWait", settledClientTimeWait(procfs, range, pooledServer.port()));
                result.put("shortTimeWait", settledClientTimeWait(procfs, range, shortServer.port()));
                result.put("pooledTimeWaitSs", Ss.countTimeWaitTo(pooledServer.port()));
                result.put("shortTimeWaitSs", Ss.countTimeWaitTo(shortServer.port()));
            }
            return result;
        }

        /** Client-side TIME_WAIT toward the server, once no client socket toward it is still closing. */
        private static int settledClientTimeWait(Procfs procfs, EphemeralRange range, int serverPort) {
            InetSocketAddress server = new InetSocketAddress("127.0.0.1", serverPort);
            await().atMost(Duration.ofSeconds(20)).until(() -> procfs.tcpTable().get().withRemote(server).stream()
                    .noneMatch(s -> s.state() == TcpState.FIN_WAIT1 || s.state() == TcpState.FIN_WAIT2));
            TcpTable table = procfs.tcpTable().get();
            int count = 0;
            for (TcpSocket s : table.withRemote(server, TcpState.TIME_WAIT)) {
                if (range.contains(s.localPort())) {
                    count++;
                }
            }
            return count;
        }
    }

    @Test
    void pooledRequestsLeaveAtMostThePoolSizeOfTimeWaitWhileShortConnectionsLeaveOneEach() {
        HashMap<String, Integer> r = Netns.builder().portRange(40000, 44999).sysctl("net.ipv4.tcp_tw_reuse", "0")
                .timeout(Duration.ofSeconds(150)).build().run(PooledVersusShort.class);
        System.out.println("kernel counts in the namespace: " + r);
        assertThat(r.get("pooledAccepted")).isBetween(1, POOL_SIZE);
        assertThat(r.get("pooledTimeWait")).isBetween(1, POOL_SIZE);
        assertThat(r.get("shortAccepted")).isEqualTo(REQUESTS);
        assertThat(r.get("shortTimeWait")).as("one TIME_WAIT per short connection, tcp_tw_reuse=0")
                .isEqualTo(REQUESTS);
        assertThat(r.get("pooledTimeWaitSs")).as("ss agrees").isEqualTo(r.get("pooledTimeWait"));
        assertThat(r.get("shortTimeWaitSs")).as("ss agrees").isEqualTo(r.get("shortTimeWait"));
    }

    /** A second opinion from iproute2's ss. */
    static final class Ss {
        private Ss() {
        }

        static int countTimeWaitTo(int serverPort) throws IOException, InterruptedException {
            Process p = new ProcessBuilder("ss", "-Htan", "state", "time-wait", "dst", "127.0.0.1:" + serverPort)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IOException("ss failed: " + out);
            }
            return (int) out.lines().filter(l -> !l.isBlank()).count();
        }
    }
}
