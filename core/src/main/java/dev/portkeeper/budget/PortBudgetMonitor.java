package dev.portkeeper.budget;

import dev.portkeeper.Endpoint;
import dev.portkeeper.PoolListener;
import dev.portkeeper.PortBudget;
import dev.portkeeper.ConnectionClosed;
import dev.portkeeper.ConnectionInfo;
import java.io.IOException;
import dev.portkeeper.Ticker;
import dev.portkeeper.kernel.EphemeralRange;
import dev.portkeeper.kernel.KernelRead;
import dev.portkeeper.kernel.KernelSysctls;
import dev.portkeeper.kernel.NetStat;
import dev.portkeeper.kernel.ProcessFds;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.SockStat;
import dev.portkeeper.kernel.TcpState;
import dev.portkeeper.kernel.TcpTable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the ephemeral-port budget and warns before it runs out.
 *
 * <p>Each sample reads {@code /proc/net/sockstat} (cheap) and, when there is pressure or the
 * last read is older than {@code idleTableInterval}, the full socket tables; from them it
 * counts, per {@link Destination}, the sockets holding a local port of the range, by state,
 * against the capacity (the range, less reserved ports and ports held by listeners in it). The
 * close rate comes from the TIME_WAIT timers (how many entered TIME_WAIT within the trend
 * window) or, without the kernel view, from the ledger of the pools attached through
 * {@link #poolListener()}. A forecast of the time to exhaustion and the share used give each
 * budget a {@link BudgetLevel}; a level change is an alert (to the listeners and to the log, at
 * WARN with the numbers and the remedy when it gets worse, at INFO when it recovers).
 *
 * <pre>{@code
 * PortBudgetMonitor monitor = PortBudgetMonitor.shared();          // one per JVM, sampling
 * ConnectionPool pool = ConnectionPool.builder().listener(monitor.poolListener()).build();
 * monitor.snapshot().destinations().forEach(System.out::println);
 * }</pre>
 *
 * <p>Where procfs cannot be read (not Linux, a restricted container) it runs on the ledger
 * alone, and every snapshot says that the kernel view is unavailable and why. It never changes
 * anything on the host. Thread-safe.
 */
public final class PortBudgetMonitor implements PortBudget, AutoCloseable {
    /** How long a TIME_WAIT socket holds its port on Linux ({@code TCP_TIMEWAIT_LEN}), in seconds. */
    public static final int TIME_WAIT_SECONDS = 60;

    private static final Logger LOG = LoggerFactory.getLogger(PortBudgetMonitor.class);
    private static final String TW_BUCKETS = "tcp_max_tw_buckets";
    private static final String FDS = "file descriptors";
    private static PortBudgetMonitor shared;

    private final Procfs procfs;
    private final BudgetSettings settings;
    private final Ticker ticker;
    private final Ledger ledger;
    private final List<BudgetAlertListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<Destination, Tracked> tracked = new HashMap<>();
    private final Map<Destination, Long> pressureUntil = new java.util.concurrent.ConcurrentHashMap<>();
    private final LevelTracker timeWaitBuckets;
    private final LevelTracker fileDescriptors;
    private final int windowSeconds;
    private ScheduledExecutorService sampler;
    private volatile BudgetSnapshot latest;
    private KernelAggregate lastAggregate;
    private long lastTableAt;
    private long lastOverflows = -1;
    private long socketsAtLastTable;
    private ProcessFds lastFds;

    /** A destination's trends and level across samples. */
    private static final class Tracked {
        final Trend used;
        final Trend other;
        final LevelTracker level;
        long lastSeen;
        long exhaustionFailures;

        Tracked(long windowNanos, BudgetSettings settings) {
            used = new Trend(windowNanos);
            other = new Trend(windowNanos);
            level = new LevelTracker(settings);
        }
    }

    private PortBudgetMonitor(Builder b) {
        this.procfs = b.procfs;
        this.settings = b.settings;
        this.ticker = b.ticker;
        this.ledger = new Ledger(ticker);
        this.listeners.addAll(b.listeners);
        this.timeWaitBuckets = new LevelTracker(settings);
        this.fileDescriptors = new LevelTracker(settings);
        this.windowSeconds = (int) Math.max(1, settings.trendWindow().getSeconds());
    }

    /** @return a builder: {@link Procfs#system()}, default settings, the system ticker */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The JVM's monitor, built with the defaults and started on first use. It is never closed;
     * its sampling thread is a daemon.
     *
     * @return the shared monitor
     */
    public static synchronized PortBudgetMonitor shared() {
        if (shared == null) {
            shared = builder().build().start();
        }
        return shared;
    }

    /** Feeds the ledger: a pool attached with {@code portBudget(this)} opened a connection. */
    @Override
    public void connectionOpened(ConnectionInfo connection) {
        ledger.connectionOpened(connection);
    }

    /** Feeds the ledger: a pool attached with {@code portBudget(this)} closed a connection. */
    @Override
    public void connectionClosed(ConnectionClosed event) {
        ledger.connectionClosed(event);
    }

    /** Feeds the ledger: a pool attached with {@code portBudget(this)} failed to connect. */
    @Override
    public void connectFailed(Endpoint endpoint, IOException failure) {
        ledger.connectFailed(endpoint, failure);
    }

    /**
     * For a pool's churn guard: under pressure (the endpoint's destination at WARN or worse in the
     * latest sample, or within the trend window before it), the opens per second the free ports
     * sustain, free ports / 60 s; otherwise -1. The destination is the one the pool's last
     * connection to the endpoint went to.
     */
    @Override
    public double sustainableOpenRate(Endpoint endpoint) {
        BudgetSnapshot snapshot = latest;
        Destination d = ledger.destinationOf(endpoint);
        if (snapshot == null || d == null) {
            return -1;
        }
        for (DestinationBudget b : snapshot.destinations()) {
            if (b.destination().equals(d)) {
                // Pressure holds for a trend window after the level fell back to OK: a guard that let go
                // at once would churn straight back into the level it just left.
                Long until = pressureUntil.get(d);
                boolean pressure = b.level() != BudgetLevel.OK || until != null && ticker.nanos() - until < 0;
                return pressure ? Math.max(0, b.capacity() - b.used()) / (double) TIME_WAIT_SECONDS : -1;
            }
        }
        return -1;
    }

    /** @param listener called on every level change; see {@link BudgetAlertListener} for its contract */
    public void addAlertListener(BudgetAlertListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** @return the settings */
    public BudgetSettings settings() {
        return settings;
    }

    /**
     * Starts sampling every {@code sampleInterval} on a daemon thread. Idempotent.
     *
     * @return this
     */
    public synchronized PortBudgetMonitor start() {
        if (sampler == null) {
            sampler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "portkeeper-port-budget");
                t.setDaemon(true);
                return t;
            });
            long period = settings.sampleInterval().toMillis();
            sampler.scheduleWithFixedDelay(this::sampleQuietly, 0, period, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    private void sampleQuietly() {
        try {
            sample(false);
        } catch (RuntimeException e) {
            LOG.warn("Port budget sample failed; the next one will try again", e);
        }
    }

    /**
     * Takes a sample now, reading the full socket tables, and returns it.
     *
     * @return the budget now
     */
    public BudgetSnapshot snapshot() {
        return sample(true);
    }

    /** @return the last sample taken, by the sampler or by {@link #snapshot()} */
    public Optional<BudgetSnapshot> latest() {
        return Optional.ofNullable(latest);
    }

    /** Stops sampling. The ledger and the last snapshot stay readable. */
    @Override
    public synchronized void close() {
        if (sampler != null) {
            sampler.shutdownNow();
            sampler = null;
        }
    }

    synchronized BudgetSnapshot sample(boolean forceTable) {
        long now = ticker.nanos();
        KernelRead<KernelSysctls> sysctls = procfs.sysctls();
        EphemeralRange range = sysctls.toOptional().flatMap(KernelSysctls::ephemeralRange)
                .orElse(EphemeralRange.LINUX_DEFAULT);
        Optional<SockStat> sockstat = procfs.sockStat().toOptional();

        String kernelReason = null;
        boolean fresh = false;
        if (forceTable || lastAggregate == null || now - lastTableAt >= settings.idleTableInterval().toNanos()
                || underPressure(sockstat, range)) {
            KernelRead<TcpTable> table = procfs.tcpTable();
            if (table.isAvailable()) {
                socketsAtLastTable = sockstat.map(s -> s.tcpInUse() + s.tcpTimeWait()).orElse(0L);
                lastAggregate = KernelAggregate.of(table.get(), range, windowSeconds);
                lastTableAt = now;
                fresh = true;
                lastFds = procfs.processFds().toOptional().orElse(null);
            } else {
                kernelReason = table.unavailableReason().orElse("unknown");
                lastAggregate = null;
            }
        }
        List<Alert> alerts = new ArrayList<>();
        List<DestinationBudget> destinations;
        Map<TcpState, Integer> totals;
        int listenersInRange;
        if (lastAggregate != null) {
            destinations = fromKernel(lastAggregate, range, now, fresh, alerts);
            totals = lastAggregate.totals;
            listenersInRange = lastAggregate.listenersInRange;
        } else {
            if (kernelReason == null) {
                kernelReason = procfs.unavailableReason().orElse("socket tables not read");
            }
            destinations = fromLedger(range, now, alerts);
            totals = Map.of();
            listenersInRange = 0;
        }
        destinations.sort(Comparator.comparing(DestinationBudget::level).reversed()
                .thenComparing(Comparator.comparingDouble(DestinationBudget::usedRatio).reversed()));
        HostBudget host = host(sysctls, sockstat, alerts);
        BudgetSnapshot snapshot = new BudgetSnapshot(Instant.now(), kernelReason, range, listenersInRange, totals,
                destinations, host, sysctls.toOptional().orElse(null));
        latest = snapshot;
        for (Alert a : alerts) {
            publish(a.toAlert(snapshot.time()), a.logged);
        }
        return snapshot;
    }

    /**
     * Pressure: a level is up, or the counters show a quarter of a destination's capacity in use
     * host-wide, or a twentieth of it more than at the last full read (a load starting).
     */
    private boolean underPressure(Optional<SockStat> sockstat, EphemeralRange range) {
        if (latest != null && latest.level() != BudgetLevel.OK) {
            return true;
        }
        if (sockstat.isEmpty()) {
            return false;
        }
        long sockets = sockstat.get().tcpInUse() + sockstat.get().tcpTimeWait();
        return sockets >= range.capacity() / 4 || sockets - socketsAtLastTable >= range.capacity() / 20;
    }

    private List<DestinationBudget> fromKernel(KernelAggregate k, EphemeralRange range, long now, boolean fresh,
            List<Alert> alerts) {
        int capacity = Math.max(0, range.capacity() - k.listenersInRange);
        Set<Destination> all = new HashSet<>(k.states.keySet());
        all.addAll(ledger.entries().keySet());
        List<DestinationBudget> out = new ArrayList<>();
        for (Destination d : all) {
            Map<TcpState, Integer> states = k.states.getOrDefault(d, new EnumMap<>(TcpState.class));
            int used = 0;
            for (int n : states.values()) {
                used += n;
            }
            int timeWait = states.getOrDefault(TcpState.TIME_WAIT, 0);
            double closeRate = k.recentTimeWait.getOrDefault(d, 0) / (double) windowSeconds;
            out.add(evaluate(d, states, used, timeWait, Math.max(0, capacity - ledger.boundElsewhere(d)), closeRate,
                    now, fresh, alerts));
        }
        forget(all, now);
        return out;
    }

    private List<DestinationBudget> fromLedger(EphemeralRange range, long now, List<Alert> alerts) {
        List<DestinationBudget> out = new ArrayList<>();
        int capacity = range.capacity();
        for (Destination d : new ArrayList<>(ledger.entries().keySet())) {
            LedgerCounts c = ledger.counts(d);
            Map<TcpState, Integer> states = new EnumMap<>(TcpState.class);
            if (c.open() > 0) {
                states.put(TcpState.ESTABLISHED, c.open());
            }
            if (c.localClosesLastMinute() > 0) {
                states.put(TcpState.TIME_WAIT, c.localClosesLastMinute());
            }
            int used = c.open() + c.localClosesLastMinute();
            out.add(evaluate(d, states, used, c.localClosesLastMinute(), Math.max(0, capacity - ledger.boundElsewhere(d)),
                    ledger.closeRate(d, windowSeconds), now, true, alerts));
        }
        forget(ledger.entries().keySet(), now);
        return out;
    }

    private DestinationBudget evaluate(Destination d, Map<TcpState, Integer> states, int used, int timeWait,
            int capacity, double closeRate, long now, boolean fresh, List<Alert> alerts) {
        Tracked t = tracked.computeIfAbsent(d, k -> new Tracked(settings.trendWindow().toNanos(), settings));
        if (fresh) {
            t.used.add(now, used);
            t.other.add(now, used - timeWait);
        }
        if (used > 0) {
            t.lastSeen = now;
        }
        double trend = t.used.slopePerSecond();
        LedgerCounts ledgerCounts = ledger.counts(d);
        double seconds = Forecast.secondsToExhaustion(used, capacity, timeWait, closeRate, trend,
                t.other.slopePerSecond());
        double ratio = capacity <= 0 ? 1.0 : (double) used / capacity;
        // A connect that failed for lack of a port since the last sample is exhaustion, whatever the counts say.
        boolean failedForLackOfPorts = ledgerCounts.portExhaustionFailures() > t.exhaustionFailures;
        t.exhaustionFailures = ledgerCounts.portExhaustionFailures();
        BudgetLevel before = t.level.update(ratio, seconds, failedForLackOfPorts);
        if (t.level.level() != BudgetLevel.OK) {
            pressureUntil.put(d, now + settings.trendWindow().toNanos());
        }
        DestinationBudget budget = new DestinationBudget(d, states, used, capacity, closeRate,
                Double.isNaN(trend) ? 0 : trend, seconds, t.level.level(), ledgerCounts);
        transitions(alerts, d.toString(), d, before, t.level.level(), (from, to) -> destinationMessage(budget, from, to));
        return budget;
    }

    /** Drops the history of destinations gone quiet for a whole window at level OK. */
    private void forget(Set<Destination> present, long now) {
        long window = settings.trendWindow().toNanos();
        tracked.entrySet().removeIf(e -> !present.contains(e.getKey()) && e.getValue().level.level() == BudgetLevel.OK
                && now - e.getValue().lastSeen > window);
        pressureUntil.keySet().retainAll(tracked.keySet());
    }

    private HostBudget host(KernelRead<KernelSysctls> sysctls, Optional<SockStat> sockstat, List<Alert> alerts) {
        long tw = sockstat.map(SockStat::tcpTimeWait).orElse(-1L);
        long max = sysctls.isAvailable() ? sysctls.get().tcpMaxTwBuckets().orElse(-1) : -1;
        KernelRead<NetStat> netstat = procfs.netStat();
        long overflows = netstat.isAvailable() ? netstat.get().tcpTimeWaitOverflow().orElse(-1) : -1;
        boolean overflowing = lastOverflows >= 0 && overflows > lastOverflows;
        lastOverflows = overflows;
        if (tw >= 0 && max > 0) {
            BudgetLevel before = timeWaitBuckets.update((double) tw / max, Double.NaN, overflowing);
            transitions(alerts, TW_BUCKETS, null, before, timeWaitBuckets.level(), (from, to) -> String.format(
                    Locale.ROOT, "TIME_WAIT buckets %s%s: %,d of net.ipv4.tcp_max_tw_buckets %,d in use%s.%s",
                    to.compareTo(from) > 0 ? "" : "back to ", to, tw, max,
                    overflowing ? ", and the kernel is dropping TIME_WAIT" : "", to.compareTo(from) > 0
                            ? " Past the limit a closing socket skips TIME_WAIT (only TCPTimeWaitOverflow grows),"
                                    + " so a delayed segment can land in a new connection on the same four-tuple."
                                    + " Reduce the close rate (reuse connections) or raise tcp_max_tw_buckets."
                            : ""));
        }
        long fds = lastFds == null ? -1 : lastFds.fdCount();
        long fdLimit = lastFds == null ? -1 : lastFds.fdSoftLimit().orElse(-1);
        if (fds >= 0 && fdLimit > 0) {
            BudgetLevel before = fileDescriptors.update((double) fds / fdLimit, Double.NaN, false);
            transitions(alerts, FDS, null, before, fileDescriptors.level(), (from, to) -> String.format(Locale.ROOT,
                    "File descriptors %s%s: %,d of %,d open in this process.%s", to.compareTo(from) > 0 ? "" : "back to ",
                    to, fds, fdLimit, to.compareTo(from) > 0
                            ? " Look for connections never closed (CLOSE_WAIT, leak reports), or raise the limit"
                                    + " (ulimit -n, LimitNOFILE)."
                            : ""));
        }
        return new HostBudget(tw, max, overflows, timeWaitBuckets.level(), fds, fdLimit, fileDescriptors.level());
    }

    /**
     * The alerts for a level change. A jump up (OK to CRITICAL, as a steady load gives) raises every
     * level crossed, so that a listener waiting for WARN hears it; the log shows the last one only.
     */
    private static void transitions(List<Alert> alerts, String subject, Destination destination, BudgetLevel before,
            BudgetLevel after, BiFunction<BudgetLevel, BudgetLevel, String> message) {
        if (after.compareTo(before) > 0) {
            for (BudgetLevel from = before; from != after; ) {
                BudgetLevel to = BudgetLevel.values()[from.ordinal() + 1];
                alerts.add(new Alert(subject, destination, from, to, message.apply(from, to), to == after));
                from = to;
            }
        } else if (after != before) {
            alerts.add(new Alert(subject, destination, before, after, message.apply(before, after), true));
        }
    }

    private static String destinationMessage(DestinationBudget b, BudgetLevel before, BudgetLevel to) {
        StringBuilder sb = new StringBuilder();
        boolean raised = to.compareTo(before) > 0;
        sb.append("Port budget ").append(raised ? "" : "back to ").append(to).append(" for ")
                .append(b.destination()).append(String.format(Locale.ROOT, ": %,d of %,d ephemeral ports in use (",
                        b.used(), b.capacity()));
        String sep = "";
        for (Map.Entry<TcpState, Integer> e : b.states().entrySet()) {
            sb.append(sep).append(e.getKey()).append(' ').append(String.format(Locale.ROOT, "%,d", e.getValue()));
            sep = ", ";
        }
        sb.append(String.format(Locale.ROOT, "), %.1f closes/s by this host", b.closeRate()));
        b.secondsToExhaustion().ifPresent(s -> sb.append(String.format(Locale.ROOT, ", exhaustion forecast in %.0f s", s)));
        sb.append('.');
        if (raised) {
            sb.append(" Reuse connections to it (a pool with long-lived connections; look for code that opens a"
                    + " connection per request), widen net.ipv4.ip_local_port_range, or set net.ipv4.tcp_tw_reuse=1"
                    + " (needs tcp_timestamps; reuses a TIME_WAIT four-tuple after tcp_tw_reuse_delay).");
        }
        return sb.toString();
    }

    private void publish(BudgetAlert alert, boolean log) {
        if (log && alert.isRaised()) {
            LOG.warn(alert.message());
        } else if (log) {
            LOG.info(alert.message());
        }
        for (BudgetAlertListener l : listeners) {
            try {
                l.onAlert(alert);
            } catch (RuntimeException e) {
                LOG.warn("Port budget alert listener {} threw; ignored", l, e);
            }
        }
    }

    /** An alert found during a sample, published once the snapshot is complete. */
    private static final class Alert {
        final String subject;
        final Destination destination;
        final BudgetLevel from;
        final BudgetLevel to;
        final String message;
        final boolean logged;

        Alert(String subject, Destination destination, BudgetLevel from, BudgetLevel to, String message,
                boolean logged) {
            this.subject = subject;
            this.destination = destination;
            this.from = from;
            this.to = to;
            this.message = message;
            this.logged = logged;
        }

        BudgetAlert toAlert(Instant time) {
            return new BudgetAlert(time, subject, destination, from, to, message);
        }
    }

    /** Builds a {@link PortBudgetMonitor}. Not thread-safe. */
    public static final class Builder {
        private Procfs procfs = Procfs.system();
        private BudgetSettings settings = BudgetSettings.ofDefaults();
        private Ticker ticker = Ticker.system();
        private final List<BudgetAlertListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /** @param value where to read the kernel; default {@link Procfs#system()} @return this */
        public Builder procfs(Procfs value) {
            procfs = Objects.requireNonNull(value, "procfs");
            return this;
        }

        /** @param value thresholds and intervals; default {@link BudgetSettings#ofDefaults()} @return this */
        public Builder settings(BudgetSettings value) {
            settings = Objects.requireNonNull(value, "settings");
            return this;
        }

        /** @param value the time source for trends and the ledger; default {@link Ticker#system()} @return this */
        public Builder ticker(Ticker value) {
            ticker = Objects.requireNonNull(value, "ticker");
            return this;
        }

        /** @param value an alert listener @return this */
        public Builder alertListener(BudgetAlertListener value) {
            listeners.add(Objects.requireNonNull(value, "alertListener"));
            return this;
        }

        /** @return a monitor, not yet sampling: call {@link PortBudgetMonitor#start()} or {@link PortBudgetMonitor#snapshot()} */
        public PortBudgetMonitor build() {
            return new PortBudgetMonitor(this);
        }
    }
}
