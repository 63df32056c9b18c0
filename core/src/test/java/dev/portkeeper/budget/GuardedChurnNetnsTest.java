package dev.portkeeper.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.PooledConnection;
import dev.portkeeper.testing.Netns;
import dev.portkeeper.testing.NetnsScenario;
import dev.portkeeper.testing.RequiresNetns;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The churn guard settles instead of oscillating: in a private namespace with a 1,000-port
 * range and {@code tcp_tw_reuse=0}, a pool whose connections live 1 ms (so each borrow opens a
 * new connection and closes it first: a TIME_WAIT here) is borrowed 40 times a second by four
 * threads for 60 s. Unguarded that is 2,400 TIME_WAIT sockets at steady state, more than the
 * range. Guarded, no borrow may fail, and the destination's level may change at most twice.
 */
@RequiresNetns
@Timeout(200)
class GuardedChurnNetnsTest {
    static final int RATE = 40;
    static final int THREADS = 4;
    static final int SECONDS = 60;
    static final int PORT = 5000;

    /** Runs in the namespace; returns counts and the sequence of levels, one a second. */
    public static class GuardedChurn implements NetnsScenario<HashMap<String, String>> {
        @Override
        public HashMap<String, String> run(List<String> args) throws Exception {
            HashMap<String, String> r = new HashMap<>();
            List<String> alerts = new CopyOnWriteArrayList<>();
            AtomicInteger failures = new AtomicInteger();
            AtomicInteger requests = new AtomicInteger();
            List<String> levels = new ArrayList<>();
            ExecutorService threads = Executors.newCachedThreadPool(t -> {
                Thread th = new Thread(t, "guarded-churn");
                th.setDaemon(true);
                return th;
            });
            long start = System.nanoTime();
            try (ServerSocket server = Loads.echo(PORT, threads);
                    PortBudgetMonitor monitor = PortBudgetMonitor.builder()
                            .alertListener(a -> alerts.add(String.format(Locale.ROOT, "%.1fs %s->%s %s",
                                    (System.nanoTime() - start) / 1e9, a.from(), a.to(), a.subject())))
                            .build().start();
                    ConnectionPool pool = ConnectionPool.builder().name("guarded").portBudget(monitor)
                            .settings(PoolSettings.custom().maxPerEndpoint(THREADS).maxLifetime(Duration.ofMillis(1))
                                    .lifetimeJitter(0).acquireTimeout(Duration.ofSeconds(30)).build()).build()) {
                Endpoint endpoint = Endpoint.of("127.0.0.1", PORT);
                long period = TimeUnit.SECONDS.toNanos(1) * THREADS / RATE;
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    long offset = t * period / THREADS;
                    futures.add(threads.submit(() -> {
                        for (int i = 0; i < SECONDS * RATE / THREADS; i++) {
                            Loads.until(start + offset + i * period);
                            try (PooledConnection c = pool.borrow(endpoint)) {
                                c.output().write('x');
                                c.output().flush();
                                if (c.input().read() != 'x') {
                                    throw new IOException("no echo");
                                }
                                requests.incrementAndGet();
                            } catch (IOException e) {
                                failures.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                for (int s = 0; s < SECONDS + 60 && !futures.stream().allMatch(Future::isDone); s++) {
                    Loads.rest(1000);
                    levels.add(monitor.latest().map(snap -> snap.level().name()).orElse("-"));
                }
                for (Future<?> f : futures) {
                    f.get(60, TimeUnit.SECONDS);
                }
                BudgetSnapshot last = monitor.snapshot();
                r.put("requests", Integer.toString(requests.get()));
                r.put("failures", Integer.toString(failures.get()));
                r.put("opened", Long.toString(last.destinations().stream()
                        .mapToLong(d -> d.ledger().opened()).sum()));
                r.put("levels", String.join(",", levels));
                r.put("alerts", String.join("; ", alerts));
            } finally {
                threads.shutdownNow();
            }
            return r;
        }
    }

    static int changes(String levels) {
        String[] l = levels.split(",");
        int n = 0;
        for (int i = 1; i < l.length; i++) {
            if (!l[i].equals(l[i - 1])) {
                n++;
            }
        }
        return n;
    }

    @Test
    void aGuardedChurningPoolSettlesWithoutFailuresAndAtMostTwoLevelChanges() {
        HashMap<String, String> r = Netns.builder().portRange(40000, 40999).sysctl("net.ipv4.tcp_tw_reuse", "0")
                .timeout(Duration.ofSeconds(180)).build().run(GuardedChurn.class);
        System.out.println("guarded churn: requests " + r.get("requests") + ", failures " + r.get("failures")
                + ", connections opened " + r.get("opened"));
        System.out.println("levels, one a second: " + r.get("levels"));
        System.out.println("alerts: " + r.get("alerts"));
        int changes = changes(r.get("levels"));
        int alertCount = r.get("alerts").isEmpty() ? 0 : r.get("alerts").split("; ").length;
        System.out.println("level changes: " + changes + " (alerts: " + alertCount + ")");
        assertThat(r.get("failures")).isEqualTo("0");
        assertThat(r.get("requests")).isEqualTo(Integer.toString(SECONDS * RATE));
        assertThat(changes).as("level changes over the guarded run").isLessThanOrEqualTo(2);
    }
}
