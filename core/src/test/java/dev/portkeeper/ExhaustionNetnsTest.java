package dev.portkeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portkeeper.budget.BudgetLevel;
import dev.portkeeper.budget.BudgetSettings;
import dev.portkeeper.budget.PortBudgetMonitor;
import dev.portkeeper.kernel.EphemeralRange;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpSocket;
import dev.portkeeper.kernel.TcpState;
import dev.portkeeper.testing.Netns;
import dev.portkeeper.testing.NetnsScenario;
import dev.portkeeper.testing.RequiresNetns;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Port exhaustion, reproduced in a private namespace with 1,000 ephemeral ports and
 * {@code tcp_tw_reuse=0}: a naive client runs out; the library's short-connection path says so
 * with {@link PortExhaustedException} after the monitor warned; reuse never runs out; and the
 * churn guard keeps a churning pool out of exhaustion at the cost of waiting.
 */
@RequiresNetns
@Timeout(600)
class ExhaustionNetnsTest {
    private static final int RATE = 40;
    private static final long PERIOD_NANOS = 1_000_000_000L / RATE;
    /** Bounds on every load loop: ~3 x the 1,000 ports, and 75 s. */
    private static final int MAX_REQUESTS = 3_000;
    private static final long MAX_NANOS = 75_000_000_000L;

    private static Netns netns() {
        return Netns.builder().portRange(40000, 40999).sysctl("net.ipv4.tcp_tw_reuse", "0")
                .timeout(Duration.ofSeconds(150)).build();
    }

    /** Waits for the i-th slot of a fixed-rate schedule: the load is paced, not the assertions. */
    private static void pace(long start, long i) {
        pace(start, i, PERIOD_NANOS);
    }

    private static void pace(long start, long i, long periodNanos) {
        long due = start + i * periodNanos;
        for (int spins = 0; spins < 1000 && System.nanoTime() < due; spins++) {
            LockSupport.parkNanos(due - System.nanoTime());
        }
    }

    /** Client-side sockets toward the server, with a local port of the range, as the kernel lists them. */
    private static int portsInUse(int serverPort) {
        Procfs procfs = Procfs.system();
        EphemeralRange range = procfs.sysctls().get().ephemeralRange().orElseThrow();
        int n = 0;
        for (TcpSocket s : procfs.tcpTable().get().withRemote(new InetSocketAddress("127.0.0.1", serverPort))) {
            if (range.isEphemeral(s.localPort())) {
                n++;
            }
        }
        return n;
    }

    private static PortBudgetMonitor monitor(List<String> alerts, long start) {
        return PortBudgetMonitor.builder().settings(BudgetSettings.ofDefaults())
                .alertListener(a -> alerts.add(String.format(java.util.Locale.ROOT, "%.2f %s %s",
                        (System.nanoTime() - start) / 1e9, a.to(), a.subject())))
                .build().start();
    }

    private static double alertTime(List<String> alerts, BudgetLevel level) {
        for (String a : alerts) {
            String[] f = a.split(" ");
            if (f[1].equals(level.name())) {
                return Double.parseDouble(f[0]);
            }
        }
        return Double.NaN;
    }

    /** A naive client: a new connection per request, closed by the client, until connect() fails. */
    public static class NaiveClient implements NetnsScenario<HashMap<String, String>> {
        @Override
        public HashMap<String, String> run(List<String> args) throws Exception {
            HashMap<String, String> r = new HashMap<>();
            try (LoopbackServer server = LoopbackServer.echo()) {
                long start = System.nanoTime();
                int done = 0;
                for (int i = 0; i < MAX_REQUESTS && System.nanoTime() - start < MAX_NANOS; i++) {
                    pace(start, i);
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
                        s.getOutputStream().write("x\n".getBytes(StandardCharsets.UTF_8));
                        Wire.readLine(s.getInputStream());
                        done++;
                    } catch (IOException e) {
                        r.put("failure", e.getClass().getName() + ": " + e.getMessage());
                        r.put("seconds", String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
                        break;
                    }
                }
                r.put("done", Integer.toString(done));
            }
            return r;
        }
    }

    @Test
    void aNaiveClientRunsOutOfPortsAfterAboutTheRangeSize() {
        HashMap<String, String> r = netns().run(NaiveClient.class);
        System.out.println("naive client: " + r);
        assertThat(r.get("failure")).isEqualTo(BindException.class.getName() + ": Cannot assign requested address");
        assertThat(Integer.parseInt(r.get("done"))).isBetween(990, 1000);
    }

    /** The library's short-connection path: a pool whose connections live one use (1 ms), no guard. */
    public static class LibraryShortConnections implements NetnsScenario<HashMap<String, String>> {
        @Override
        public HashMap<String, String> run(List<String> args) throws Exception {
            HashMap<String, String> r = new HashMap<>();
            List<String> alerts = new CopyOnWriteArrayList<>();
            long start = System.nanoTime();
            try (LoopbackServer server = LoopbackServer.echo();
                    PortBudgetMonitor monitor = monitor(alerts, start);
                    ConnectionPool pool = ConnectionPool.builder().name("short").portBudget(monitor)
                            .settings(PoolSettings.custom().maxLifetime(Duration.ofMillis(1)).lifetimeJitter(0)
                                    .churnGuard(PoolSettings.ChurnGuard.OFF).build()).build()) {
                int done = 0;
                for (int i = 0; i < MAX_REQUESTS && System.nanoTime() - start < MAX_NANOS; i++) {
                    pace(start, i);
                    try (PooledConnection c = pool.borrow(server.endpoint())) {
                        Wire.request(c, "x");
                        done++;
                    } catch (IOException e) {
                        double failedAt = (System.nanoTime() - start) / 1e9;
                        r.put("failure", e.getClass().getName());
                        r.put("message", e.getMessage());
                        r.put("failedAt", Double.toString(failedAt));
                        if (e instanceof PortExhaustedException) {
                            PortExhaustedException p = (PortExhaustedException) e;
                            r.put("range", p.rangeLow() + "-" + p.rangeHigh());
                            r.put("capacity", Integer.toString(p.capacity()));
                            r.put("timeWait", Integer.toString(p.states().getOrDefault("TIME_WAIT", 0)));
                            r.put("used", Integer.toString(p.used()));
                        }
                        // A second opinion from ss, with the load stopped, TIME_WAIT lasting 60 s.
                        r.put("ssTimeWait", Integer.toString(
                                TimeWaitNetnsTest.Ss.countTimeWaitTo(server.port())));
                        r.put("kernelUsed", Integer.toString(portsInUse(server.port())));
                        break;
                    }
                }
                r.put("done", Integer.toString(done));
                r.put("alerts", String.join("; ", alerts));
                r.put("warnAt", Double.toString(alertTime(alerts, BudgetLevel.WARN)));
                r.put("criticalAt", Double.toString(alertTime(alerts, BudgetLevel.CRITICAL)));
            }
            return r;
        }
    }

    @Test
    void theLibrarysShortConnectionPathFailsWithPortExhaustedExceptionAfterTheMonitorWarned() {
        HashMap<String, String> r = netns().run(LibraryShortConnections.class);
        System.out.println("library short connections: " + r);
        assertThat(r.get("failure")).isEqualTo(PortExhaustedException.class.getName());
        assertThat(r.get("range")).isEqualTo("40000-40999");
        // The test server listens on an ephemeral port (it bound port 0), so one port of the range is its.
        assertThat(r.get("capacity")).isEqualTo("999");
        assertThat(r.get("timeWait")).as("the exception's TIME_WAIT count is the kernel's (ss)")
                .isEqualTo(r.get("ssTimeWait"));
        assertThat(Integer.parseInt(r.get("used"))).isEqualTo(Integer.parseInt(r.get("kernelUsed")))
                .isBetween(990, 999);
        assertThat(r.get("message")).contains("No local port left to connect to 127.0.0.1:")
                .contains("Ephemeral range 40000-40999").contains("TIME_WAIT").contains("(1) reuse connections");
        double failedAt = Double.parseDouble(r.get("failedAt"));
        double warnAt = Double.parseDouble(r.get("warnAt"));
        double criticalAt = Double.parseDouble(r.get("criticalAt"));
        System.out.printf("lead time before the first failure: WARN %.1f s, CRITICAL %.1f s%n", failedAt - warnAt,
                failedAt - criticalAt);
        assertThat(warnAt).as("WARN before the failure").isLessThan(failedAt);
        assertThat(criticalAt).as("CRITICAL before the failure").isLessThan(failedAt);
    }

    /** The same rate through a pool that reuses its connections, for 30 s. */
    public static class PooledReuse implements NetnsScenario<HashMap<String, String>> {
        @Override
        public HashMap<String, String> run(List<String> args) throws Exception {
            HashMap<String, String> r = new HashMap<>();
            try (LoopbackServer server = LoopbackServer.echo();
                    ConnectionPool pool = ConnectionPool.builder().name("reuse")
                            .settings(PoolSettings.custom().maxPerEndpoint(4).build()).build()) {
                long start = System.nanoTime();
                int failures = 0;
                int peak = 0;
                int requests = 30 * RATE;
                for (int i = 0; i < requests; i++) {
                    pace(start, i);
                    try (PooledConnection c = pool.borrow(server.endpoint())) {
                        Wire.request(c, "x");
                    } catch (IOException e) {
                        failures++;
                    }
                    if (i % RATE == 0) {
                        peak = Math.max(peak, portsInUse(server.port()));
                    }
                }
                r.put("requests", Integer.toString(requests));
                r.put("failures", Integer.toString(failures));
                r.put("peakPortsInUse", Integer.toString(peak));
                r.put("accepted", Integer.toString(server.accepted()));
            }
            return r;
        }
    }

    @Test
    void theSameRateThroughThePoolWithReuseRuns30sWithoutFailure() {
        HashMap<String, String> r = netns().run(PooledReuse.class);
        System.out.println("pooled with reuse: " + r);
        assertThat(r.get("failures")).isEqualTo("0");
        assertThat(Integer.parseInt(r.get("peakPortsInUse"))).isBetween(1, 4);
        assertThat(Integer.parseInt(r.get("accepted"))).isBetween(1, 4);
    }

    /** A churning pool (1 ms lifetime) with the guard on, four threads at 10/s each, for 30 s. */
    public static class GuardedChurn implements NetnsScenario<HashMap<String, String>> {
        @Override
        public HashMap<String, String> run(List<String> args) throws Exception {
            HashMap<String, String> r = new HashMap<>();
            List<String> alerts = new CopyOnWriteArrayList<>();
            long start = System.nanoTime();
            AtomicInteger failures = new AtomicInteger();
            AtomicInteger requests = new AtomicInteger();
            AtomicLong waitNanos = new AtomicLong();
            AtomicLong maxWaitNanos = new AtomicLong();
            AtomicInteger opened = new AtomicInteger();
            AtomicInteger peak = new AtomicInteger();
            List<String> levels = new CopyOnWriteArrayList<>();
            try (LoopbackServer server = LoopbackServer.echo();
                    PortBudgetMonitor monitor = monitor(alerts, start);
                    ConnectionPool pool = ConnectionPool.builder().name("guarded").portBudget(monitor)
                            .listener(new PoolListener() {
                                @Override
                                public void connectionOpened(ConnectionInfo connection) {
                                    opened.incrementAndGet();
                                }
                            })
                            .settings(PoolSettings.custom().maxPerEndpoint(4).maxLifetime(Duration.ofMillis(1))
                                    .lifetimeJitter(0).acquireTimeout(Duration.ofSeconds(20)).build()).build()) {
                int threads = 4;
                ExecutorService exec = Executors.newFixedThreadPool(threads);
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    futures.add(exec.submit(() -> {
                        for (int i = 0; i < 30 * RATE / threads; i++) {
                            pace(start, i, PERIOD_NANOS * threads);
                            long before = System.nanoTime();
                            try (PooledConnection c = pool.borrow(server.endpoint())) {
                                long waited = System.nanoTime() - before;
                                waitNanos.addAndGet(waited);
                                maxWaitNanos.accumulateAndGet(waited, Math::max);
                                Wire.request(c, "x");
                                requests.incrementAndGet();
                            } catch (IOException e) {
                                failures.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                for (int s = 0; s < 40 && !futures.stream().allMatch(Future::isDone); s++) {
                    TimeUnit.SECONDS.sleep(1);
                    peak.accumulateAndGet(portsInUse(server.port()), Math::max);
                    monitor.latest().ifPresent(snap -> levels.add(snap.level().name()));
                }
                for (Future<?> f : futures) {
                    f.get(60, TimeUnit.SECONDS);
                }
                exec.shutdownNow();
                r.put("requests", Integer.toString(requests.get()));
                r.put("failures", Integer.toString(failures.get()));
                r.put("connectionsOpened", Integer.toString(opened.get()));
                r.put("peakPortsInUse", Integer.toString(peak.get()));
                r.put("exhausted", Boolean.toString(levels.contains("EXHAUSTED")
                        || alerts.stream().anyMatch(a -> a.contains("EXHAUSTED"))));
                r.put("levels", String.join(",", levels));
                r.put("meanWaitMs", String.format(java.util.Locale.ROOT, "%.2f",
                        waitNanos.get() / 1e6 / Math.max(1, requests.get())));
                r.put("maxWaitMs", String.format(java.util.Locale.ROOT, "%.1f", maxWaitNanos.get() / 1e6));
                r.put("alerts", String.join("; ", alerts));
            }
            return r;
        }
    }

    @Test
    void theChurnGuardKeepsAChurningPoolOutOfExhaustionAtTheCostOfWaiting() {
        HashMap<String, String> r = netns().run(GuardedChurn.class);
        System.out.println("churning pool with the guard: " + r);
        System.out.printf("the cost: mean wait %s ms, max wait %s ms per borrow%n", r.get("meanWaitMs"),
                r.get("maxWaitMs"));
        assertThat(r.get("failures")).isEqualTo("0");
        assertThat(r.get("requests")).isEqualTo(Integer.toString(30 * RATE));
        assertThat(r.get("exhausted")).isEqualTo("false");
        assertThat(Integer.parseInt(r.get("peakPortsInUse"))).isLessThan(1000);
        assertThat(Integer.parseInt(r.get("connectionsOpened"))).as("it still churned, at the budget's pace")
                .isGreaterThan(4);
    }
}
