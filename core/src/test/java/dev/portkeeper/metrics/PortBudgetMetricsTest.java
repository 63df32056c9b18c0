package dev.portkeeper.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portkeeper.budget.BudgetSnapshot;
import dev.portkeeper.budget.DestinationBudget;
import dev.portkeeper.budget.PortBudgetMonitor;
import dev.portkeeper.kernel.FakeProcfs;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpLines;
import dev.portkeeper.kernel.TcpState;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The budget meters from a procfs tree: each value against what the tree holds and the monitor's
 * own snapshot, one sample per scrape, NaN where procfs cannot be read or the sample fails,
 * bounded destinations (5,000 of them), and the removal of a destination's meters.
 */
class PortBudgetMetricsTest {
    private static final String DEST = "10.0.0.9:11211";

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private FakeProcfs tree() {
        return FakeProcfs.in(dir).sysctl("net.ipv4.ip_local_port_range", "40000\t40999")
                .sysctl("net.ipv4.tcp_max_tw_buckets", "100")
                .file("net/sockstat", "sockets: used 20\nTCP: inuse 7 orphan 0 tw 5 alloc 8 mem 2\n")
                .file("net/netstat", "TcpExt: SyncookiesSent TCPTimeWaitOverflow\nTcpExt: 0 7\n")
                .file("self/limits", "Limit                     Soft Limit           Hard Limit           Units\n"
                        + "Max open files            1024                 4096                 files\n");
    }

    private double gauge(String name, String... tags) {
        return registry.get(name).tags(tags).gauge().value();
    }

    @Test
    void everyGaugeShowsTheSampleOfTheKernel() {
        TcpLines tcp = TcpLines.tcp();
        for (int i = 0; i < 3; i++) {
            tcp.socket("10.0.0.5", 40001 + i, "10.0.0.9", 11211, TcpState.ESTABLISHED, 101 + i);
        }
        for (int i = 0; i < 5; i++) {
            tcp.miniSocket("10.0.0.5", 40100 + i, "10.0.0.9", 11211, TcpState.TIME_WAIT, 5900);
        }
        tcp.socket("10.0.0.5", 40200, "10.0.0.9", 11211, TcpState.CLOSE_WAIT, 201);
        tcp.socket("10.0.0.5", 40201, "10.0.0.9", 11211, TcpState.CLOSE_WAIT, 202);
        tcp.socket("10.0.0.5", 40300, "10.0.0.9", 11211, TcpState.FIN_WAIT1, 301);
        FakeProcfs tree = tree().tcp(tcp).tcp6(TcpLines.tcp6().socket("::1", 40500, "::1", 8080, TcpState.ESTABLISHED, 401))
                .socketFd(3, 101).socketFd(4, 201).socketFd(5, 401).fd(6, "/dev/null");
        Procfs procfs = tree.procfs();
        PortBudgetMonitor monitor = PortBudgetMonitor.builder().procfs(procfs).build();
        new PortBudgetMetrics(monitor, Tags.of("app", "shop"), 20, Duration.ofMinutes(1), procfs).bindTo(registry);
        BudgetSnapshot snapshot = monitor.latest().orElseThrow();
        DestinationBudget d = snapshot.destinations().stream().filter(b -> b.destination().remoteText().equals(DEST))
                .findFirst().orElseThrow();

        Gauge established = registry.get("portkeeper.ports.used").tags("app", "shop", "destination", DEST, "state",
                "established").gauge();
        assertThat(established.value()).isEqualTo(3);
        assertThat(established.getId().getBaseUnit()).isEqualTo("ports");
        assertThat(gauge("portkeeper.ports.used", "destination", DEST, "state", "time_wait")).isEqualTo(5);
        assertThat(gauge("portkeeper.ports.used", "destination", DEST, "state", "close_wait")).isEqualTo(2);
        assertThat(gauge("portkeeper.ports.used", "destination", DEST, "state", "other")).isEqualTo(1);
        assertThat(gauge("portkeeper.ports.used", "destination", "[::1]:8080", "state", "established")).isEqualTo(1);
        assertThat(gauge("portkeeper.ports.capacity", "destination", DEST)).isEqualTo(1000).isEqualTo(d.capacity());
        assertThat(gauge("portkeeper.ports.close.rate", "destination", DEST)).isEqualTo(d.closeRate()).isPositive();
        assertThat(gauge("portkeeper.ports.level", "destination", DEST)).isEqualTo(d.level().ordinal());
        TimeGauge eta = registry.get("portkeeper.ports.exhaustion.eta").tags("destination", DEST).timeGauge();
        assertThat(eta.getId().getBaseUnit()).isEqualTo("seconds");
        assertThat(eta.value(TimeUnit.SECONDS)).isEqualTo(d.secondsToExhaustion().orElse(Double.POSITIVE_INFINITY));

        assertThat(gauge("portkeeper.ports.kernel.view")).isEqualTo(1);
        Gauge closeWait = registry.get("portkeeper.close.wait").gauge();
        assertThat(closeWait.value()).as("inode 201 is ours, 202 is not").isEqualTo(1);
        assertThat(closeWait.getId().getBaseUnit()).isEqualTo("sockets");
        assertThat(gauge("portkeeper.fds.open")).isEqualTo(4);
        assertThat(gauge("portkeeper.fds.max")).isEqualTo(1024);
        assertThat(registry.get("portkeeper.fds.max").gauge().getId().getBaseUnit()).isEqualTo("files");
        assertThat(gauge("portkeeper.time.wait")).isEqualTo(5);
        assertThat(gauge("portkeeper.time.wait.max")).isEqualTo(100);
        FunctionCounter overflows = registry.get("portkeeper.time.wait.overflows").functionCounter();
        assertThat(overflows.count()).isEqualTo(7);

        for (Meter m : registry.getMeters()) {
            PortkeeperMeter def = java.util.Arrays.stream(PortkeeperMeter.values())
                    .filter(x -> x.meterName().equals(m.getId().getName())).findFirst().orElseThrow();
            assertThat(m.getId().getBaseUnit()).as(def.meterName()).isEqualTo(def.baseUnit());
            java.util.List<String> keys = new java.util.ArrayList<>(def.tagKeys());
            keys.add("app");
            assertThat(m.getId().getTags()).extracting(t -> t.getKey()).containsExactlyInAnyOrderElementsOf(keys);
        }
    }

    @Test
    void oneSampleServesEveryGaugeUntilItIsOlderThanMaxAge() {
        AtomicInteger samples = new AtomicInteger();
        AtomicLong now = new AtomicLong();
        Supplier<BudgetView> source = () -> {
            samples.incrementAndGet();
            return view(Map.of(DEST, row(DEST, 3)));
        };
        new PortBudgetMetrics(source, Tags.empty(), Duration.ofSeconds(2), now::get).bindTo(registry);
        assertThat(samples).hasValue(1);
        assertThat(registry.getMeters()).hasSize(PortBudgetMetrics.METERS_PER_DESTINATION + PortBudgetMetrics.HOST_METERS);
        scrape();
        assertThat(samples).hasValue(1);
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        scrape();
        assertThat(samples).hasValue(2);
    }

    @Test
    void anUnreadableProcfsGivesNaNNeverAnException() {
        Procfs none = Procfs.at(dir.resolve("absent"));
        PortBudgetMonitor monitor = PortBudgetMonitor.builder().procfs(none).build();
        new PortBudgetMetrics(monitor, Tags.empty(), 20, Duration.ZERO, none).bindTo(registry);
        assertThat(gauge("portkeeper.ports.kernel.view")).isZero();
        for (String name : new String[] {"portkeeper.close.wait", "portkeeper.fds.open", "portkeeper.fds.max",
                "portkeeper.time.wait", "portkeeper.time.wait.max"}) {
            assertThat(gauge(name)).as(name).isNaN();
        }
        assertThat(registry.get("portkeeper.time.wait.overflows").functionCounter().count()).isNaN();
    }

    @Test
    void aFailedSampleGivesNaNAndKeepsTheMetersUntilOneSucceeds() {
        AtomicLong now = new AtomicLong();
        AtomicInteger calls = new AtomicInteger();
        Supplier<BudgetView> source = () -> {
            if (calls.incrementAndGet() == 2) {
                throw new IllegalStateException("procfs went away");
            }
            return view(Map.of(DEST, row(DEST, 3)));
        };
        new PortBudgetMetrics(source, Tags.empty(), Duration.ofSeconds(1), now::get).bindTo(registry);
        assertThat(gauge("portkeeper.ports.used", "destination", DEST, "state", "established")).isEqualTo(3);
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(gauge("portkeeper.ports.used", "destination", DEST, "state", "established")).isNaN();
        assertThat(gauge("portkeeper.ports.kernel.view")).isNaN();
        assertThat(gauge("portkeeper.time.wait")).isNaN();
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(gauge("portkeeper.ports.used", "destination", DEST, "state", "established")).isEqualTo(3);
    }

    @Test
    void fiveThousandDestinationsMakeNoMoreThanTheStatedBoundOfMeters() {
        TcpLines tcp = TcpLines.tcp();
        for (int i = 0; i < 5000; i++) {
            tcp.socket("10.0.0.5", 32768 + i, "10.1." + (i / 250) + "." + (i % 250 + 1), 80, TcpState.ESTABLISHED,
                    1000 + i);
        }
        tcp.miniSocket("10.0.0.5", 60000, "10.9.9.9", 443, TcpState.TIME_WAIT, 5900);
        FakeProcfs tree = tree().sysctl("net.ipv4.ip_local_port_range", "32768\t60999").tcp(tcp);
        Procfs procfs = tree.procfs();
        PortBudgetMonitor monitor = PortBudgetMonitor.builder().procfs(procfs).build();
        int top = 20;
        new PortBudgetMetrics(monitor, Tags.empty(), top, Duration.ZERO, procfs).bindTo(registry);

        int bound = PortBudgetMetrics.METERS_PER_DESTINATION * (top + 1) + PortBudgetMetrics.HOST_METERS;
        assertThat(bound).isEqualTo(175);
        assertThat(registry.getMeters()).hasSize(bound);
        assertThat(registry.find("portkeeper.ports.capacity").gauges()).hasSize(top + 1);
        double inTop = registry.find("portkeeper.ports.used").tag("state", "established").gauges().stream()
                .filter(g -> !g.getId().getTag("destination").equals("other")).mapToDouble(Gauge::value).sum();
        assertThat(inTop + gauge("portkeeper.ports.used", "destination", "other", "state", "established"))
                .isEqualTo(5000);
        assertThat(gauge("portkeeper.ports.capacity", "destination", "other")).isNaN();

        // Most destinations leave: their meters and other's go at the next sample.
        tree.tcp(TcpLines.tcp().socket("10.0.0.5", 40001, "10.0.0.9", 11211, TcpState.ESTABLISHED, 7)
                .socket("10.0.0.5", 40002, "10.0.0.10", 11211, TcpState.ESTABLISHED, 8));
        monitor.snapshot();                                               // the monitor reads the tables
        assertThat(gauge("portkeeper.ports.kernel.view")).isEqualTo(1);   // a read: a new sample
        assertThat(registry.find("portkeeper.ports.capacity").gauges()).extracting(g -> g.getId().getTag("destination"))
                .containsExactlyInAnyOrder(DEST, "10.0.0.10:11211");
        assertThat(registry.getMeters()).hasSize(2 * PortBudgetMetrics.METERS_PER_DESTINATION
                + PortBudgetMetrics.HOST_METERS);
    }

    /** Reads every meter, as a scrape does (a measurement is read lazily). */
    private void scrape() {
        for (Meter m : registry.getMeters()) {
            m.measure().forEach(x -> x.getValue());
        }
    }

    private static BudgetView.Row row(String destination, int established) {
        return new BudgetView.Row(destination, established, 0, 0, 0, 1000, 0, Double.POSITIVE_INFINITY, 0,
                established / 1000.0);
    }

    private static BudgetView view(Map<String, BudgetView.Row> rows) {
        return new BudgetView(1, rows, 0, 10, 1024, 0, 100, 0);
    }
}
