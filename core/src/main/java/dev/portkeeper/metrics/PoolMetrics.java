package dev.portkeeper.metrics;

import dev.portkeeper.ConnectionClosed;
import dev.portkeeper.ConnectionInfo;
import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.LeakReport;
import dev.portkeeper.PoolListener;
import dev.portkeeper.PoolStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToDoubleFunction;

/**
 * A pool's meters ({@code portkeeper.connections.*}, see {@link PortkeeperMeter}): both the
 * {@link PoolListener} that hears the pool's events and the {@link MeterBinder} that publishes
 * them, HikariCP's shapes under Portkeeper's names.
 *
 * <pre>{@code
 * PoolMetrics metrics = new PoolMetrics(Tags.of("service", "checkout"));
 * ConnectionPool pool = ConnectionPool.builder().name("cache").listener(metrics).build();
 * metrics.attach(pool).bindTo(registry);       // before traffic: events before bindTo are not counted
 * }</pre>
 *
 * <p>Every meter has the tags given here, {@code pool} (the pool's name) and, but for the two
 * limits, {@code endpoint} ({@code host:port}). Endpoints are tagged on their first event, up to
 * {@code maxEndpoints} of them; the events of further endpoints go to {@code endpoint=other}, which
 * has counters and timers but no gauges. The meters of an endpoint are removed once it has had no
 * connection, no waiting borrower and no event over two reads of {@code portkeeper.connections.max}
 * (once per scrape): a scrape always sees its last counts first.
 *
 * <p>Bind it to one registry (a {@code CompositeMeterRegistry} to publish to several). Thread-safe;
 * the listener methods only look up and update meters.
 */
public final class PoolMetrics implements PoolListener, MeterBinder {
    /** How many endpoints get meters of their own by default. */
    public static final int DEFAULT_MAX_ENDPOINTS = 100;
    static final String OTHER = "other";

    private final Tags tags;
    private final int maxEndpoints;
    private final Map<Endpoint, EndpointMeters> endpoints = new ConcurrentHashMap<>();
    private volatile ConnectionPool pool;
    private volatile MeterRegistry registry;
    private volatile Tags poolTags;
    private EndpointMeters other;
    private int named;

    /** Meters with the {@code pool} and {@code endpoint} tags only, for up to {@value #DEFAULT_MAX_ENDPOINTS} endpoints. */
    public PoolMetrics() {
        this(Tags.empty());
    }

    /** @param tags tags added to every meter */
    public PoolMetrics(Iterable<Tag> tags) {
        this(tags, DEFAULT_MAX_ENDPOINTS);
    }

    /**
     * @param tags tags added to every meter
     * @param maxEndpoints how many endpoints get meters of their own; the rest share
     *     {@code endpoint=other}
     */
    public PoolMetrics(Iterable<Tag> tags, int maxEndpoints) {
        if (maxEndpoints < 1) {
            throw new IllegalArgumentException("maxEndpoints must be at least 1: " + maxEndpoints);
        }
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
        this.maxEndpoints = maxEndpoints;
    }

    /**
     * Tells these metrics which pool they listen to (the gauges read its state). Call it once,
     * with the pool built with {@code listener(this)}.
     *
     * @param value the pool
     * @return this
     */
    public synchronized PoolMetrics attach(ConnectionPool value) {
        Objects.requireNonNull(value, "pool");
        if (pool != null && pool != value) {
            throw new IllegalStateException("PoolMetrics is attached to pool " + pool.name()
                    + " already; make one PoolMetrics per pool");
        }
        poolTags = tags.and("pool", value.name());
        pool = value;
        return this;
    }

    @Override
    public synchronized void bindTo(MeterRegistry value) {
        Objects.requireNonNull(value, "registry");
        if (pool == null) {
            throw new IllegalStateException("attach(pool) before bindTo(registry): the gauges read the pool");
        }
        if (registry != null && registry != value) {
            throw new IllegalStateException("PoolMetrics of pool " + pool.name()
                    + " is bound to a registry already; bind a CompositeMeterRegistry to publish to several");
        }
        if (registry != null) {
            return;
        }
        ConnectionPool p = pool;
        Gauge.builder(PortkeeperMeter.CONNECTIONS_MAX.meterName(), this, m -> m.sweepAndMax()).strongReference(true)
                .description(PortkeeperMeter.CONNECTIONS_MAX.description())
                .baseUnit(PortkeeperMeter.CONNECTIONS_MAX.baseUnit()).tags(poolTags).register(value);
        Gauge.builder(PortkeeperMeter.CONNECTIONS_ENDPOINT_MAX.meterName(), p, q -> q.settings().maxPerEndpoint())
                .description(PortkeeperMeter.CONNECTIONS_ENDPOINT_MAX.description())
                .baseUnit(PortkeeperMeter.CONNECTIONS_ENDPOINT_MAX.baseUnit()).tags(poolTags).register(value);
        registry = value;
    }

    // ---------------------------------------------------------------- events

    @Override
    public void connectionOpened(ConnectionInfo connection) {
        EndpointMeters m = meters(connection.endpoint());
        if (m != null) {
            m.opened.increment();
            m.creation.record(connection.connectTime());
        }
    }

    @Override
    public void connectionClosed(ConnectionClosed event) {
        EndpointMeters m = meters(event.connection().endpoint());
        if (m != null) {
            m.closed(event.reason(), event.timeWait()).increment();
            if (event.fallback() != null) {
                m.counter(PortkeeperMeter.CONNECTIONS_CLOSE_FALLBACKS, m.fallbacks,
                        lower(event.strategy()) + "/" + lower(event.fallback()),
                        Tags.of("strategy", lower(event.strategy()), "cause", lower(event.fallback()))).increment();
            }
        }
    }

    @Override
    public void connectFailed(Endpoint endpoint, IOException failure) {
        EndpointMeters m = meters(endpoint);
        if (m != null) {
            String cause = Causes.of(failure);
            m.counter(PortkeeperMeter.CONNECTIONS_CONNECT_FAILURES, m.connectFailures, cause, Tags.of("cause", cause))
                    .increment();
        }
    }

    @Override
    public void connectionBorrowed(ConnectionInfo connection, Duration waited) {
        EndpointMeters m = meters(connection.endpoint());
        if (m != null) {
            m.acquire.record(waited);
        }
    }

    @Override
    public void borrowFailed(Endpoint endpoint, Duration waited, IOException failure) {
        EndpointMeters m = meters(endpoint);
        if (m != null) {
            String cause = Causes.of(failure);
            m.counter(PortkeeperMeter.CONNECTIONS_ACQUIRE_FAILURES, m.acquireFailures, cause, Tags.of("cause", cause))
                    .increment();
        }
    }

    @Override
    public void connectionReturned(ConnectionInfo connection, Duration held) {
        EndpointMeters m = meters(connection.endpoint());
        if (m != null) {
            m.usage.record(held);
        }
    }

    @Override
    public void leakSuspected(LeakReport report) {
        EndpointMeters m = meters(report.connection().endpoint());
        if (m != null) {
            m.leaks.increment();
        }
    }

    // ---------------------------------------------------------------- meters per endpoint

    private EndpointMeters meters(Endpoint endpoint) {
        MeterRegistry r = registry;
        if (r == null || endpoint == null) {
            return null;
        }
        EndpointMeters m = endpoints.get(endpoint);
        if (m == null) {
            m = create(endpoint, r);
        }
        m.active.set(true);
        return m;
    }

    private synchronized EndpointMeters create(Endpoint endpoint, MeterRegistry r) {
        EndpointMeters m = endpoints.get(endpoint);
        if (m != null) {
            return m;
        }
        if (named < maxEndpoints) {
            named++;
            m = new EndpointMeters(endpoint, endpoint.toString(), r);
        } else {
            if (other == null) {
                other = new EndpointMeters(null, OTHER, r);
            }
            m = other;
        }
        endpoints.put(endpoint, m);
        return m;
    }

    /** The max gauge's read: first drops the meters of endpoints gone quiet since the last read. */
    private double sweepAndMax() {
        sweep();
        return pool.settings().maxTotal();
    }

    /** Drops an endpoint's meters when it was idle, empty and without events at two sweeps in a row. */
    synchronized void sweep() {
        ConnectionPool p = pool;
        MeterRegistry r = registry;
        for (Map.Entry<Endpoint, EndpointMeters> e : endpoints.entrySet()) {
            EndpointMeters m = e.getValue();
            boolean activeSinceLast = m == other ? false : m.active.getAndSet(false);
            PoolStats s = p.stats(e.getKey());
            boolean empty = s.total() == 0 && s.waiting() == 0;
            if (m == other) {
                if (empty) {
                    endpoints.remove(e.getKey());    // it may get meters of its own when it comes back
                }
                continue;
            }
            if (!empty || activeSinceLast) {
                m.quiet = false;
            } else if (!m.quiet) {
                m.quiet = true;
            } else {
                endpoints.remove(e.getKey());
                named--;
                for (Meter meter : m.all) {
                    r.remove(meter);
                }
            }
        }
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** One endpoint's meters (or those of {@code other}), registered when it is first seen. */
    private final class EndpointMeters {
        final Tags endpointTags;
        final MeterRegistry registry;
        final List<Meter> all = new CopyOnWriteArrayList<>();
        final AtomicBoolean active = new AtomicBoolean(true);
        final Counter opened;
        final Counter leaks;
        final Timer acquire;
        final Timer creation;
        final Timer usage;
        final Counter[] closed = new Counter[ConnectionClosed.Reason.values().length * ConnectionClosed.TimeWait.values().length];
        final Map<String, Counter> fallbacks = new ConcurrentHashMap<>();
        final Map<String, Counter> connectFailures = new ConcurrentHashMap<>();
        final Map<String, Counter> acquireFailures = new ConcurrentHashMap<>();
        boolean quiet;

        EndpointMeters(Endpoint endpoint, String tagValue, MeterRegistry registry) {
            this.endpointTags = poolTags.and("endpoint", tagValue);
            this.registry = registry;
            opened = counter(PortkeeperMeter.CONNECTIONS_OPENED, Tags.empty());
            leaks = counter(PortkeeperMeter.CONNECTIONS_LEAKS, Tags.empty());
            acquire = timer(PortkeeperMeter.CONNECTIONS_ACQUIRE);
            creation = timer(PortkeeperMeter.CONNECTIONS_CREATION);
            usage = timer(PortkeeperMeter.CONNECTIONS_USAGE);
            if (endpoint != null) {
                ConnectionPool p = pool;
                gauge(PortkeeperMeter.CONNECTIONS, Tags.of("state", "active"), q -> q.stats(endpoint).active(), p);
                gauge(PortkeeperMeter.CONNECTIONS, Tags.of("state", "idle"), q -> q.stats(endpoint).idle(), p);
                gauge(PortkeeperMeter.CONNECTIONS, Tags.of("state", "pending"), q -> q.stats(endpoint).pending(), p);
                gauge(PortkeeperMeter.CONNECTIONS_WAITING, Tags.empty(), q -> q.stats(endpoint).waiting(), p);
            }
        }

        Counter closed(ConnectionClosed.Reason reason, ConnectionClosed.TimeWait timeWait) {
            int i = reason.ordinal() * ConnectionClosed.TimeWait.values().length + timeWait.ordinal();
            Counter c = closed[i];
            if (c == null) {
                // A race registers the same counter twice; Micrometer returns the one it has.
                c = counter(PortkeeperMeter.CONNECTIONS_CLOSED, Tags.of("reason", lower(reason), "time.wait",
                        lower(timeWait)));
                closed[i] = c;
            }
            return c;
        }

        Counter counter(PortkeeperMeter meter, Map<String, Counter> cache, String key, Tags extra) {
            return cache.computeIfAbsent(key, k -> counter(meter, extra));
        }

        private Counter counter(PortkeeperMeter meter, Tags extra) {
            return add(Counter.builder(meter.meterName()).description(meter.description()).baseUnit(meter.baseUnit())
                    .tags(endpointTags).tags(extra).register(registry));
        }

        private Timer timer(PortkeeperMeter meter) {
            return add(Timer.builder(meter.meterName()).description(meter.description()).tags(endpointTags)
                    .register(registry));
        }

        private void gauge(PortkeeperMeter meter, Tags extra, ToDoubleFunction<ConnectionPool> value,
                ConnectionPool p) {
            add(Gauge.builder(meter.meterName(), p, value).description(meter.description())
                    .baseUnit(meter.baseUnit()).tags(endpointTags).tags(extra).register(registry));
        }

        private <M extends Meter> M add(M meter) {
            all.add(meter);
            return meter;
        }
    }

    @Override
    public String toString() {
        return "PoolMetrics{pool=" + (pool == null ? "?" : pool.name()) + ", endpoints=" + endpoints.size() + "}";
    }
}
