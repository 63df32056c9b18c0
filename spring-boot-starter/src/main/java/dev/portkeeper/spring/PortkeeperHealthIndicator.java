package dev.portkeeper.spring;

import dev.portkeeper.ConnectionPool;
import dev.portkeeper.PoolStats;
import dev.portkeeper.budget.BudgetLevel;
import dev.portkeeper.budget.BudgetSnapshot;
import dev.portkeeper.budget.DestinationBudget;
import dev.portkeeper.budget.HostBudget;
import dev.portkeeper.budget.PortBudgetMonitor;
import dev.portkeeper.kernel.KernelRead;
import dev.portkeeper.kernel.ProcessFds;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpState;
import dev.portkeeper.kernel.TcpTable;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * The {@code portkeeper} health: the port budget as the monitor last sampled it, the pools, the
 * CLOSE_WAIT sockets this process holds and its file descriptors.
 *
 * <p>The status is the worst budget level (every destination, TIME_WAIT buckets, file
 * descriptors): OK is UP; WARN is UP with a {@code warning} detail; from {@code downAt}
 * (CRITICAL by default) it is DOWN. Without a monitor the status is UP and the details say the
 * budget is not watched. Each destination shows its use by state, its level and the forecast time
 * to exhaustion with its likely range and what fills the range (TIME_WAIT churn or a leak). The CLOSE_WAIT count reads this process's descriptors and the socket
 * tables on each call (milliseconds; tens of them with tens of thousands of sockets): put the
 * health endpoint's cache ({@code management.endpoint.health.cache.time-to-live}) in front of a
 * frequent prober.
 */
public final class PortkeeperHealthIndicator extends AbstractHealthIndicator {

    private final Supplier<BudgetSnapshot> budget;
    private final List<ConnectionPool> pools;
    private final BudgetLevel downAt;
    private final int maxDestinations;
    private final Procfs procfs;

    /**
     * @param monitor the port-budget monitor, or null if there is none
     * @param pools the pools to show
     * @param downAt the level from which the health is DOWN
     * @param maxDestinations how many destinations to list, the fullest first
     * @param procfs where to read this process's sockets
     */
    public PortkeeperHealthIndicator(PortBudgetMonitor monitor, List<ConnectionPool> pools, BudgetLevel downAt,
            int maxDestinations, Procfs procfs) {
        this(monitor == null ? null : () -> monitor.latest().orElseGet(monitor::snapshot), pools, downAt,
                maxDestinations, procfs);
    }

    /** @param budget the budget now (the monitor's latest sample), or null without a monitor */
    PortkeeperHealthIndicator(Supplier<BudgetSnapshot> budget, List<ConnectionPool> pools, BudgetLevel downAt,
            int maxDestinations, Procfs procfs) {
        super("Portkeeper health check failed");
        this.budget = budget;
        this.pools = List.copyOf(pools);
        this.downAt = Objects.requireNonNull(downAt, "downAt");
        this.maxDestinations = maxDestinations;
        this.procfs = Objects.requireNonNull(procfs, "procfs");
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        builder.up();
        Map<String, Object> pools = new LinkedHashMap<>();
        for (ConnectionPool pool : this.pools) {
            PoolStats s = pool.stats();
            pools.put(pool.name(), Map.of("active", s.active(), "idle", s.idle(), "pending", s.pending(),
                    "waiting", s.waiting(), "total", s.total(), "closed", pool.isClosed()));
        }
        builder.withDetail("pools", pools);
        closeWait(builder);
        if (this.budget == null) {
            builder.withDetail("portBudget", "not monitored (portkeeper.monitor.enabled=false)");
            return;
        }
        BudgetSnapshot snapshot = this.budget.get();
        BudgetLevel level = snapshot.level();
        builder.withDetail("level", level);
        builder.withDetail("kernelView", snapshot.kernelViewAvailable());
        snapshot.kernelUnavailableReason().ifPresent(reason -> builder.withDetail("kernelUnavailableReason", reason));
        builder.withDetail("ephemeralRange", snapshot.range().low() + "-" + snapshot.range().high());
        builder.withDetail("capacity", snapshot.capacity());
        // The snapshot lists the most pressed first (level, then share used).
        List<DestinationBudget> all = snapshot.destinations();
        builder.withDetail("destinations", all.stream().limit(this.maxDestinations).map(PortkeeperHealthIndicator::destination).toList());
        builder.withDetail("destinationCount", all.size());
        HostBudget host = snapshot.host();
        Map<String, Object> timeWait = new LinkedHashMap<>();
        host.timeWait().ifPresent(n -> timeWait.put("sockets", n));
        host.maxTimeWaitBuckets().ifPresent(n -> timeWait.put("maxBuckets", n));
        host.timeWaitOverflows().ifPresent(n -> timeWait.put("overflows", n));
        timeWait.put("level", host.timeWaitLevel());
        builder.withDetail("timeWait", timeWait);
        Map<String, Object> fds = new LinkedHashMap<>();
        host.fds().ifPresent(n -> fds.put("used", n));
        host.fdLimit().ifPresent(n -> fds.put("limit", n));
        fds.put("level", host.fdLevel());
        builder.withDetail("fileDescriptors", fds);
        if (level.compareTo(this.downAt) >= 0) {
            builder.status(Status.DOWN);
        } else if (level != BudgetLevel.OK) {
            builder.withDetail("warning", "Port budget " + level + ": " + worst(snapshot));
        }
    }

    private static String worst(BudgetSnapshot snapshot) {
        return snapshot.destinations().stream().max(Comparator.comparing(DestinationBudget::level)
                .thenComparingDouble(DestinationBudget::usedRatio)).map(String::valueOf)
                .orElseGet(() -> String.valueOf(snapshot.host()));
    }

    private static Map<String, Object> destination(DestinationBudget d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("destination", d.destination().toString());
        m.put("used", d.used());
        m.put("capacity", d.capacity());
        m.put("level", d.level());
        Map<String, Integer> states = new LinkedHashMap<>();
        d.states().forEach((state, n) -> states.put(state.name(), n));
        m.put("states", states);
        m.put("closeRate", Math.round(d.closeRate() * 10) / 10.0);
        d.heldByThisProcess().ifPresent(n -> m.put("heldByThisProcess", n));
        OptionalDouble eta = d.secondsToExhaustion();
        m.put("secondsToExhaustion", eta.isPresent() ? Math.round(eta.getAsDouble()) : null);
        d.forecast().ifPresent(f -> {
            Map<String, Object> forecast = new LinkedHashMap<>();
            forecast.put("text", f.text());
            forecast.put("lowSeconds", Math.round(f.lowSeconds()));
            forecast.put("highSeconds", Double.isInfinite(f.highSeconds()) ? null : Math.round(f.highSeconds()));
            forecast.put("growth", f.growth());
            forecast.put("curve", f.curve());
            m.put("forecast", forecast);
        });
        return m;
    }

    /** The CLOSE_WAIT sockets this process holds: each one a connection whose peer closed and this side did not. */
    private void closeWait(Health.Builder builder) {
        KernelRead<ProcessFds> fds = this.procfs.processFds();
        KernelRead<TcpTable> table = fds.isAvailable() ? this.procfs.tcpTable() : null;
        if (table == null || !table.isAvailable()) {
            builder.withDetail("closeWaitHeld", "unavailable: "
                    + (table == null ? fds : table).unavailableReason().orElse("unknown"));
            return;
        }
        ProcessFds own = fds.get();
        long held = table.get().inState(TcpState.CLOSE_WAIT).stream().filter(s -> own.ownsSocket(s.inode())).count();
        builder.withDetail("closeWaitHeld", held);
    }
}
