package dev.portkeeper.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portkeeper.testing.Netns;
import dev.portkeeper.testing.NetnsScenario;
import dev.portkeeper.testing.RequiresNetns;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The forecast against the kernel: in a private namespace with a 1,000-port range and
 * {@code tcp_tw_reuse=0}, a steady 40 short connections a second to one loopback server (the
 * client closes first, so each leaves a TIME_WAIT for 60 s) runs the range out after about 25 s,
 * when {@code connect()} fails with {@code BindException: Cannot assign requested address}. A
 * monitor with the default settings (sampling every second, 10 s trend window), started before the
 * load, must have forecast that failure within 20% from about 10 s into the load, and raised a
 * CRITICAL alert at least 5 s before it.
 */
@RequiresNetns
@Timeout(300)
class ForecastNetnsTest {
    static final int LOW = 40000;
    static final int HIGH = 40999;
    static final int SERVER_PORT = 5000;
    static final int RATE = 40;
    static final int MAX_CONNECTIONS = 5_000;
    static final Duration MAX_RUN = Duration.ofSeconds(90);

    /** One snapshot of the monitor, as seen for the load's destination; times from the load's start. */
    record Sample(long atMillis, int used, int capacity, double closeRate, double trend, double seconds,
            String level, boolean present) implements Serializable {
        String text() {
            if (!present) {
                return String.format(Locale.ROOT, "t=%6.2fs destination not in the snapshot (tables last read before it"
                        + " had sockets: below a quarter of the range the full tables are read every 10 s)",
                        atMillis / 1000.0);
            }
            return String.format(Locale.ROOT, "t=%6.2fs used=%4d/%d closeRate=%5.1f/s trend=%6.1f/s forecast=%s %s",
                    atMillis / 1000.0, used, capacity, closeRate, trend,
                    Double.isNaN(seconds) ? "-" : String.format(Locale.ROOT, "%.1fs", seconds), level);
        }
    }

    /** One alert; times from the load's start. */
    record Alert(long atMillis, String subject, boolean forDestination, String from, String to) implements Serializable {
    }

    /** What the child returns. */
    record Run(String destination, long failedAtMillis, int connections, String failure, boolean bindException,
            ArrayList<Sample> samples, ArrayList<Alert> alerts, long trendWindowMillis) implements Serializable {
    }

    /** Runs in the namespace: the echo server, the monitor, the paced load until connect() fails. */
    public static class SteadyLoad implements NetnsScenario<Run> {
        @Override
        public Run run(List<String> args) throws Exception {
            InetAddress loopback = InetAddress.getByName("127.0.0.1");
            ExecutorService threads = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "forecast-test");
                t.setDaemon(true);
                return t;
            });
            List<BudgetAlert> alerts = new CopyOnWriteArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            try (ServerSocket server = new ServerSocket(SERVER_PORT, 512, loopback);
                    PortBudgetMonitor monitor = PortBudgetMonitor.builder().alertListener(alerts::add).build()) {
                threads.execute(() -> echo(server));
                BudgetSettings settings = monitor.settings();
                List<BudgetSnapshot> snapshots = new CopyOnWriteArrayList<>();
                monitor.start();
                Future<?> recorder = threads.submit(() -> record(monitor, snapshots, stop));
                // One sample at rest before the load, as in a service that has run a while.
                long restUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
                while (System.nanoTime() < restUntil) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                }

                Instant start = Instant.now();
                long startNanos = System.nanoTime();
                long interval = TimeUnit.SECONDS.toNanos(1) / RATE;
                Destination destination = null;
                Instant failedAt = null;
                String failure = "none";
                boolean bind = false;
                int connections = 0;
                while (connections < MAX_CONNECTIONS && System.nanoTime() - startNanos < MAX_RUN.toNanos()) {
                    long due = startNanos + connections * interval;
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    Socket s = new Socket();
                    try {
                        s.connect(new InetSocketAddress(loopback, SERVER_PORT), 5_000);
                    } catch (IOException e) {
                        failedAt = Instant.now();
                        s.close();
                        failure = e.toString();
                        bind = e instanceof BindException;
                        break;
                    }
                    try (s) {
                        if (destination == null) {
                            destination = Destination.of(s.getLocalAddress(), loopback, SERVER_PORT);
                        }
                        s.setSoTimeout(5_000);
                        OutputStream out = s.getOutputStream();
                        out.write('x');
                        out.flush();
                        InputStream in = s.getInputStream();
                        if (in.read() != 'x') {
                            throw new IllegalStateException("no echo on connection " + connections);
                        }
                    } // the client closes first: TIME_WAIT here
                    connections++;
                }
                monitor.close();
                stop.set(true);
                recorder.get(10, TimeUnit.SECONDS);

                ArrayList<Sample> samples = new ArrayList<>();
                for (BudgetSnapshot snapshot : snapshots) {
                    long at = Duration.between(start, snapshot.time()).toMillis();
                    Optional<DestinationBudget> b = destination == null ? Optional.empty()
                            : snapshot.destination(destination);
                    if (b.isPresent()) {
                        OptionalDouble sec = b.get().secondsToExhaustion();
                        samples.add(new Sample(at, b.get().used(), b.get().capacity(), b.get().closeRate(),
                                b.get().trend(), sec.isPresent() ? sec.getAsDouble() : Double.NaN,
                                b.get().level().name(), true));
                    } else {
                        samples.add(new Sample(at, 0, snapshot.capacity(), 0, 0, Double.NaN, "-", false));
                    }
                }
                ArrayList<Alert> alertRows = new ArrayList<>();
                for (BudgetAlert a : alerts) {
                    alertRows.add(new Alert(Duration.between(start, a.time()).toMillis(), a.subject(),
                            destination != null && a.destination().filter(destination::equals).isPresent(),
                            a.from().name(), a.to().name()));
                }
                return new Run(String.valueOf(destination),
                        failedAt == null ? -1 : Duration.between(start, failedAt).toMillis(), connections, failure,
                        bind, samples, alertRows, settings.trendWindow().toMillis());
            } finally {
                stop.set(true);
                threads.shutdownNow();
            }
        }

        /**
         * Every snapshot the sampler takes, polled every 20 ms (well within its one-second
         * interval) until told to stop, and once more after; bounded in time.
         */
        private static void record(PortBudgetMonitor monitor, List<BudgetSnapshot> out, AtomicBoolean stop) {
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
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                }
            }
        }

        /** One connection at a time: read a byte, echo it, wait for the client's FIN, close. */
        private static void echo(ServerSocket server) {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    s.setSoTimeout(5_000);
                    int b = s.getInputStream().read();
                    if (b >= 0) {
                        s.getOutputStream().write(b);
                        s.getOutputStream().flush();
                        s.getInputStream().read(); // EOF: the client closed first
                    }
                } catch (IOException e) {
                    if (server.isClosed()) {
                        return;
                    }
                }
            }
        }
    }

    @Test
    void theForecastMadeTenSecondsIntoASteadyLoadPredictsTheFailedConnectWithin20Percent() {
        Run run = Netns.builder().portRange(LOW, HIGH).sysctl("net.ipv4.tcp_tw_reuse", "0")
                .timeout(Duration.ofSeconds(200)).build().run(SteadyLoad.class);

        System.out.println("destination " + run.destination() + ", " + run.connections() + " connections at " + RATE
                + "/s, connect() failed at t=" + run.failedAtMillis() / 1000.0 + " s: " + run.failure());
        run.samples().forEach(s -> System.out.println("  " + s.text()));
        run.alerts().forEach(a -> System.out.println("  alert t=" + a.atMillis() / 1000.0 + " s " + a.subject() + ": "
                + a.from() + " -> " + a.to()));

        assertThat(run.failedAtMillis()).as("connect() failed within the run").isPositive();
        assertThat(run.bindException()).isTrue();
        assertThat(run.failure()).contains("Cannot assign requested address");
        assertThat(run.connections()).as("every port of the range held in TIME_WAIT, then the failure")
                .isEqualTo(HIGH - LOW + 1);
        long failedAt = run.failedAtMillis();

        // (a) the first forecast once the trend window has filled with load
        Sample first = run.samples().stream()
                .filter(s -> s.atMillis() >= run.trendWindowMillis() && !Double.isNaN(s.seconds()))
                .findFirst().orElseThrow(() -> new AssertionError("no forecast after the trend window"));
        double actual = (failedAt - first.atMillis()) / 1000.0;
        double error = (first.seconds() - actual) / actual;
        System.out.printf(Locale.ROOT, "forecast at t=%.2f s: exhaustion in %.1f s; connect() failed %.1f s later;"
                + " error %+.1f%%%n", first.atMillis() / 1000.0, first.seconds(), actual, error * 100);

        // (b) and (c): the alerts for the destination, and their lead over the failure
        Alert critical = run.alerts().stream().filter(a -> a.forDestination() && a.to().equals("CRITICAL"))
                .findFirst().orElseThrow(() -> new AssertionError("no CRITICAL alert for " + run.destination()));
        Alert raised = run.alerts().stream()
                .filter(a -> a.forDestination() && (a.to().equals("WARN") || a.to().equals("CRITICAL")))
                .findFirst().orElseThrow();
        System.out.printf(Locale.ROOT, "lead over the failure: first WARN/CRITICAL (%s) %.1f s, CRITICAL %.1f s%n",
                raised.to(), (failedAt - raised.atMillis()) / 1000.0, (failedAt - critical.atMillis()) / 1000.0);

        assertThat(Math.abs(error)).as("forecast error of the first forecast after the trend window").isLessThanOrEqualTo(0.2);
        assertThat(failedAt - critical.atMillis()).as("CRITICAL lead, ms").isGreaterThanOrEqualTo(5_000);
        assertThat(raised.atMillis()).as("WARN or CRITICAL before the failure").isLessThan(failedAt);
    }
}
