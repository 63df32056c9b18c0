package dev.portkeeper.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.portkeeper.Ticker;
import dev.portkeeper.kernel.FakeProcfs;
import dev.portkeeper.kernel.ProcfsCaptures;
import dev.portkeeper.kernel.TcpLines;
import dev.portkeeper.kernel.TcpState;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The monitor on captured and generated procfs trees, with a fake ticker: no sleeps, exact numbers. */
class PortBudgetMonitorTest {
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_000 * SECOND);
    private final Ticker ticker = now::get;
    private final List<BudgetAlert> alerts = new CopyOnWriteArrayList<>();

    private static Destination dest(String local, String remote, int port) throws Exception {
        return Destination.of(InetAddress.getByName(local), InetAddress.getByName(remote), port);
    }

    @Test
    void theCaptureGivesItsGroundTruthPerDestinationAndState() throws Exception {
        PortBudgetMonitor monitor = PortBudgetMonitor.builder()
                .procfs(ProcfsCaptures.materialise("linux-6.18-mixed", dir)).ticker(ticker).build();
        BudgetSnapshot s = monitor.snapshot();

        assertThat(s.kernelViewAvailable()).isTrue();
        assertThat(s.range().low()).isEqualTo(40000);
        assertThat(s.range().high()).isEqualTo(40999);
        assertThat(s.capacity()).isEqualTo(1000);
        assertThat(s.listenersInRange()).isZero();
        // Only client sides: the servers' sockets have local ports 11211 and 8080, outside the range.
        assertThat(s.destinations()).hasSize(2);

        DestinationBudget v4 = s.destination(dest("127.0.0.1", "127.0.0.1", 11211)).orElseThrow();
        assertThat(v4.count(TcpState.TIME_WAIT)).isEqualTo(40);
        assertThat(v4.count(TcpState.CLOSE_WAIT)).isEqualTo(5);
        assertThat(v4.count(TcpState.ESTABLISHED)).isEqualTo(7);
        assertThat(v4.states()).hasSize(3);
        assertThat(v4.used()).isEqualTo(52);
        assertThat(v4.capacity()).isEqualTo(1000);
        assertThat(v4.level()).isEqualTo(BudgetLevel.OK);

        DestinationBudget v6 = s.destination(dest("::1", "::1", 8080)).orElseThrow();
        assertThat(v6.count(TcpState.TIME_WAIT)).isEqualTo(12);
        assertThat(v6.count(TcpState.ESTABLISHED)).isEqualTo(3);
        assertThat(v6.used()).isEqualTo(15);

        // Host-wide totals: both sides of every pair, the listeners, and the FIN_WAIT2 minisockets.
        assertThat(s.totals()).containsEntry(TcpState.TIME_WAIT, 52).containsEntry(TcpState.ESTABLISHED, 20)
                .containsEntry(TcpState.CLOSE_WAIT, 5).containsEntry(TcpState.FIN_WAIT2, 5)
                .containsEntry(TcpState.LISTEN, 2);
        assertThat(s.host().timeWait()).hasValue(57);
        assertThat(s.level()).isEqualTo(BudgetLevel.OK);
    }

    /** A steady 20 closes/s to one destination in a 1,000-port range, TIME_WAIT timers as the kernel writes them. */
    private static String steadyLoad(int elapsedSeconds) {
        return steadyLoad(elapsedSeconds, elapsedSeconds);
    }

    /** The same load, stopped after {@code closingSeconds}, seen at {@code elapsedSeconds}. */
    private static String steadyLoad(int closingSeconds, int elapsedSeconds) {
        TcpLines tcp = TcpLines.tcp().socket("0.0.0.0", 22, "0.0.0.0", 0, TcpState.LISTEN, 100);
        int port = 40000;
        for (int closedAt = 0; closedAt < closingSeconds; closedAt++) {
            long jiffiesLeft = (60 - (elapsedSeconds - closedAt)) * 100L + 50;
            if (jiffiesLeft <= 0) {
                port += 20;
                continue;
            }
            for (int i = 0; i < 20; i++) {
                tcp.miniSocket("10.0.0.1", port++, "10.0.0.2", 80, TcpState.TIME_WAIT, jiffiesLeft);
            }
        }
        return tcp.toString();
    }

    @Test
    void aSteadyCloseRateIsForecastToExhaustTheRangeAndRaisesOneCriticalAlertOnceItHasLasted() throws Exception {
        FakeProcfs fake = FakeProcfs.in(dir).sysctl("net.ipv4.ip_local_port_range", "40000\t40999")
                .sysctl("net.ipv4.ip_local_reserved_ports", "").tcp(steadyLoad(0));
        PortBudgetMonitor monitor = PortBudgetMonitor.builder().procfs(fake.procfs()).ticker(ticker)
                .alertListener(alerts::add).build();
        Destination d = dest("10.0.0.1", "10.0.0.2", 80);

        Forecast forecastAt10 = null;
        int criticalAt = -1;
        for (int t = 1; t <= 30; t++) {
            now.addAndGet(SECOND);
            fake.tcp(steadyLoad(t));
            DestinationBudget b = monitor.snapshot().destination(d).orElseThrow();
            assertThat(b.used()).isEqualTo(20 * t);
            if (t == 10) {
                assertThat(b.closeRate()).isCloseTo(20, within(1e-9));
                assertThat(b.steadyStateTimeWait()).isCloseTo(1200, within(1e-6));
                assertThat(b.trend()).isCloseTo(20, within(1e-6));
                forecastAt10 = b.forecast().orElseThrow();
                assertThat(b.level()).as("10 s of load took 200 ports of the 800 still free: a burst so far")
                        .isEqualTo(BudgetLevel.OK);
            }
            if (criticalAt < 0 && b.level() == BudgetLevel.CRITICAL) {
                criticalAt = t;
            }
        }
        // 200 of 1,000 used at +20/s: the range is full at t = 50 s, 40 s from now.
        assertThat(forecastAt10.seconds()).isCloseTo(40, within(0.5));
        assertThat(forecastAt10.curve()).isEqualTo(Forecast.Curve.STEADY);
        assertThat(forecastAt10.window()).isEqualTo(Duration.ofSeconds(10));
        // CRITICAL once the load has lasted as long as it has left: at t = 25 s, 25 s before the end.
        assertThat(criticalAt).isBetween(24, 26);
        // The jump from OK to CRITICAL raises both levels crossed, in one sample.
        assertThat(alerts).extracting(BudgetAlert::to).containsExactly(BudgetLevel.WARN, BudgetLevel.CRITICAL);
        assertThat(alerts.get(0).time()).isEqualTo(alerts.get(1).time());
        BudgetAlert alert = alerts.get(1);
        assertThat(alert.from()).isEqualTo(BudgetLevel.WARN);
        assertThat(alert.destination()).contains(d);
        assertThat(alert.message()).contains("Port budget CRITICAL for 10.0.0.1 -> 10.0.0.2:80")
                .contains("of 1,000 ephemeral ports in use (TIME_WAIT ").contains("closes/s")
                .contains("exhaustion forecast in").contains("steady, 10 s window").contains("Reuse connections")
                .contains("ip_local_port_range").contains("tcp_tw_reuse");
    }

    @Test
    void whenTheClosesStopTheForecastGoesAndTheLevelComesBackDown() throws Exception {
        FakeProcfs fake = FakeProcfs.in(dir).sysctl("net.ipv4.ip_local_port_range", "40000 40999").tcp(steadyLoad(0));
        PortBudgetMonitor monitor = PortBudgetMonitor.builder().procfs(fake.procfs()).ticker(ticker)
                .alertListener(alerts::add).build();
        Destination d = dest("10.0.0.1", "10.0.0.2", 80);
        dev.portkeeper.Endpoint endpoint = dev.portkeeper.Endpoint.of("10.0.0.2", 80);
        monitor.connectionOpened(new dev.portkeeper.ConnectionInfo("p", 1, endpoint,
                new java.net.InetSocketAddress(d.local(), 40999), new java.net.InetSocketAddress(d.remote(), 80),
                Duration.ZERO, 0, Duration.ZERO, false));
        assertThat(monitor.sustainableOpenRate(endpoint)).as("no sample yet: no pressure").isNegative();
        for (int t = 1; t <= 26; t++) {
            now.addAndGet(SECOND);
            fake.tcp(steadyLoad(t));
            monitor.snapshot();
        }
        assertThat(monitor.latest().orElseThrow().destination(d).orElseThrow().level()).isEqualTo(BudgetLevel.CRITICAL);
        // 520 TIME_WAIT of 1,000 ports: the guard holds the pool to what keeps the range at half, 480 more / 60 s.
        assertThat(monitor.sustainableOpenRate(endpoint)).isCloseTo(480 / 60.0, within(1e-9));
        // The load stops: no new closes; the TIME_WAIT sockets expire from t = 60 s.
        int okAt = -1;
        int releasedAt = -1;
        for (int t = 27; t <= 100; t++) {
            now.addAndGet(SECOND);
            fake.tcp(steadyLoad(26, t));
            DestinationBudget b = monitor.snapshot().destination(d).orElseThrow();
            if (t == 29) {
                assertThat(b.forecast()).as("two silent seconds: the forecast is gone").isEmpty();
            }
            if (b.level() == BudgetLevel.OK && okAt < 0) {
                okAt = t;
                assertThat(monitor.sustainableOpenRate(endpoint)).as("pressure holds a trend window after OK")
                        .isPositive();
            }
            if (okAt > 0 && releasedAt < 0 && monitor.sustainableOpenRate(endpoint) < 0) {
                releasedAt = t;
            }
        }
        // Still WARN (with hysteresis) while more than half the range is held; OK as the first ones expire.
        assertThat(okAt).isBetween(60, 63);
        assertThat(releasedAt - okAt).as("the guard lets go a trend window after the rate fell").isBetween(9, 11);
        DestinationBudget b = monitor.latest().orElseThrow().destination(d).orElseThrow();
        assertThat(b.secondsToExhaustion()).isEmpty();
        assertThat(b.level()).isEqualTo(BudgetLevel.OK);
        // One alert up; then only steps down (through WARN), ending at OK.
        assertThat(alerts).filteredOn(BudgetAlert::isRaised).extracting(BudgetAlert::to)
                .containsExactly(BudgetLevel.WARN, BudgetLevel.CRITICAL);
        BudgetAlert last = alerts.get(alerts.size() - 1);
        assertThat(last.to()).isEqualTo(BudgetLevel.OK);
        assertThat(last.message()).startsWith("Port budget back to OK for 10.0.0.1 -> 10.0.0.2:80");
    }

    @Test
    void aListenerInsideTheRangeAndReservedPortsReduceTheCapacity() throws Exception {
        FakeProcfs fake = FakeProcfs.in(dir).sysctl("net.ipv4.ip_local_port_range", "40000 40999")
                .sysctl("net.ipv4.ip_local_reserved_ports", "40100-40149")
                .tcp(TcpLines.tcp().socket("0.0.0.0", 40500, "0.0.0.0", 0, TcpState.LISTEN, 1)
                        .socket("127.0.0.1", 40500, "127.0.0.1", 40001, TcpState.ESTABLISHED, 2)
                        .socket("127.0.0.1", 40001, "127.0.0.1", 40500, TcpState.ESTABLISHED, 3));
        BudgetSnapshot s = PortBudgetMonitor.builder().procfs(fake.procfs()).ticker(ticker).build().snapshot();
        assertThat(s.listenersInRange()).isEqualTo(1);
        assertThat(s.capacity()).isEqualTo(1000 - 50 - 1);
        // The accepted side (local port 40500, the listener's) is a server socket, not a client's.
        assertThat(s.destinations()).singleElement().satisfies(b -> {
            assertThat(b.destination().remotePort()).isEqualTo(40500);
            assertThat(b.capacity()).isEqualTo(949);
        });
    }

    @Test
    void tooManyTimeWaitBucketsAndOverflowsAreHostAlerts() throws Exception {
        FakeProcfs fake = FakeProcfs.in(dir).sysctl("net.ipv4.ip_local_port_range", "32768 60999")
                .sysctl("net.ipv4.tcp_max_tw_buckets", "1000").tcp(TcpLines.tcp())
                .file("net/sockstat", "TCP: inuse 1 orphan 0 tw 900 alloc 1 mem 1\n")
                .file("net/netstat", "TcpExt: TW TCPTimeWaitOverflow\nTcpExt: 5 0\n");
        PortBudgetMonitor monitor = PortBudgetMonitor.builder().procfs(fake.procfs()).ticker(ticker)
                .alertListener(alerts::add).build();
        assertThat(monitor.snapshot().host().timeWaitLevel()).isEqualTo(BudgetLevel.CRITICAL);
        fake.file("net/netstat", "TcpExt: TW TCPTimeWaitOverflow\nTcpExt: 5 3\n");
        BudgetSnapshot s = monitor.snapshot();
        assertThat(s.host().timeWaitLevel()).isEqualTo(BudgetLevel.EXHAUSTED);
        assertThat(s.host().timeWaitOverflows()).hasValue(3);
        assertThat(s.level()).isEqualTo(BudgetLevel.EXHAUSTED);
        assertThat(alerts).extracting(BudgetAlert::subject).containsOnly("tcp_max_tw_buckets");
        assertThat(alerts).extracting(BudgetAlert::to)
                .containsExactly(BudgetLevel.WARN, BudgetLevel.CRITICAL, BudgetLevel.EXHAUSTED);
        assertThat(alerts.get(2).message()).contains("900 of net.ipv4.tcp_max_tw_buckets 1,000")
                .contains("dropping TIME_WAIT");
    }

    @Test
    void aConnectThatFoundNoFreePortMakesTheDestinationExhausted() throws Exception {
        FakeProcfs fake = FakeProcfs.in(dir).sysctl("net.ipv4.ip_local_port_range", "40000 40999")
                .tcp(TcpLines.tcp().miniSocket("10.0.0.1", 40001, "10.0.0.2", 80, TcpState.TIME_WAIT, 5000));
        PortBudgetMonitor monitor = PortBudgetMonitor.builder().procfs(fake.procfs()).ticker(ticker)
                .alertListener(alerts::add).build();
        Destination d = dest("10.0.0.1", "10.0.0.2", 80);
        assertThat(monitor.snapshot().destination(d).orElseThrow().level()).isEqualTo(BudgetLevel.OK);
        monitor.connectFailed(dev.portkeeper.Endpoint.of("10.0.0.2", 80),
                new java.net.BindException("Cannot assign requested address"));
        DestinationBudget b = monitor.snapshot().destination(d).orElseThrow();
        assertThat(b.level()).isEqualTo(BudgetLevel.EXHAUSTED);
        assertThat(b.ledger().portExhaustionFailures()).isEqualTo(1);
        assertThat(alerts).extracting(BudgetAlert::to)
                .containsExactly(BudgetLevel.WARN, BudgetLevel.CRITICAL, BudgetLevel.EXHAUSTED);
    }

    @Test
    void portsBoundBeforeConnectCountAgainstEveryOtherDestination() throws Exception {
        FakeProcfs fake = FakeProcfs.in(dir).sysctl("net.ipv4.ip_local_port_range", "40000 40999")
                .tcp(TcpLines.tcp().socket("10.0.0.1", 40001, "10.0.0.2", 80, TcpState.ESTABLISHED, 1)
                        .socket("10.0.0.1", 40002, "10.0.0.2", 80, TcpState.ESTABLISHED, 2)
                        .socket("10.0.0.1", 40003, "10.0.0.3", 443, TcpState.ESTABLISHED, 3));
        PortBudgetMonitor monitor = PortBudgetMonitor.builder().procfs(fake.procfs()).ticker(ticker).build();
        for (int port = 40001; port <= 40002; port++) {
            monitor.connectionOpened(new dev.portkeeper.ConnectionInfo("p", port,
                    dev.portkeeper.Endpoint.of("10.0.0.2", 80),
                    new java.net.InetSocketAddress(InetAddress.getByName("10.0.0.1"), port),
                    new java.net.InetSocketAddress(InetAddress.getByName("10.0.0.2"), 80), Duration.ZERO, 0, Duration.ZERO, true));
        }
        BudgetSnapshot s = monitor.snapshot();
        assertThat(s.destination(dest("10.0.0.1", "10.0.0.2", 80)).orElseThrow().capacity())
                .as("its own bound ports are counted in its use, not taken off its capacity").isEqualTo(1000);
        assertThat(s.destination(dest("10.0.0.1", "10.0.0.3", 443)).orElseThrow().capacity())
                .as("two ports bound for 10.0.0.2:80 are taken from every other destination").isEqualTo(998);
        assertThat(s.destination(dest("10.0.0.1", "10.0.0.2", 80)).orElseThrow().ledger().boundOpen()).isEqualTo(2);
    }

    @Test
    void withoutProcfsEveryReportSaysTheKernelViewIsUnavailable() {
        PortBudgetMonitor monitor = PortBudgetMonitor.builder().procfs(FakeProcfs.in(dir.resolve("absent")).procfs())
                .ticker(ticker).build();
        BudgetSnapshot s = monitor.snapshot();
        assertThat(s.kernelViewAvailable()).isFalse();
        assertThat(s.kernelUnavailableReason()).hasValueSatisfying(r -> assertThat(r).contains("absent"));
        assertThat(s.toString()).contains("kernel view unavailable");
        assertThat(s.range().capacity()).as("Linux's default range is assumed").isEqualTo(28232);
        assertThat(s.destinations()).isEmpty();
    }

    @Test
    void theMonitorSamplesOnItsOwnOnceStarted() throws Exception {
        PortBudgetMonitor monitor = PortBudgetMonitor.builder()
                .procfs(ProcfsCaptures.materialise("linux-6.18-mixed", dir))
                .settings(BudgetSettings.custom().sampleInterval(Duration.ofMillis(20)).build()).build();
        try {
            monitor.start();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> monitor.latest().isPresent());
            assertThat(monitor.latest().orElseThrow().destinations()).hasSize(2);
        } finally {
            monitor.close();
        }
    }
}
