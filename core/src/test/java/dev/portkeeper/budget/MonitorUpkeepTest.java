package dev.portkeeper.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portkeeper.ClosePolicy;
import dev.portkeeper.ConnectionClosed;
import dev.portkeeper.ConnectionInfo;
import dev.portkeeper.Endpoint;
import dev.portkeeper.kernel.FakeProcfs;
import dev.portkeeper.kernel.TcpLines;
import dev.portkeeper.kernel.TcpState;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What keeps the monitor running and small: listeners that fail, and a ledger of many destinations. */
class MonitorUpkeepTest {
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path dir;

    /** An Error, as a listener's bug or an assertion in a test double would throw. */
    static final class ListenerBug extends Error {
        ListenerBug(String message) {
            super(message);
        }
    }

    @Test
    void aListenerThrowingAnErrorAtEachAlertStopsNeitherTheSamplingNorTheOtherListeners() throws Exception {
        FakeProcfs fake = FakeProcfs.in(dir).sysctl("net.ipv4.ip_local_port_range", "40000 40999")
                .tcp(TcpLines.tcp().miniSocket("10.0.0.1", 40001, "10.0.0.2", 80, TcpState.TIME_WAIT, 5000));
        AtomicInteger thrown = new AtomicInteger();
        List<BudgetAlert> told = new CopyOnWriteArrayList<>();
        BudgetAlertListener bug = new BudgetAlertListener() {
            @Override
            public void onAlert(BudgetAlert alert) {
                thrown.incrementAndGet();
                throw new ListenerBug("listener bug at " + alert.to());
            }

            @Override
            public String toString() {
                return "the-buggy-listener";
            }
        };
        PortBudgetMonitor monitor = PortBudgetMonitor.builder().procfs(fake.procfs())
                .settings(BudgetSettings.custom().sampleInterval(Duration.ofMillis(20)).build())
                .alertListener(bug).alertListener(told::add).build();
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(new Tee(original, captured), true, StandardCharsets.UTF_8));
        try {
            monitor.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> monitor.latest().isPresent());
            // A connect that found no free port: OK -> WARN -> CRITICAL -> EXHAUSTED in one sample, then back to OK.
            monitor.connectFailed(Endpoint.of("10.0.0.2", 80),
                    new BindException("Cannot assign requested address"));
            await().atMost(Duration.ofSeconds(10)).until(() -> told.size() >= 4);
            assertThat(told).extracting(BudgetAlert::to).containsExactly(BudgetLevel.WARN, BudgetLevel.CRITICAL,
                    BudgetLevel.EXHAUSTED, BudgetLevel.OK);
            assertThat(thrown).hasValue(4);
            Instant afterAlerts = monitor.latest().orElseThrow().time();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> monitor.latest().orElseThrow().time().isAfter(afterAlerts));
        } finally {
            monitor.close();
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(count(log, "alert listener the-buggy-listener threw")).as("logged once for the listener")
                .isEqualTo(1);
        assertThat(log).contains("ListenerBug: listener bug at WARN");
    }

    private static int count(String text, String fragment) {
        int n = 0;
        for (int i = text.indexOf(fragment); i >= 0; i = text.indexOf(fragment, i + 1)) {
            n++;
        }
        return n;
    }

    /** Writes to both streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            synchronized (b) {
                b.write(c);
            }
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            synchronized (b) {
                b.write(buf, off, len);
            }
        }
    }

    static ConnectionInfo connection(int i, InetAddress remote) {
        return new ConnectionInfo("p", i, Endpoint.of(new InetSocketAddress(remote, 80)),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000 + i % 1000),
                new InetSocketAddress(remote, 80), Duration.ZERO, 0, Duration.ZERO, false);
    }

    @Test
    void tenThousandDestinationsThenQuietLeaveTheLedgerEmptyWithTheirCountsInTheTotal() throws Exception {
        AtomicLong now = new AtomicLong(1_000 * SECOND);
        PortBudgetMonitor monitor = PortBudgetMonitor.builder()
                .procfs(FakeProcfs.in(dir.resolve("absent")).procfs()).ticker(now::get).build();
        int destinations = 10_000;
        for (int i = 0; i < destinations; i++) {
            InetAddress remote = InetAddress.getByAddress(new byte[] {10, 1, (byte) (i >> 8), (byte) i});
            ConnectionInfo c = connection(i, remote);
            monitor.connectionOpened(c);
            monitor.connectionClosed(new ConnectionClosed(c, ConnectionClosed.Reason.EXPIRED,
                    ConnectionClosed.TimeWait.LOCAL, ClosePolicy.Strategy.GRACEFUL, null));
        }
        assertThat(monitor.snapshot().destinations()).hasSize(destinations);
        assertThat(monitor.ledgerSize()).isEqualTo(destinations);

        // A minute on, their TIME_WAIT gone: still within the retention (two minutes).
        now.addAndGet(61 * SECOND);
        monitor.snapshot();
        assertThat(monitor.ledgerSize()).isEqualTo(destinations);

        // Two minutes after their last close: dropped, their counts kept in the total.
        now.addAndGet(60 * SECOND);
        BudgetSnapshot quiet = monitor.snapshot();
        assertThat(monitor.ledgerSize()).isZero();
        assertThat(quiet.destinations()).isEmpty();
        LedgerCounts retired = monitor.retiredLedgerCounts();
        assertThat(retired.opened()).isEqualTo(destinations);
        assertThat(retired.closedLocal()).isEqualTo(destinations);
        assertThat(retired.open()).isZero();

        // A destination with a connection open stays, however long it is quiet.
        ConnectionInfo held = connection(1, InetAddress.getByName("10.2.0.1"));
        monitor.connectionOpened(held);
        now.addAndGet(600 * SECOND);
        monitor.snapshot();
        assertThat(monitor.ledgerSize()).isEqualTo(1);
    }
}
