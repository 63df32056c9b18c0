package dev.portkeeper.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portkeeper.testing.Netns;
import dev.portkeeper.testing.NetnsScenario;
import dev.portkeeper.testing.RequiresNetns;
import java.io.IOException;
import java.io.Serializable;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The forecast under loads that change, against the kernel: in one private namespace with a
 * 1,000-port range and {@code tcp_tw_reuse=0}, four loads run at once toward four loopback
 * servers, each its own destination (the range is per destination), with a monitor at its
 * defaults (1 s samples, 10 s trend window):
 *
 * <ul>
 *   <li>{@code :5000} a ramp: 5 connections a second at first, one more each second, each
 *       closed by the client (TIME_WAIT here), until {@code connect()} fails (about 40 s);
 *   <li>{@code :5001} a steady, sustainable 8 a second (480 at steady state) throughout;
 *   <li>{@code :5002} a burst: 40 a second for 10 s from t = 10 s, then silence (400 ports);
 *   <li>{@code :5003} a CLOSE_WAIT leak: 25 a second that the server closes at once and the
 *       client never closes, until {@code connect()} fails (about 40 s).
 * </ul>
 *
 * Each load is bounded in count and time; the run takes under a minute.
 */
@RequiresNetns
@Timeout(240)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChangingLoadsNetnsTest {
    static final int RAMP = 5000;
    static final int STEADY = 5001;
    static final int BURST = 5002;
    static final int LEAK = 5003;
    static final long MAX_RUN_NANOS = TimeUnit.SECONDS.toNanos(80);

    /** One destination in one snapshot; times from the load's start. */
    record Sample(long atMillis, int used, String level, double seconds, double low, double high, String growth,
            String curve) implements Serializable {
        String text() {
            return String.format(Locale.ROOT, "t=%6.2fs used=%4d %-8s forecast=%s", atMillis / 1000.0, used, level,
                    Double.isNaN(seconds) ? "-" : String.format(Locale.ROOT, "%.1fs [%.1f..%.1f] %s %s", seconds, low,
                            high, growth, curve));
        }
    }

    /** One alert; times from the load's start. */
    record Alert(long atMillis, int port, String from, String to, String message) implements Serializable {
    }

    /** What the child returns. */
    record Run(HashMap<Integer, ArrayList<Sample>> samples, HashMap<Integer, Long> failedAtMillis,
            HashMap<Integer, String> failures, HashMap<Integer, Integer> connections, ArrayList<Alert> alerts,
            long pid) implements Serializable {
    }

    /** Runs in the namespace. */
    public static class Loads4 implements NetnsScenario<Run> {
        @Override
        public Run run(List<String> args) throws Exception {
            ExecutorService threads = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "changing-loads");
                t.setDaemon(true);
                return t;
            });
            List<BudgetAlert> alerts = new CopyOnWriteArrayList<>();
            List<BudgetSnapshot> snapshots = new CopyOnWriteArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            HashMap<Integer, Long> failedAt = new HashMap<>();
            HashMap<Integer, String> failures = new HashMap<>();
            HashMap<Integer, Integer> connections = new HashMap<>();
            List<Socket> leaked = new ArrayList<>();
            try (ServerSocket ramp = Loads.echo(RAMP, threads);
                    ServerSocket steady = Loads.echo(STEADY, threads);
                    ServerSocket burst = Loads.echo(BURST, threads);
                    ServerSocket leak = Loads.closing(LEAK, threads);
                    PortBudgetMonitor monitor = PortBudgetMonitor.builder().alertListener(alerts::add).build()) {
                monitor.start();
                Future<?> recorder = threads.submit(() -> record(monitor, snapshots, stop));
                Loads.rest(1500); // a sample at rest first, as in a service that has run a while
                Instant start = Instant.now();
                long t0 = System.nanoTime();
                // The ramp: the i-th connection at t where 5 t + t^2 / 2 = i.
                Future<?> rampLoad = threads.submit(() -> churn(RAMP, t0,
                        i -> (long) ((-5 + Math.sqrt(25 + 2.0 * i)) * 1e9), 2_000, failedAt, failures, connections));
                Future<?> burstLoad = threads.submit(() -> churn(BURST, t0 + TimeUnit.SECONDS.toNanos(10),
                        i -> i * 25_000_000L, 400, failedAt, failures, connections));
                Future<?> leakLoad = threads.submit(() -> leak(t0, leaked, failedAt, failures, connections));
                AtomicBoolean steadyStop = new AtomicBoolean();
                Future<?> steadyLoad = threads.submit(() -> {
                    int i = 0;
                    for (; i < 800 && !steadyStop.get() && System.nanoTime() - t0 < MAX_RUN_NANOS; i++) {
                        Loads.until(t0 + i * 125_000_000L);
                        if (!roundTrip(STEADY)) {
                            synchronized (failures) {
                                failures.put(STEADY, "failed at " + i);
                            }
                            break;
                        }
                    }
                    synchronized (connections) {
                        connections.put(STEADY, i);
                    }
                    return null;
                });
                rampLoad.get(100, TimeUnit.SECONDS);
                leakLoad.get(100, TimeUnit.SECONDS);
                burstLoad.get(100, TimeUnit.SECONDS);
                Loads.rest(2000);
                steadyStop.set(true);
                steadyLoad.get(10, TimeUnit.SECONDS);
                monitor.close();
                stop.set(true);
                recorder.get(10, TimeUnit.SECONDS);

                HashMap<Integer, ArrayList<Sample>> samples = new HashMap<>();
                for (BudgetSnapshot s : snapshots) {
                    long at = Duration.between(start, s.time()).toMillis();
                    for (DestinationBudget d : s.destinations()) {
                        int port = d.destination().remotePort();
                        Forecast f = d.forecast().orElse(null);
                        samples.computeIfAbsent(port, k -> new ArrayList<>()).add(new Sample(at, d.used(),
                                d.level().name(), f == null ? Double.NaN : f.seconds(),
                                f == null ? Double.NaN : f.lowSeconds(), f == null ? Double.NaN : f.highSeconds(),
                                f == null ? "-" : f.growth().name(), f == null ? "-" : f.curve().name()));
                    }
                }
                ArrayList<Alert> rows = new ArrayList<>();
                for (BudgetAlert a : alerts) {
                    rows.add(new Alert(Duration.between(start, a.time()).toMillis(),
                            a.destination().map(Destination::remotePort).orElse(0), a.from().name(), a.to().name(),
                            a.message()));
                }
                HashMap<Integer, Long> failedMillis = new HashMap<>();
                failedAt.forEach((port, nanos) -> failedMillis.put(port, (nanos - t0) / 1_000_000));
                return new Run(samples, failedMillis, failures, connections, rows, ProcessHandle.current().pid());
            } finally {
                stop.set(true);
                for (Socket s : leaked) {
                    s.close();
                }
                threads.shutdownNow();
            }
        }

        /** Connect, one byte each way, close first (TIME_WAIT here); the i-th at {@code start + at(i)}. */
        private static Void churn(int port, long start, java.util.function.LongUnaryOperator at, int max,
                Map<Integer, Long> failedAt, Map<Integer, String> failures, Map<Integer, Integer> connections) {
            int i = 0;
            for (; i < max && System.nanoTime() - start < MAX_RUN_NANOS; i++) {
                Loads.until(start + at.applyAsLong(i));
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(Loads.LOOPBACK, port), 5_000);
                    s.setSoTimeout(5_000);
                    s.getOutputStream().write('x');
                    s.getOutputStream().flush();
                    if (s.getInputStream().read() != 'x') {
                        throw new IOException("no echo");
                    }
                } catch (IOException e) {
                    synchronized (failedAt) {
                        failedAt.put(port, System.nanoTime());
                        failures.put(port, (e instanceof BindException ? "BindException: " : "") + e.getMessage());
                    }
                    break;
                }
            }
            synchronized (connections) {
                connections.put(port, i);
            }
            return null;
        }

        private static boolean roundTrip(int port) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(Loads.LOOPBACK, port), 5_000);
                s.setSoTimeout(5_000);
                s.getOutputStream().write('x');
                s.getOutputStream().flush();
                return s.getInputStream().read() == 'x';
            } catch (IOException e) {
                return false;
            }
        }

        /** 25 connections a second that the server closes and this client never does: CLOSE_WAIT here. */
        private static Void leak(long start, List<Socket> leaked, Map<Integer, Long> failedAt,
                Map<Integer, String> failures, Map<Integer, Integer> connections) {
            int i = 0;
            for (; i < 1_500 && System.nanoTime() - start < MAX_RUN_NANOS; i++) {
                Loads.until(start + i * 40_000_000L);
                Socket s = new Socket();
                try {
                    s.connect(new InetSocketAddress(Loads.LOOPBACK, LEAK), 5_000);
                    synchronized (leaked) {
                        leaked.add(s);
                    }
                } catch (IOException e) {
                    synchronized (failedAt) {
                        failedAt.put(LEAK, System.nanoTime());
                        failures.put(LEAK, (e instanceof BindException ? "BindException: " : "") + e.getMessage());
                    }
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // nothing to release
                    }
                    break;
                }
            }
            synchronized (connections) {
                connections.put(LEAK, i);
            }
            return null;
        }

        /** Every snapshot the sampler takes, polled every 20 ms until told to stop; bounded in time. */
        private static Void record(PortBudgetMonitor monitor, List<BudgetSnapshot> out, AtomicBoolean stop) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
            BudgetSnapshot last = null;
            boolean finalLook = false;
            while (!finalLook && System.nanoTime() < deadline) {
                finalLook = stop.get();
                BudgetSnapshot now = monitor.latest().orElse(null);
                if (now != null && now != last) {
                    out.add(now);
                    last = now;
                }
                if (!finalLook) {
                    Loads.rest(20);
                }
            }
            return null;
        }
    }

    private Run run;

    @BeforeAll
    void runTheLoads() {
        run = Netns.builder().portRange(40000, 40999).sysctl("net.ipv4.tcp_tw_reuse", "0")
                .timeout(Duration.ofSeconds(200)).build().run(Loads4.class);
        System.out.println("connections " + run.connections() + ", failures " + run.failures() + ", failed at (ms) "
                + run.failedAtMillis());
        for (int port : new int[] {RAMP, STEADY, BURST, LEAK}) {
            System.out.println(":" + port);
            run.samples().getOrDefault(port, new ArrayList<>()).forEach(s -> System.out.println("  " + s.text()));
        }
        run.alerts().forEach(a -> System.out.printf(Locale.ROOT, "  alert t=%.1fs :%d %s -> %s: %s%n",
                a.atMillis() / 1000.0, a.port(), a.from(), a.to(), a.message()));
    }

    /** Median of |forecast - truth| / truth over the samples of the second half before the failure. */
    private double medianError(int port, long failedAt) {
        List<Double> errors = new ArrayList<>();
        int without = 0;
        for (Sample s : run.samples().get(port)) {
            if (s.atMillis() < failedAt / 2 || s.atMillis() >= failedAt) {
                continue;
            }
            if (Double.isNaN(s.seconds())) {
                without++;
                continue;
            }
            double truth = (failedAt - s.atMillis()) / 1000.0;
            errors.add(Math.abs(s.seconds() - truth) / truth);
        }
        double[] e = errors.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double median = e.length == 0 ? Double.NaN : e[e.length / 2];
        System.out.printf(Locale.ROOT, ":%d forecast error over the second half: median %.1f%%, max %.1f%%,"
                + " %d samples, %d without a forecast%n", port, median * 100,
                e.length == 0 ? Double.NaN : e[e.length - 1] * 100, e.length, without);
        assertThat(without).as("samples without a forecast in the second half").isLessThanOrEqualTo(e.length / 5);
        return median;
    }

    private long firstAlert(int port, String to) {
        return run.alerts().stream().filter(a -> a.port() == port && a.to().equals(to)).mapToLong(Alert::atMillis)
                .min().orElse(-1);
    }

    @Test
    void aRampIsCriticalFiveSecondsAheadAndForecastWithin25Percent() {
        long failedAt = run.failedAtMillis().getOrDefault(RAMP, -1L);
        assertThat(failedAt).as("connect() failed on the ramp").isPositive();
        assertThat(run.failures().get(RAMP)).startsWith("BindException").contains("Cannot assign requested address");
        long critical = firstAlert(RAMP, "CRITICAL");
        System.out.printf(Locale.ROOT, "ramp: failed at %.1f s, CRITICAL at %.1f s (%.1f s ahead)%n", failedAt / 1e3,
                critical / 1e3, (failedAt - critical) / 1e3);
        assertThat(critical).as("a CRITICAL alert for the ramp").isPositive();
        assertThat(failedAt - critical).as("CRITICAL lead, ms").isGreaterThanOrEqualTo(5_000);
        assertThat(medianError(RAMP, failedAt)).isLessThanOrEqualTo(0.25);
    }

    @Test
    void aSteadySustainableLoadAlongsideStaysOkAndIsNeverForecastToRunOut() {
        List<Sample> steady = run.samples().get(STEADY);
        assertThat(run.failures()).doesNotContainKey(STEADY);
        assertThat(steady).isNotEmpty();
        assertThat(steady).allSatisfy(s -> {
            assertThat(s.level()).isEqualTo("OK");
            assertThat(s.seconds()).isNaN();
        });
        assertThat(run.alerts()).noneMatch(a -> a.port() == STEADY);
    }

    @Test
    void aBurstTheRangeAbsorbsRaisesNothingAndItsForecastGoesWithinAWindow() {
        assertThat(run.connections().get(BURST)).isEqualTo(400);
        assertThat(run.alerts()).noneMatch(a -> a.port() == BURST);
        List<Sample> burst = run.samples().get(BURST);
        assertThat(burst).noneMatch(s -> s.level().equals("CRITICAL") || s.level().equals("WARN"));
        long lastForecast = burst.stream().filter(s -> !Double.isNaN(s.seconds())).mapToLong(Sample::atMillis).max()
                .orElse(0);
        System.out.printf(Locale.ROOT, "burst: ended at 20.0 s, last forecast at %.1f s%n", lastForecast / 1e3);
        assertThat(lastForecast).as("the forecast is gone within a trend window of the burst's end")
                .isLessThan(20_000 + 10_000);
    }

    @Test
    void aCloseWaitLeakIsForecastWithin25PercentAndItsAlertNamesTheLeakAndItsProcess() {
        long failedAt = run.failedAtMillis().getOrDefault(LEAK, -1L);
        assertThat(failedAt).as("connect() failed on the leak").isPositive();
        assertThat(run.failures().get(LEAK)).startsWith("BindException");
        assertThat(medianError(LEAK, failedAt)).isLessThanOrEqualTo(0.25);
        Alert critical = run.alerts().stream().filter(a -> a.port() == LEAK && a.to().equals("CRITICAL")).findFirst()
                .orElseThrow(() -> new AssertionError("no CRITICAL alert for the leak"));
        System.out.printf(Locale.ROOT, "leak: failed at %.1f s, CRITICAL at %.1f s%n", failedAt / 1e3,
                critical.atMillis() / 1e3);
        assertThat(critical.message()).contains("A leak: CLOSE_WAIT keeps growing")
                .contains("This process (pid " + run.pid() + ") holds").contains("CLOSE_WAIT");
        assertThat(run.samples().get(LEAK)).filteredOn(s -> !Double.isNaN(s.seconds()) && s.atMillis() > 15_000)
                .allSatisfy(s -> assertThat(s.growth()).isEqualTo("CLOSE_WAIT_LEAK"));
        assertThat(Arrays.asList(run.alerts().toArray())).isNotEmpty();
    }
}
