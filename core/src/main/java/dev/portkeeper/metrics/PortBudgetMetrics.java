package dev.portkeeper.metrics;

import dev.portkeeper.budget.BudgetSnapshot;
import dev.portkeeper.budget.PortBudgetMonitor;
import dev.portkeeper.kernel.Procfs;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The port budget's meters ({@code portkeeper.ports.*}, {@code portkeeper.close.wait},
 * {@code portkeeper.fds.*}, {@code portkeeper.time.wait.*}; see {@link PortkeeperMeter}), from a
 * {@link PortBudgetMonitor}.
 *
 * <pre>{@code
 * new PortBudgetMetrics(PortBudgetMonitor.shared()).bindTo(registry);
 * }</pre>
 *
 * <ul>
 *   <li><b>One sample feeds every gauge</b>: the first gauge read after {@code maxAge} (default
 *       2 s) takes the monitor's latest sample if it is younger than that (a started monitor
 *       samples every second, so a scrape reads nothing more), else a new one taken as the
 *       monitor's sampler would ({@link PortBudgetMonitor#sample()}: the counters, and the full
 *       socket tables as often as its schedule allows); the other gauges of the scrape reuse it.</li>
 *   <li><b>Never an exception in a scrape</b>: a sample that fails gives NaN on every gauge (logged
 *       once until one succeeds again); values the kernel does not give (no procfs, an unlimited
 *       fd limit) are NaN. Without the kernel view the destinations come from the pools' ledger,
 *       as in the monitor, and {@code portkeeper.ports.kernel.view} is 0.</li>
 *   <li><b>Bounded tags</b>: {@code destination} is {@code host:port} (summed over local addresses),
 *       for the {@code topDestinations} most pressed (level, then share used; default 20), and
 *       {@code other} for the sum of the rest. A destination's meters are registered when it
 *       enters the top and removed when it leaves it, so at most
 *       {@code 8 * (topDestinations + 1) + 7} meters exist, however many hosts this process talks
 *       to. Meters registered during a scrape show from the next one.</li>
 *   <li><b>CLOSE_WAIT held by this process</b>: the sample's CLOSE_WAIT sockets whose inode is one
 *       of this process's descriptors; the socket table is read a second time for it, only when the
 *       sample shows CLOSE_WAIT sockets at all.</li>
 * </ul>
 *
 * <p>Bind it to one registry (a {@code CompositeMeterRegistry} to publish to several). Thread-safe.
 */
public final class PortBudgetMetrics implements MeterBinder {
    /** How many destinations get meters of their own by default. */
    public static final int DEFAULT_TOP_DESTINATIONS = 20;
    /** How long one sample serves the gauges by default. */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(2);
    /** Meters per destination: used by 4 states, capacity, close rate, exhaustion ETA, level. */
    static final int METERS_PER_DESTINATION = 8;
    /** Meters of the host: kernel view, CLOSE_WAIT, fds open and max, time-wait, its max, overflows. */
    static final int HOST_METERS = 7;
    private static final Logger LOG = LoggerFactory.getLogger(PortBudgetMetrics.class);

    private final Supplier<BudgetView> source;
    private final Tags tags;
    private final long maxAgeNanos;
    private final LongSupplier nanoClock;
    private final Map<String, List<Meter>> destinationMeters = new HashMap<>();
    private volatile BudgetView view;
    private volatile long viewAt;
    private boolean failing;
    private MeterRegistry registry;

    /** @param monitor the monitor to publish; default tags, top 20 destinations, samples at most 2 s old */
    public PortBudgetMetrics(PortBudgetMonitor monitor) {
        this(monitor, Tags.empty());
    }

    /**
     * @param monitor the monitor to publish
     * @param tags tags added to every meter
     */
    public PortBudgetMetrics(PortBudgetMonitor monitor, Iterable<Tag> tags) {
        this(monitor, tags, DEFAULT_TOP_DESTINATIONS, DEFAULT_MAX_AGE, Procfs.system());
    }

    /**
     * @param monitor the monitor to publish
     * @param tags tags added to every meter
     * @param topDestinations how many destinations get meters of their own (the rest are {@code other})
     * @param maxAge how long one sample serves the gauges
     * @param procfs where to read this process's descriptors and the socket table for the
     *     CLOSE_WAIT sockets it holds: the monitor's procfs
     */
    public PortBudgetMetrics(PortBudgetMonitor monitor, Iterable<Tag> tags, int topDestinations, Duration maxAge,
            Procfs procfs) {
        this(source(Objects.requireNonNull(monitor, "monitor"), Objects.requireNonNull(procfs, "procfs"),
                checkTop(topDestinations), checkAge(maxAge)), tags, maxAge, System::nanoTime);
    }

    /** For tests: the view from anywhere, time from a hand-moved clock. */
    PortBudgetMetrics(Supplier<BudgetView> source, Iterable<Tag> tags, Duration maxAge, LongSupplier nanoClock) {
        this.source = source;
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
        this.maxAgeNanos = checkAge(maxAge).toNanos();
        this.nanoClock = nanoClock;
    }

    private static int checkTop(int top) {
        if (top < 1) {
            throw new IllegalArgumentException("topDestinations must be at least 1: " + top);
        }
        return top;
    }

    private static Duration checkAge(Duration maxAge) {
        if (Objects.requireNonNull(maxAge, "maxAge").isNegative()) {
            throw new IllegalArgumentException("maxAge must not be negative: " + maxAge);
        }
        return maxAge;
    }

    static Supplier<BudgetView> source(PortBudgetMonitor monitor, Procfs procfs, int top, Duration maxAge) {
        return () -> {
            Instant oldest = Instant.now().minus(maxAge);
            // The monitor's own cadence: its latest sample, or one taken as its sampler would (counters,
            // and the full tables only as often as its schedule allows).
            BudgetSnapshot s = monitor.latest().filter(l -> l.time().isAfter(oldest)).orElseGet(monitor::sample);
            return BudgetView.of(s, BudgetView.closeWaitHeld(s, procfs), top);
        };
    }

    @Override
    public synchronized void bindTo(MeterRegistry value) {
        Objects.requireNonNull(value, "registry");
        if (registry != null) {
            if (registry != value) {
                throw new IllegalStateException("PortBudgetMetrics is bound to a registry already;"
                        + " bind a CompositeMeterRegistry to publish to several");
            }
            return;
        }
        registry = value;
        hostGauge(PortkeeperMeter.PORTS_KERNEL_VIEW, BudgetView::kernelView);
        hostGauge(PortkeeperMeter.CLOSE_WAIT, BudgetView::closeWait);
        hostGauge(PortkeeperMeter.FDS_OPEN, BudgetView::fds);
        hostGauge(PortkeeperMeter.FDS_MAX, BudgetView::fdMax);
        hostGauge(PortkeeperMeter.TIME_WAIT, BudgetView::timeWait);
        hostGauge(PortkeeperMeter.TIME_WAIT_MAX, BudgetView::timeWaitMax);
        PortkeeperMeter overflows = PortkeeperMeter.TIME_WAIT_OVERFLOWS;
        FunctionCounter.builder(overflows.meterName(), this, m -> m.view().timeWaitOverflows())
                .description(overflows.description()).tags(tags).register(value);
        refresh(nanoClock.getAsLong());    // the destinations' meters exist at the first scrape
    }

    /** The sample the gauges read: the cached one, or a new one once it is older than maxAge. */
    BudgetView view() {
        long now = nanoClock.getAsLong();
        BudgetView v = view;
        if (v != null && now - viewAt < maxAgeNanos) {
            return v;
        }
        return refresh(now);
    }

    private synchronized BudgetView refresh(long now) {
        if (view != null && now - viewAt < maxAgeNanos) {
            return view;
        }
        BudgetView v;
        try {
            v = source.get();
            if (failing) {
                LOG.info("Port budget sample for metrics works again");
                failing = false;
            }
        } catch (RuntimeException e) {
            if (!failing) {
                LOG.warn("Port budget sample for metrics failed; its gauges show NaN until one succeeds", e);
                failing = true;
            }
            v = BudgetView.FAILED;
        }
        view = v;
        viewAt = now;
        if (!v.failed()) {
            reconcile(v);
        }
        return v;
    }

    /** Registers the meters of destinations new in the top, removes those of destinations that left it. */
    private void reconcile(BudgetView v) {
        MeterRegistry r = registry;
        if (r == null) {
            return;
        }
        destinationMeters.entrySet().removeIf(e -> {
            if (v.destinations().containsKey(e.getKey())) {
                return false;
            }
            e.getValue().forEach(r::remove);
            return true;
        });
        for (String d : v.destinations().keySet()) {
            destinationMeters.computeIfAbsent(d, k -> register(k, r));
        }
    }

    private List<Meter> register(String destination, MeterRegistry r) {
        Tags t = tags.and("destination", destination);
        List<Meter> meters = new ArrayList<>(METERS_PER_DESTINATION);
        PortkeeperMeter used = PortkeeperMeter.PORTS_USED;
        meters.add(gauge(used, t.and("state", "established"), destination, BudgetView.Row::established, r));
        meters.add(gauge(used, t.and("state", "time_wait"), destination, BudgetView.Row::timeWait, r));
        meters.add(gauge(used, t.and("state", "close_wait"), destination, BudgetView.Row::closeWait, r));
        meters.add(gauge(used, t.and("state", "other"), destination, BudgetView.Row::other, r));
        meters.add(gauge(PortkeeperMeter.PORTS_CAPACITY, t, destination, BudgetView.Row::capacity, r));
        meters.add(gauge(PortkeeperMeter.PORTS_CLOSE_RATE, t, destination, BudgetView.Row::closeRate, r));
        meters.add(gauge(PortkeeperMeter.PORTS_LEVEL, t, destination, row -> row.level(), r));
        PortkeeperMeter eta = PortkeeperMeter.PORTS_EXHAUSTION_ETA;
        meters.add(TimeGauge.builder(eta.meterName(), this, TimeUnit.SECONDS,
                m -> m.destinationValue(destination, BudgetView.Row::eta))
                .description(eta.description()).tags(t).strongReference(true).register(r));
        return meters;
    }

    private Gauge gauge(PortkeeperMeter meter, Tags t, String destination, ToDoubleFunction<BudgetView.Row> value,
            MeterRegistry r) {
        return Gauge.builder(meter.meterName(), this, m -> m.destinationValue(destination, value))
                .description(meter.description()).baseUnit(meter.baseUnit()).tags(t).strongReference(true).register(r);
    }

    private double destinationValue(String destination, ToDoubleFunction<BudgetView.Row> value) {
        BudgetView v = view();
        BudgetView.Row row = v.failed() ? null : v.destinations().get(destination);
        return row == null ? Double.NaN : value.applyAsDouble(row);
    }

    private void hostGauge(PortkeeperMeter meter, ToDoubleFunction<BudgetView> value) {
        // Held strongly: a binder bound and forgotten ("new PortBudgetMetrics(m).bindTo(r)") must keep working.
        Gauge.builder(meter.meterName(), this, m -> value.applyAsDouble(m.view())).description(meter.description())
                .baseUnit(meter.baseUnit()).tags(tags).strongReference(true).register(registry);
    }

    @Override
    public String toString() {
        return "PortBudgetMetrics{destinations=" + destinationMeters.keySet() + "}";
    }
}
