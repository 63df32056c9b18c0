package dev.portkeeper;

import java.time.Duration;
import java.util.Objects;

/**
 * How many connections the pool keeps, how long, and how long a borrower waits.
 *
 * <p>Immutable and thread-safe. Build with {@link #custom()} (starting from the defaults) or
 * {@link #from(PoolSettings)} (starting from another instance); every setter checks its
 * argument at once and {@link Builder#build()} checks the settings against each other.
 *
 * <table>
 *   <caption>Settings and their defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code maxPerEndpoint}</td><td>{@value #DEFAULT_MAX_PER_ENDPOINT}</td>
 *       <td>connections to one endpoint, borrowed and idle together</td></tr>
 *   <tr><td>{@code maxTotal}</td><td>{@value #DEFAULT_MAX_TOTAL}</td>
 *       <td>connections to all endpoints together; when reached, the oldest idle connections
 *       to other endpoints are closed to make room</td></tr>
 *   <tr><td>{@code minIdlePerEndpoint}</td><td>0 (off)</td>
 *       <td>idle connections kept open, per endpoint already in use, by the background task</td></tr>
 *   <tr><td>{@code acquireTimeout}</td><td>5 s</td>
 *       <td>how long {@link ConnectionPool#borrow(Endpoint)} waits for a connection when the
 *       limits are reached</td></tr>
 *   <tr><td>{@code maxWaiters}</td><td>{@value #DEFAULT_MAX_WAITERS}</td>
 *       <td>borrowers that may wait at once; one more fails at once with
 *       {@link TooManyWaitersException} instead of piling up threads</td></tr>
 *   <tr><td>{@code maxLifetime}</td><td>30 min</td>
 *       <td>a connection is retired this long after it was opened (0: never)</td></tr>
 *   <tr><td>{@code lifetimeJitter}</td><td>{@value #DEFAULT_LIFETIME_JITTER}</td>
 *       <td>each connection's lifetime is drawn uniformly from
 *       {@code [maxLifetime × (1 − jitter), maxLifetime]}, so that connections opened together
 *       do not all expire together</td></tr>
 *   <tr><td>{@code idleTimeout}</td><td>5 min</td>
 *       <td>an idle connection unused this long is closed (0: never)</td></tr>
 *   <tr><td>{@code evictionInterval}</td><td>5 s</td>
 *       <td>how often the background task checks idle connections: expiry, idleness, and a
 *       non-blocking read that notices a peer's close, so that no idle connection stays in
 *       CLOSE_WAIT longer than this</td></tr>
 *   <tr><td>{@code leakDetectionThreshold}</td><td>0 (off)</td>
 *       <td>a connection borrowed longer than this is reported once, with the stack of its
 *       borrow</td></tr>
 *   <tr><td>{@code churnGuard}</td><td>{@link ChurnGuard#ON}</td>
 *       <td>under port-budget pressure, open and retire connections no faster than the budget
 *       sustains (needs {@link ConnectionPool.Builder#portBudget(PortBudgetSignal)})</td></tr>
 * </table>
 */
public final class PoolSettings {
    /** Default of {@code maxPerEndpoint}. */
    public static final int DEFAULT_MAX_PER_ENDPOINT = 8;
    /** Upper bound of {@code maxPerEndpoint}, {@code maxTotal} and {@code maxWaiters}: more than one host's ports. */
    public static final int MAX_CONNECTIONS = 1_000_000;
    /** Default of {@code maxTotal}. */
    public static final int DEFAULT_MAX_TOTAL = 64;
    /** Default of {@code maxWaiters}. */
    public static final int DEFAULT_MAX_WAITERS = 256;
    /** Default of {@code acquireTimeout}. */
    public static final Duration DEFAULT_ACQUIRE_TIMEOUT = Duration.ofSeconds(5);
    /** Default of {@code maxLifetime}. */
    public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofMinutes(30);
    /** Default of {@code lifetimeJitter}. */
    public static final double DEFAULT_LIFETIME_JITTER = 0.1;
    /** Default of {@code idleTimeout}. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    /** Default of {@code evictionInterval}. */
    public static final Duration DEFAULT_EVICTION_INTERVAL = Duration.ofSeconds(5);

    private static final PoolSettings DEFAULTS = new Builder().build();

    private final int maxPerEndpoint;
    private final int maxTotal;
    private final int minIdlePerEndpoint;
    private final Duration acquireTimeout;
    private final int maxWaiters;
    private final Duration maxLifetime;
    private final double lifetimeJitter;
    private final Duration idleTimeout;
    private final Duration evictionInterval;
    private final Duration leakDetectionThreshold;
    private final ChurnGuard churnGuard;

    private PoolSettings(Builder b) {
        this.maxPerEndpoint = b.maxPerEndpoint;
        this.maxTotal = b.maxTotal;
        this.minIdlePerEndpoint = b.minIdlePerEndpoint;
        this.acquireTimeout = b.acquireTimeout;
        this.maxWaiters = b.maxWaiters;
        this.maxLifetime = b.maxLifetime;
        this.lifetimeJitter = b.lifetimeJitter;
        this.idleTimeout = b.idleTimeout;
        this.evictionInterval = b.evictionInterval;
        this.leakDetectionThreshold = b.leakDetectionThreshold;
        this.churnGuard = b.churnGuard;
    }

    /** @return the default settings */
    public static PoolSettings ofDefaults() {
        return DEFAULTS;
    }

    /** @return a builder holding the defaults */
    public static Builder custom() {
        return new Builder();
    }

    /**
     * @param base the settings to start from
     * @return a builder holding a copy of {@code base}
     */
    public static Builder from(PoolSettings base) {
        return new Builder(Objects.requireNonNull(base, "base"));
    }

    /** @return connections to one endpoint, borrowed and idle together */
    public int maxPerEndpoint() {
        return maxPerEndpoint;
    }

    /** @return connections to all endpoints together */
    public int maxTotal() {
        return maxTotal;
    }

    /** @return idle connections kept open per endpoint (0: off) */
    public int minIdlePerEndpoint() {
        return minIdlePerEndpoint;
    }

    /** @return how long a borrow waits when the limits are reached */
    public Duration acquireTimeout() {
        return acquireTimeout;
    }

    /** @return borrowers that may wait at once */
    public int maxWaiters() {
        return maxWaiters;
    }

    /** @return the longest a connection lives (zero: no limit) */
    public Duration maxLifetime() {
        return maxLifetime;
    }

    /** @return the fraction of {@link #maxLifetime()} by which a connection's lifetime may be shortened */
    public double lifetimeJitter() {
        return lifetimeJitter;
    }

    /** @return how long an idle connection is kept (zero: no limit) */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** @return how often the background task checks idle connections */
    public Duration evictionInterval() {
        return evictionInterval;
    }

    /** @return how long a borrow may last before it is reported as a leak (zero: off) */
    public Duration leakDetectionThreshold() {
        return leakDetectionThreshold;
    }

    /** @return what the pool does under port-budget pressure */
    public ChurnGuard churnGuard() {
        return churnGuard;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PoolSettings p && maxPerEndpoint == p.maxPerEndpoint && maxTotal == p.maxTotal
                && minIdlePerEndpoint == p.minIdlePerEndpoint && acquireTimeout.equals(p.acquireTimeout)
                && maxWaiters == p.maxWaiters && maxLifetime.equals(p.maxLifetime)
                && Double.compare(lifetimeJitter, p.lifetimeJitter) == 0 && idleTimeout.equals(p.idleTimeout)
                && evictionInterval.equals(p.evictionInterval) && leakDetectionThreshold.equals(p.leakDetectionThreshold)
                && churnGuard == p.churnGuard;
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxPerEndpoint, maxTotal, minIdlePerEndpoint, acquireTimeout, maxWaiters, maxLifetime,
                lifetimeJitter, idleTimeout, evictionInterval, leakDetectionThreshold, churnGuard);
    }

    @Override
    public String toString() {
        return "PoolSettings{maxPerEndpoint=" + maxPerEndpoint + ", maxTotal=" + maxTotal
                + ", minIdlePerEndpoint=" + minIdlePerEndpoint + ", acquireTimeout=" + acquireTimeout
                + ", maxWaiters=" + maxWaiters + ", maxLifetime=" + maxLifetime
                + ", lifetimeJitter=" + lifetimeJitter + ", idleTimeout=" + idleTimeout
                + ", evictionInterval=" + evictionInterval
                + ", leakDetectionThreshold=" + leakDetectionThreshold + ", churnGuard=" + churnGuard + '}';
    }

    /** Builds {@link PoolSettings}; each setter validates its argument. Not thread-safe. */
    public static final class Builder {
        private int maxPerEndpoint = DEFAULT_MAX_PER_ENDPOINT;
        private int maxTotal = DEFAULT_MAX_TOTAL;
        private int minIdlePerEndpoint;
        private Duration acquireTimeout = DEFAULT_ACQUIRE_TIMEOUT;
        private int maxWaiters = DEFAULT_MAX_WAITERS;
        private Duration maxLifetime = DEFAULT_MAX_LIFETIME;
        private double lifetimeJitter = DEFAULT_LIFETIME_JITTER;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration evictionInterval = DEFAULT_EVICTION_INTERVAL;
        private Duration leakDetectionThreshold = Duration.ZERO;
        private ChurnGuard churnGuard = ChurnGuard.ON;

        private Builder() {
        }

        private Builder(PoolSettings s) {
            maxPerEndpoint = s.maxPerEndpoint;
            maxTotal = s.maxTotal;
            minIdlePerEndpoint = s.minIdlePerEndpoint;
            acquireTimeout = s.acquireTimeout;
            maxWaiters = s.maxWaiters;
            maxLifetime = s.maxLifetime;
            lifetimeJitter = s.lifetimeJitter;
            idleTimeout = s.idleTimeout;
            evictionInterval = s.evictionInterval;
            leakDetectionThreshold = s.leakDetectionThreshold;
            churnGuard = s.churnGuard;
        }

        /**
         * @param value 1 to {@value #MAX_CONNECTIONS}; default {@value #DEFAULT_MAX_PER_ENDPOINT}
         * @return this
         */
        public Builder maxPerEndpoint(int value) {
            maxPerEndpoint = Checks.atMost("maxPerEndpoint", Checks.positive("maxPerEndpoint", value), MAX_CONNECTIONS);
            return this;
        }

        /**
         * @param value 1 to {@value #MAX_CONNECTIONS}; default {@value #DEFAULT_MAX_TOTAL}
         * @return this
         */
        public Builder maxTotal(int value) {
            maxTotal = Checks.atMost("maxTotal", Checks.positive("maxTotal", value), MAX_CONNECTIONS);
            return this;
        }

        /**
         * @param value 0 (off, the default) or more, at most {@code maxPerEndpoint}
         * @return this
         */
        public Builder minIdlePerEndpoint(int value) {
            minIdlePerEndpoint = Checks.notNegative("minIdlePerEndpoint", value);
            return this;
        }

        /**
         * @param value zero (do not wait) up to 1 day; default 5 s
         * @return this
         */
        public Builder acquireTimeout(Duration value) {
            acquireTimeout = Checks.atMost("acquireTimeout", Checks.notNegative("acquireTimeout", value),
                    Duration.ofDays(1), "1 day");
            return this;
        }

        /**
         * @param value 0 (never wait) to {@value #MAX_CONNECTIONS}; default {@value #DEFAULT_MAX_WAITERS}
         * @return this
         */
        public Builder maxWaiters(int value) {
            maxWaiters = Checks.atMost("maxWaiters", Checks.notNegative("maxWaiters", value), MAX_CONNECTIONS);
            return this;
        }

        /**
         * @param value zero (no limit) up to 365 days; default 30 min
         * @return this
         */
        public Builder maxLifetime(Duration value) {
            maxLifetime = Checks.atMost("maxLifetime", Checks.notNegative("maxLifetime", value), Checks.ONE_YEAR,
                    "365 days");
            return this;
        }

        /**
         * @param value from 0 (every connection lives exactly maxLifetime) to below 1; default 0.1
         * @return this
         */
        public Builder lifetimeJitter(double value) {
            if (!(value >= 0.0 && value < 1.0)) {
                throw new IllegalArgumentException("lifetimeJitter must be at least 0 and below 1: " + value);
            }
            lifetimeJitter = value;
            return this;
        }

        /**
         * @param value zero (never) up to 365 days; default 5 min
         * @return this
         */
        public Builder idleTimeout(Duration value) {
            idleTimeout = Checks.atMost("idleTimeout", Checks.notNegative("idleTimeout", value), Checks.ONE_YEAR,
                    "365 days");
            return this;
        }

        /**
         * @param value 1 ms to 1 day; default 5 s
         * @return this
         */
        public Builder evictionInterval(Duration value) {
            evictionInterval = Checks.atMost("evictionInterval", Checks.positive("evictionInterval", value),
                    Duration.ofDays(1), "1 day");
            if (evictionInterval.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException("evictionInterval must be at least 1 ms: " + value);
            }
            return this;
        }

        /**
         * @param value zero (off, the default) up to 365 days
         * @return this
         */
        public Builder leakDetectionThreshold(Duration value) {
            leakDetectionThreshold = Checks.atMost("leakDetectionThreshold",
                    Checks.notNegative("leakDetectionThreshold", value), Checks.ONE_YEAR, "365 days");
            return this;
        }

        /**
         * @param value what to do under port-budget pressure; default {@link ChurnGuard#ON}
         * @return this
         */
        public Builder churnGuard(ChurnGuard value) {
            churnGuard = Objects.requireNonNull(value, "churnGuard");
            return this;
        }

        /**
         * @return the settings
         * @throws IllegalArgumentException if the settings contradict each other
         */
        public PoolSettings build() {
            if (maxPerEndpoint > maxTotal) {
                throw new IllegalArgumentException("maxPerEndpoint (" + maxPerEndpoint
                        + ") must not exceed maxTotal (" + maxTotal + ")");
            }
            if (minIdlePerEndpoint > maxPerEndpoint) {
                throw new IllegalArgumentException("minIdlePerEndpoint (" + minIdlePerEndpoint
                        + ") must not exceed maxPerEndpoint (" + maxPerEndpoint + ")");
            }
            return new PoolSettings(this);
        }
    }

    /**
     * What a pool does when the port budget toward an endpoint is under pressure (WARN or worse).
     * Each connection this side closes holds its port for 60 s in TIME_WAIT, so the guard spends
     * ports no faster than they come back. It needs a budget:
     * {@link ConnectionPool.Builder#portBudget(PortBudget)}.
     */
    public enum ChurnGuard {
        /** No guard: the pool opens and retires connections as its settings say. */
        OFF,
        /** Log, once a minute per endpoint, what the guard would have held back; change nothing. */
        LOG_ONLY,
        /**
         * The default. Under pressure: open new connections no faster than the budget sustains (free
         * ports / 60 s), a borrow that would open one waits (within its acquire timeout) for a
         * connection given back instead; connections past their lifetime are retired no faster than
         * that either, and idle ones are not closed for idleness, so the pool keeps what recent demand
         * needed.
         */
        ON
    }
}
