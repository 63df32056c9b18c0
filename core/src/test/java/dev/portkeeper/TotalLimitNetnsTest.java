package dev.portkeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portkeeper.testing.Netns;
import dev.portkeeper.testing.NetnsScenario;
import dev.portkeeper.testing.RequiresNetns;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The load that made the Commons Pool engine exhaust the range it protects: one endpoint,
 * {@code maxTotal} = {@code maxPerEndpoint} = 4, 16 threads borrowing and giving back in step,
 * in a private namespace with 1,000 ephemeral ports and {@code tcp_tw_reuse=0}. The old engine
 * closed and reopened its own connections to make room (3,843 opens for 8,000 borrows) and
 * 14,444 of 16,000 borrows failed with {@code PortExhaustedException}; this one opens 4.
 */
@RequiresNetns
class TotalLimitNetnsTest {
    private static final int THREADS = 16;
    private static final int PER_THREAD = 1_000;

    /** Runs in the namespace. */
    public static class SixteenThreadsOnFourConnections implements NetnsScenario<HashMap<String, Integer>> {
        @Override
        public HashMap<String, Integer> run(List<String> args) throws Exception {
            AtomicInteger opened = new AtomicInteger();
            AtomicInteger exhausted = new AtomicInteger();
            AtomicInteger otherFailures = new AtomicInteger();
            HashMap<String, Integer> r = new HashMap<>();
            ExecutorService threads = Executors.newFixedThreadPool(THREADS);
            try (LoopbackServer server = LoopbackServer.start(LoopbackServer.ECHO, 41000);
                    ConnectionPool pool = ConnectionPool.builder().name("netns-total")
                            .settings(PoolSettings.custom().maxPerEndpoint(4).maxTotal(4).build())
                            .listener(new PoolListener() {
                                @Override
                                public void connectionOpened(ConnectionInfo connection) {
                                    opened.incrementAndGet();
                                }
                            }).build()) {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    done.add(threads.submit(() -> {
                        for (int i = 0; i < PER_THREAD; i++) {
                            try (PooledConnection c = pool.borrow(server.endpoint())) {
                                Wire.request(c, "r" + i);
                            } catch (PortExhaustedException e) {
                                exhausted.incrementAndGet();
                            } catch (java.io.IOException e) {
                                otherFailures.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(120, TimeUnit.SECONDS);
                }
                r.put("accepted", server.accepted());
            } finally {
                threads.shutdownNow();
            }
            r.put("opened", opened.get());
            r.put("exhausted", exhausted.get());
            r.put("otherFailures", otherFailures.get());
            return r;
        }
    }

    @Test
    void sixteenThreadsOnABindingTotalLimitOpenFourConnectionsAndNeverRunOutOfPorts() {
        HashMap<String, Integer> r = Netns.builder().portRange(40000, 40999).sysctl("net.ipv4.tcp_tw_reuse", "0")
                .timeout(Duration.ofSeconds(150)).build().run(SixteenThreadsOnFourConnections.class);
        System.out.println("16 threads x " + PER_THREAD + " borrows, maxTotal 4, 1,000 ports: " + r);
        assertThat(r.get("exhausted")).isZero();
        assertThat(r.get("otherFailures")).isZero();
        assertThat(r.get("opened")).isLessThanOrEqualTo(4);
        assertThat(r.get("accepted")).isLessThanOrEqualTo(4);
    }
}
