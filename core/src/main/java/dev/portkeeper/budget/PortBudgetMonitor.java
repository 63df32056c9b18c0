package dev.portkeeper.budget;

import dev.portkeeper.ConnectionClosed;
import dev.portkeeper.ConnectionInfo;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PortBudget;
import dev.portkeeper.Ticker;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpState;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the ephemeral-port budget and warns before it runs out.
 *
 * <p>Each sample reads {@code /proc/net/sockstat} (cheap) and, as often as {@link TableSchedule}
 * finds needed, the full socket tables ({@link KernelReader}); from them it counts, per
 * {@link Destination}, the sockets holding a local port of the range, by state, against the
 * capacity (the range, less reserved ports and ports held by listeners in it). The flows into and
 * out of the range come from the TIME_WAIT timers (when each socket entered TIME_WAIT) or,
 * without the kernel view, from the ledger of the pools attached to it. {@link DestinationModels}
 * forecasts the time to exhaustion with {@link ExhaustionModel} and gives each budget a
 * {@link BudgetLevel}; a level change is an alert ({@link AlertDispatcher}: to the listeners and
 * to the log, at WARN with the numbers and the remedy when it gets worse, at INFO when it
 * recovers). The churn guard's signal comes from {@link GuardSignal}.
 *
 * <pre>{@code
 * PortBudgetMonitor monitor = PortBudgetMonitor.shared();          // one per JVM, sampling
 * ConnectionPool pool = ConnectionPool.builder().portBudget(monitor).build();
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
    private static PortBudgetMonitor shared;

    private final Procfs procfs;
    private final BudgetSettings settings;
    private final Ticker ticker;
    private final Ledger ledger;
    private final KernelReader kernel;
    private final DestinationModels models;
    private final HostLimits hostLimits;
    private final AlertDispatcher alerts;
    private final GuardSignal guard;
    private final int windowSeconds;
    private ScheduledExecutorService sampler;
    private volatile BudgetSnapshot latest;
    private boolean sampleFailureLogged;

    private PortBudgetMonitor(Builder b) {
        this.procfs = b.procfs;
        this.settings = b.settings;
        this.ticker = b.ticker;
        this.ledger = new Ledger(ticker);
        this.kernel = new KernelReader(procfs, settings);
        this.models = new DestinationModels(settings);
        this.hostLimits = new HostLimits(settings);
        this.alerts = new AlertDispatcher(b.listeners);
        this.guard = new GuardSignal(settings);
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
        ledger.opened(connection);
    }

    /** Feeds the ledger: a pool attached with {@code portBudget(this)} closed a connection; where its TIME_WAIT landed. */
    @Override
    public void connectionClosed(ConnectionClosed event) {
        ConnectionClosed.TimeWait side = event.timeWait();
        ledger.closed(event.connection(), side == ConnectionClosed.TimeWait.LOCAL ? Ledger.TimeWaitSide.LOCAL
                : side == ConnectionClosed.TimeWait.PEER ? Ledger.TimeWaitSide.PEER : Ledger.TimeWaitSide.NONE);
    }

    /** Feeds the ledger: a pool's connect failed; for lack of a local port, the destination is EXHAUSTED. */
    @Override
    public void connectFailed(Endpoint endpoint, IOException failure) {
        ledger.failed(endpoint, failure);
    }

    /**
     * For a pool's churn guard: while the endpoint's destination is held (see {@link GuardSignal}:
     * above OK, or its open rate × 60 s plus the ports in use exceeds the capacity, until the rate
     * has fallen for a trend window), the opens per second the range sustains; otherwise -1. The
     * destination is the one the pool's last connection to the endpoint went to.
     */
    @Override
    public double sustainableOpenRate(Endpoint endpoint) {
        return guard.rate(ledger.destinationOf(endpoint));
    }

    /** @param listener called on every level change; see {@link BudgetAlertListener} for its contract */
    public void addAlertListener(BudgetAlertListener listener) {
        alerts.add(listener);
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

    /** A scheduled task that throws is never run again: whatever a sample throws, the next one runs. */
    private void sampleQuietly() {
        try {
            sample(false);
        } catch (Throwable t) { // NOPMD: the sampler must outlive any one sample
            if (!sampleFailureLogged) {
                sampleFailureLogged = true;
                LOG.warn("Port budget sample failed; the next one will try again", t);
            } else {
                LOG.debug("Port budget sample failed again: {}", t.toString());
            }
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

    /**
     * Takes a sample now as the sampler does: the counters, and the full socket tables only as
     * often as {@link TableSchedule} allows (so that a caller sampling every second at scale costs
     * what the sampler costs, not a full read each time). For a tool that samples on its own clock.
     *
     * @return the budget now, from the counters and the last full read
     */
    public BudgetSnapshot sample() {
        return sample(false);
    }

    /** @return the last sample taken, by the sampler, by {@link #sample()} or by {@link #snapshot()} */
    public Optional<BudgetSnapshot> latest() {
        return Optional.ofNullable(latest);
    }

    /** @return the destinations the ledger holds now (its memory; idle ones are dropped after two minutes) */
    public int ledgerSize() {
        return ledger.size();
    }

    /** @return the counts of the destinations the ledger dropped, summed */
    public LedgerCounts retiredLedgerCounts() {
        return ledger.retired();
    }

    /** @return CPU nanoseconds the last read of the full socket tables took (elapsed, where the CPU time is unknown) */
    public long lastTableReadNanos() {
        return kernel.lastTableCostNanos();
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
        ledger.prune();
        BudgetSnapshot before = latest;
        KernelReader.Reading k = kernel.read(now, forceTable, urgent(before), pressure(before));
        List<AlertDispatcher.Pending> pending = new ArrayList<>();
        List<DestinationModels.Evaluation> evaluations = k.aggregate() != null ? fromKernel(k, now, pending)
                : fromLedger(k, now, pending);
        List<DestinationBudget> destinations = new ArrayList<>(evaluations.size());
        for (DestinationModels.Evaluation e : evaluations) {
            destinations.add(e.budget());
            guard.update(e.budget(), e.rate(), now);
        }
        guard.retain(models.trackedDestinations());
        destinations.sort(Comparator.comparing(DestinationBudget::level).reversed()
                .thenComparing(Comparator.comparingDouble(DestinationBudget::usedRatio).reversed()));
        HostBudget host = hostLimits.evaluate(k.sysctls(), k.sockstat(), k.netstat(), k.fds(), pending);
        BudgetSnapshot snapshot = new BudgetSnapshot(Instant.now(), Optional.ofNullable(k.unavailableReason()),
                k.range(), k.aggregate() == null ? 0 : k.aggregate().listenersInRange,
                k.aggregate() == null ? Map.of() : k.aggregate().totals, destinations, host,
                Optional.ofNullable(k.sysctls()), k.aggregate() == null ? 0 : k.aggregate().skippedLines);
        latest = snapshot;
        alerts.publish(pending, snapshot.time());
        return snapshot;
    }

    private boolean urgent(BudgetSnapshot s) {
        if (s == null) {
            return false;
        }
        double horizon = settings.criticalHorizon().toMillis() / 1000.0;
        for (DestinationBudget d : s.destinations()) {
            // A high but stable share used is pressure, not urgency: only a forecast or exhaustion is.
            if (d.level() == BudgetLevel.EXHAUSTED || d.forecast().filter(f -> f.seconds() <= horizon).isPresent()) {
                return true;
            }
        }
        return false;
    }

    private static boolean pressure(BudgetSnapshot s) {
        if (s == null) {
            return false;
        }
        for (DestinationBudget d : s.destinations()) {
            if (d.level() != BudgetLevel.OK || d.forecast().isPresent()) {
                return true;
            }
        }
        return false;
    }

    private List<DestinationModels.Evaluation> fromKernel(KernelReader.Reading k, long now,
            List<AlertDispatcher.Pending> pending) {
        KernelAggregate a = k.aggregate();
        int capacity = Math.max(0, k.range().capacity() - a.listenersInRange);
        Set<Destination> all = new HashSet<>(a.states.keySet());
        all.addAll(ledger.entries().keySet());
        List<DestinationModels.Evaluation> out = new ArrayList<>(all.size());
        for (Destination d : all) {
            Map<TcpState, Integer> states = a.states.getOrDefault(d, new EnumMap<>(TcpState.class));
            int[] byAge = a.timeWaitByAge(d);
            int recent = 0;
            for (int i = 0; i < Math.min(windowSeconds, byAge.length); i++) {
                recent += byAge[i];
            }
            OptionalInt held = a.ownershipKnown ? OptionalInt.of(a.heldHere.getOrDefault(d, 0)) : OptionalInt.empty();
            out.add(models.evaluate(new DestinationModels.Seen(d, states,
                    Math.max(0, capacity - ledger.boundElsewhere(d)), recent / (double) windowSeconds, byAge, held,
                    ledger.counts(d), k.fresh()), now, pending));
        }
        models.forget(all, now);
        return out;
    }

    private List<DestinationModels.Evaluation> fromLedger(KernelReader.Reading k, long now,
            List<AlertDispatcher.Pending> pending) {
        List<DestinationModels.Evaluation> out = new ArrayList<>();
        int capacity = k.range().capacity();
        Set<Destination> all = new HashSet<>(ledger.entries().keySet());
        for (Destination d : all) {
            LedgerCounts c = ledger.counts(d);
            Map<TcpState, Integer> states = new EnumMap<>(TcpState.class);
            if (c.open() > 0) {
                states.put(TcpState.ESTABLISHED, c.open());
            }
            if (c.localClosesLastMinute() > 0) {
                states.put(TcpState.TIME_WAIT, c.localClosesLastMinute());
            }
            out.add(models.evaluate(new DestinationModels.Seen(d, states,
                    Math.max(0, capacity - ledger.boundElsewhere(d)), ledger.closeRate(d, windowSeconds),
                    ledger.localClosesByAge(d), OptionalInt.empty(), c, true), now, pending));
        }
        models.forget(all, now);
        return out;
    }

    /** Builds a {@link PortBudgetMonitor}. Not thread-safe. */
    public static final class Builder {
        private Procfs procfs = Procfs.system();
        private BudgetSettings settings = BudgetSettings.ofDefaults();
        private Ticker ticker = Ticker.system();
        private final List<BudgetAlertListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /**
         * @param value where to read the kernel; default {@link Procfs#system()}
         * @return this
         */
        public Builder procfs(Procfs value) {
            procfs = Objects.requireNonNull(value, "procfs");
            return this;
        }

        /**
         * @param value thresholds and intervals; default {@link BudgetSettings#ofDefaults()}
         * @return this
         */
        public Builder settings(BudgetSettings value) {
            settings = Objects.requireNonNull(value, "settings");
            return this;
        }

        /**
         * @param value the time source for trends and the ledger; default {@link Ticker#system()}
         * @return this
         */
        public Builder ticker(Ticker value) {
            ticker = Objects.requireNonNull(value, "ticker");
            return this;
        }

        /**
         * @param value an alert listener
         * @return this
         */
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
