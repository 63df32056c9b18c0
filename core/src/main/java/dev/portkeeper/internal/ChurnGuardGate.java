package dev.portkeeper.internal;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The churn guard: under port-budget pressure, one token bucket per endpoint, filled at the rate
 * the budget sustains, pays for every connection the engine opens and every one it retires or
 * closes to make room. It never waits: the engine asks, and a borrower that is refused waits for
 * a connection given back or for the next token, within its own deadline. Without pressure (or
 * without a budget) every call answers at once. Thread-safe.
 *
 * @param <K> the key type
 */
final class ChurnGuardGate<K> {
    private static final Logger LOG = LoggerFactory.getLogger(ChurnGuardGate.class);
    private static final long LOG_EVERY_NANOS = 60_000_000_000L;
    /** A refused borrower looks again at least this often: the budget's answer may change. */
    static final long MAX_WAIT_NANOS = 100_000_000L;

    private final String poolName;
    private final ToDoubleFunction<K> signal;
    private final GuardMode mode;
    private final LongSupplier ticker;
    private final Map<K, Bucket> buckets = new ConcurrentHashMap<>();

    /** One endpoint's tokens, guarded by itself. */
    private static final class Bucket {
        // Empty at first: pressure is when ports are scarce, so nothing is spent before the rate allows it.
        double tokens;
        long filledAt;
        long loggedAt = Long.MIN_VALUE / 2;
    }

    ChurnGuardGate(String poolName, ToDoubleFunction<K> signal, GuardMode mode, LongSupplier ticker) {
        this.poolName = poolName;
        this.signal = signal;
        this.mode = signal == null ? GuardMode.OFF : mode;
        this.ticker = ticker;
    }

    boolean enabled() {
        return mode != GuardMode.OFF;
    }

    private double rate(K key) {
        if (mode == GuardMode.OFF) {
            return -1;
        }
        try {
            return signal.applyAsDouble(key);
        } catch (RuntimeException e) {
            LOG.warn("Pool {}: the port budget failed to answer for {}; the churn guard lets this one through",
                    poolName, key, e);
            return -1;
        }
    }

    /** @return whether the endpoint's budget is under pressure, so that idle connections are kept */
    boolean underPressure(K key) {
        return mode == GuardMode.ON && rate(key) >= 0;
    }

    /**
     * Asks to spend a port on the endpoint: to open a connection, or to retire or close one (whose
     * TIME_WAIT holds a port 60 s, and whose replacement will cost another).
     *
     * @param key the endpoint
     * @param what for the LOG_ONLY line: what would have been held back
     * @return 0 if allowed now (a token is taken); otherwise how many nanoseconds until the next
     *     token, at most {@link #MAX_WAIT_NANOS}
     */
    long trySpend(K key, String what) {
        double rate = rate(key);
        if (rate < 0) {
            return 0;
        }
        Bucket b = buckets.computeIfAbsent(key, k -> {
            Bucket n = new Bucket();
            n.filledAt = ticker.getAsLong();
            return n;
        });
        synchronized (b) {
            long now = ticker.getAsLong();
            double burst = Math.max(1, rate);
            b.tokens = Math.min(burst, b.tokens + rate * Math.max(0, now - b.filledAt) / 1e9);
            b.filledAt = now;
            if (b.tokens >= 1) {
                b.tokens--;
                return 0;
            }
            if (mode == GuardMode.LOG_ONLY) {
                if (now - b.loggedAt >= LOG_EVERY_NANOS) {
                    b.loggedAt = now;
                    LOG.warn("Pool {}: the port budget toward {} is under pressure and sustains {} new connections/s;"
                            + " the churn guard (LOG_ONLY) would have held back a request to {}. Set churnGuard ON to"
                            + " make the pool wait for returned connections instead of spending ports.", poolName, key,
                            String.format(Locale.ROOT, "%.1f", rate), what);
                }
                return 0;
            }
            long untilToken = rate > 0 ? (long) ((1 - b.tokens) / rate * 1e9) + 1 : MAX_WAIT_NANOS;
            return Math.max(1, Math.min(untilToken, MAX_WAIT_NANOS));
        }
    }

    /** @return whether an expired (or idle, or room-making) connection may be closed now; never waits */
    boolean tryRetire(K key, String what) {
        return trySpend(key, what) == 0;
    }

    /** Forgets an endpoint that left the pool. */
    void forget(K key) {
        buckets.remove(key);
    }
}
