package dev.portkeeper.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PortExhaustedException;
import dev.portkeeper.budget.PortBudgetMonitor;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.resilience.EndpointCircuitBreakers;
import dev.portkeeper.testing.Netns;
import dev.portkeeper.testing.NetnsScenario;
import dev.portkeeper.testing.RequiresNetns;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The budget meters and the breaker in a private network namespace: the gauges against the
 * kernel's own counts ({@code ss -tan}) for a known mix of TIME_WAIT, ESTABLISHED and CLOSE_WAIT
 * sockets; real port exhaustion, which must not open the breaker; and the cost of a scrape with
 * the budget binder at 20,000 sockets.
 */
@RequiresNetns
@Timeout(300)
class MetricsNetnsTest {
    static final int LOW = 40000;
    static final int HIGH = 40999;
    static final int TIME_WAIT_PORT = 5001;
    static final int ESTABLISHED_PORT = 5002;
    static final int CLOSE_WAIT_PORT = 5003;

    // ------------------------------------------------------------------ the gauges against ss

    /** 30 TIME_WAIT toward :5001, 7 ESTABLISHED toward :5002, 4 CLOSE_WAIT (ours) toward :5003. */
    public static class Mix implements NetnsScenario<TreeMap<String, String>> {
        @Override
        public TreeMap<String, String> run(List<String> args) throws Exception {
            TreeMap<String, String> r = new TreeMap<>();
            List<Socket> held = new ArrayList<>();
            try (EchoServer tw = EchoServer.start(TIME_WAIT_PORT); EchoServer est = EchoServer.start(ESTABLISHED_PORT);
                    EchoServer cw = EchoServer.start(CLOSE_WAIT_PORT)) {
                for (int i = 0; i < 30; i++) {
                    try (Socket s = connect(TIME_WAIT_PORT)) {
                        s.getOutputStream().write("x\n".getBytes(StandardCharsets.US_ASCII));
                        readLine(s.getInputStream());
                    }   // this side closes first: TIME_WAIT here
                }
                for (int i = 0; i < 7; i++) {
                    held.add(connect(ESTABLISHED_PORT));
                }
                List<Socket> closeWait = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    closeWait.add(connect(CLOSE_WAIT_PORT));
                }
                held.addAll(closeWait);
                await(() -> cw.accepted() == 4 && est.accepted() == 7);
                cw.closeAll();                        // the server closes; these 4 never do: CLOSE_WAIT here
                await(() -> ss().getOrDefault("127.0.0.1:" + CLOSE_WAIT_PORT + " CLOSE-WAIT", 0) == 4
                        && ss().getOrDefault("127.0.0.1:" + TIME_WAIT_PORT + " TIME-WAIT", 0) == 30);

                PortBudgetMonitor monitor = PortBudgetMonitor.builder().build();
                SimpleMeterRegistry registry = new SimpleMeterRegistry();
                new PortBudgetMetrics(monitor, Tags.empty(), 20, Duration.ZERO, Procfs.system()).bindTo(registry);
                TreeMap<String, Integer> kernel = ss();
                for (String d : new String[] {"127.0.0.1:" + TIME_WAIT_PORT, "127.0.0.1:" + ESTABLISHED_PORT,
                        "127.0.0.1:" + CLOSE_WAIT_PORT}) {
                    for (String state : new String[] {"established", "time_wait", "close_wait", "other"}) {
                        r.put("gauge " + d + " " + state, fmt(registry.get("portkeeper.ports.used")
                                .tags("destination", d, "state", state).gauge().value()));
                    }
                    r.put("gauge " + d + " capacity", fmt(registry.get("portkeeper.ports.capacity")
                            .tags("destination", d).gauge().value()));
                }
                kernel.forEach((k, v) -> r.put("ss " + k, Integer.toString(v)));
                r.put("close.wait", fmt(registry.get("portkeeper.close.wait").gauge().value()));
                r.put("kernel.view", fmt(registry.get("portkeeper.ports.kernel.view").gauge().value()));
                r.put("time.wait", fmt(registry.get("portkeeper.time.wait").gauge().value()));
                r.put("fds.open", fmt(registry.get("portkeeper.fds.open").gauge().value()));
                r.put("fds.open.kernel", Integer.toString(Procfs.system().processFds().get().fdCount()));
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
            return r;
        }
    }

    @Test
    void theBudgetGaugesEqualTheKernelsCounts() {
        TreeMap<String, String> r = Netns.builder().portRange(LOW, HIGH).sysctl("net.ipv4.tcp_tw_reuse", "0")
                .timeout(Duration.ofSeconds(120)).build().run(Mix.class);
        System.out.println("budget gauges against ss: " + r);
        String tw = "127.0.0.1:" + TIME_WAIT_PORT;
        String est = "127.0.0.1:" + ESTABLISHED_PORT;
        String cw = "127.0.0.1:" + CLOSE_WAIT_PORT;
        assertThat(r).containsEntry("ss " + tw + " TIME-WAIT", "30").containsEntry("ss " + est + " ESTAB", "7")
                .containsEntry("ss " + cw + " CLOSE-WAIT", "4");
        assertThat(r.get("gauge " + tw + " time_wait")).isEqualTo(r.get("ss " + tw + " TIME-WAIT"));
        assertThat(r.get("gauge " + est + " established")).isEqualTo(r.get("ss " + est + " ESTAB"));
        assertThat(r.get("gauge " + cw + " close_wait")).isEqualTo(r.get("ss " + cw + " CLOSE-WAIT"));
        assertThat(r.get("gauge " + tw + " established")).isEqualTo("0");
        assertThat(r.get("gauge " + est + " time_wait")).isEqualTo("0");
        assertThat(r.get("gauge " + cw + " other")).isEqualTo("0");
        assertThat(r.get("gauge " + tw + " capacity")).isEqualTo("1000");
        assertThat(r).containsEntry("close.wait", "4").containsEntry("kernel.view", "1");
        assertThat(Double.parseDouble(r.get("time.wait"))).isGreaterThanOrEqualTo(30);
        assertThat(Double.parseDouble(r.get("fds.open"))).isPositive();
    }

    // ------------------------------------------------------------------ exhaustion and the breaker

    /** Five ports, all held toward the server: the pool's connects fail with PortExhaustedException. */
    public static class Exhaustion implements NetnsScenario<HashMap<String, String>> {
        @Override
        public HashMap<String, String> run(List<String> args) throws Exception {
            HashMap<String, String> r = new HashMap<>();
            List<Socket> held = new ArrayList<>();
            EndpointCircuitBreakers breakers = EndpointCircuitBreakers.of(CircuitBreakerConfig.custom()
                    .slidingWindowSize(4).minimumNumberOfCalls(2).build());   // ignores nothing of its own
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            PoolMetrics metrics = new PoolMetrics();
            try (EchoServer server = EchoServer.start(TIME_WAIT_PORT);
                    ConnectionPool pool = ConnectionPool.builder().connectGuard(breakers).listener(metrics).build()) {
                metrics.attach(pool).bindTo(registry);
                for (int i = 0; i < 100 && held.size() < 5; i++) {
                    try {
                        held.add(connect(TIME_WAIT_PORT));
                    } catch (IOException e) {
                        break;
                    }
                }
                r.put("held", Integer.toString(held.size()));
                Endpoint endpoint = Endpoint.of("127.0.0.1", TIME_WAIT_PORT);
                int exhausted = 0;
                for (int i = 0; i < 6; i++) {
                    try {
                        pool.borrow(endpoint).close();
                    } catch (PortExhaustedException e) {
                        exhausted++;
                    }
                }
                CircuitBreaker breaker = breakers.breaker(endpoint);
                r.put("exhausted", Integer.toString(exhausted));
                r.put("state", breaker.getState().name());
                r.put("failed", Integer.toString(breaker.getMetrics().getNumberOfFailedCalls()));
                r.put("counted", fmt(registry.get("portkeeper.connections.acquire.failures")
                        .tags("cause", "port_exhausted").counter().count()));
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
            return r;
        }
    }

    @Test
    void portExhaustionDoesNotOpenTheBreaker() {
        HashMap<String, String> r = Netns.builder().portRange(LOW, LOW + 4).sysctl("net.ipv4.tcp_tw_reuse", "0")
                .timeout(Duration.ofSeconds(120)).build().run(Exhaustion.class);
        System.out.println("exhaustion and the breaker: " + r);
        // The raw sockets take the ports until connect() fails (on a busy machine one run held 4 of the 5);
        // then every borrow fails for lack of a port, and none of that counts against the endpoint.
        assertThat(Integer.parseInt(r.get("held"))).isBetween(3, 5);
        assertThat(r).containsEntry("exhausted", "6").containsEntry("counted", "6")
                .containsEntry("state", "CLOSED").containsEntry("failed", "0");
    }

    // ------------------------------------------------------------------ the cost of a scrape

    static final int SOCKETS = 20_000;

    /** 20,000 TIME_WAIT sockets toward one server, then scrapes timed with and without a started monitor. */
    public static class ScrapeCost implements NetnsScenario<TreeMap<String, String>> {
        @Override
        public TreeMap<String, String> run(List<String> args) throws Exception {
            TreeMap<String, String> r = new TreeMap<>();
            try (ServerSocket server = new ServerSocket()) {
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), TIME_WAIT_PORT), 4096);
                java.util.concurrent.atomic.AtomicInteger served = new java.util.concurrent.atomic.AtomicInteger();
                Thread closer = new Thread(() -> {
                    // Accepts and closes after the client's FIN, so that TIME_WAIT lands on the client side.
                    while (!server.isClosed()) {
                        try (Socket s = server.accept()) {
                            s.getInputStream().read();
                        } catch (IOException e) {
                            return;
                        }
                        served.incrementAndGet();
                    }
                });
                closer.setDaemon(true);
                closer.start();
                long start = System.nanoTime();
                for (int i = 0; i < SOCKETS; i++) {
                    connect(TIME_WAIT_PORT).close();
                    // Keep the server close behind: orphaned FIN_WAIT2 sockets past tcp_max_orphans are reset.
                    if (i - served.get() > 500) {
                        final int sent = i;
                        await(() -> sent - served.get() <= 100);
                    }
                }
                r.put("open seconds", String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
                await(() -> served.get() >= SOCKETS);
                // Closing sockets (FIN-WAIT) still become TIME_WAIT: count once none is left, so that
                // ss and the scrape that follows see the same TIME_WAIT sockets.
                await(() -> ss().keySet().stream().noneMatch(k -> k.startsWith("127.0.0.1:" + TIME_WAIT_PORT + " FIN-WAIT")));
                TreeMap<String, Integer> kernel = ss();
                r.put("served", Integer.toString(served.get()));
                r.put("ss", kernel.toString());
                r.put("ss TIME-WAIT", Integer.toString(kernel.getOrDefault("127.0.0.1:" + TIME_WAIT_PORT + " TIME-WAIT", 0)));

                PortBudgetMonitor monitor = PortBudgetMonitor.builder().build();
                PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                // A clock moved an hour before each scrape: exactly one new sample per scrape.
                java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong();
                new PortBudgetMetrics(PortBudgetMetrics.source(monitor, Procfs.system(), 20, Duration.ZERO),
                        Tags.empty(), Duration.ofHours(1), clock::get).bindTo(registry);
                String scrape = registry.scrape();
                r.put("gauge time_wait", scrape.lines().filter(l -> l.startsWith("portkeeper_ports_used_ports{")
                        && l.contains("state=\"time_wait\"") && l.contains(":" + TIME_WAIT_PORT + "\""))
                        .map(l -> l.substring(l.lastIndexOf(' ') + 1)).findFirst().orElse("?"));
                r.put("scrape ms, a new sample each (monitor not started)", timed(() -> {
                    clock.addAndGet(Duration.ofHours(1).toNanos());
                    registry.scrape();
                }));
                r.put("monitor.snapshot() ms alone", timed(monitor::snapshot));

                PrometheusMeterRegistry cached = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                monitor.start();
                new PortBudgetMetrics(monitor).bindTo(cached);
                r.put("scrape ms, monitor started (its latest sample, defaults)", timed(cached::scrape));
                monitor.close();
            }
            return r;
        }

        /** Median and max of 15 runs after 3 warm-ups, in ms. */
        private static String timed(Runnable run) {
            for (int i = 0; i < 3; i++) {
                run.run();
            }
            double[] ms = new double[15];
            for (int i = 0; i < ms.length; i++) {
                long t = System.nanoTime();
                run.run();
                ms[i] = (System.nanoTime() - t) / 1e6;
            }
            Arrays.sort(ms);
            return String.format(Locale.ROOT, "median %.2f, max %.2f", ms[ms.length / 2], ms[ms.length - 1]);
        }
    }

    @Test
    void theCostOfAScrapeAt20000Sockets() {
        TreeMap<String, String> r = Netns.builder().portRange(20000, 60999).sysctl("net.ipv4.tcp_tw_reuse", "0")
                .sysctl("net.ipv4.tcp_max_tw_buckets", "262144").timeout(Duration.ofSeconds(240)).build()
                .run(ScrapeCost.class);
        System.out.println("scrape cost at " + SOCKETS + " sockets: " + r);
        // A few connections may not reach TIME_WAIT (an orphan reset under load); the gauge equals the kernel's count.
        assertThat(Integer.parseInt(r.get("ss TIME-WAIT"))).isGreaterThanOrEqualTo(SOCKETS * 95 / 100);
        assertThat(Double.parseDouble(r.get("gauge time_wait"))).isEqualTo(Double.parseDouble(r.get("ss TIME-WAIT")));
    }

    // ------------------------------------------------------------------ helpers (in the child)

    static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return s;
    }

    static void readLine(InputStream in) throws IOException {
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
            // up to the end of the line
        }
    }

    static String fmt(double v) {
        return v == Math.rint(v) && !Double.isInfinite(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** Client-side sockets (local port in the range) by {@code peer state}, from {@code ss -Htan}. */
    static TreeMap<String, Integer> ss() {
        TreeMap<String, Integer> counts = new TreeMap<>();
        try {
            Process p = new ProcessBuilder("ss", "-Htan").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("ss did not end");
            }
            dev.portkeeper.kernel.EphemeralRange range = Procfs.system().sysctls().get().ephemeralRange().orElseThrow();
            int low = range.low();
            int high = range.high();
            for (String line : out.lines().toList()) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 5) {
                    continue;
                }
                int localPort = Integer.parseInt(f[3].substring(f[3].lastIndexOf(':') + 1));
                if (localPort < low || localPort > high || f[0].equals("LISTEN")) {
                    continue;
                }
                String peer = f[4].replace("[::ffff:", "").replace("]", "");
                counts.merge(peer + " " + f[0], 1, Integer::sum);
            }
            return counts;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    static void await(java.util.function.BooleanSupplier condition) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(condition::getAsBoolean);
    }
}
