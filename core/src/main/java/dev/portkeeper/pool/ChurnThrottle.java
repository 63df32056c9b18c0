package dev.portkeeper.pool;

import dev.portkeeper.ChurnGuardMode;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PortBudgetSignal;
import dev.portkeeper.Ticker;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The churn guard: under port-budget pressure, one token bucket per endpoint, filled at the rate
 * the budget sustains, pays for every new connection and every retirement. A borrower that needs
 * a new connection waits for a token, or for a connection given back, whichever comes first.
 * Without pressure (or without a budget) every call returns at once. Thread-safe.
 */
final class ChurnThrottle {
    private static final Logger LOG = LoggerFactory.getLogger(ChurnThrottle.class);
    private static final long MAX_WAIT_SLICE_NANOS = 100_000_000L;
    private static final long LOG_EVERY_NANOS = 60_000_000_000L;

    /** What a borrower that needs a new connection should do. */
    enum Decision {
        /** Open it. */
        OPEN,
        /** A connection was given back meanwhile: borrow again instead of opening. */
        BORROW_AGAIN,
        /** The deadline passed with neither. */
        TIMED_OUT
    }

    private final String poolName;
    private final PortBudgetSignal signal;
    private final ChurnGuardMode mode;
    private final Ticker ticker;
    private final Map<Endpoint, Bucket> buckets = new ConcurrentHashMap<>();

    /**
     * One endpoint's tokens, guarded by itself; the returns and the waiters are also read without
     * the lock, so that giving a connection back costs no lock when nobody waits.
     */
    private static final class Bucket {
        // Empty at first: pressure is when ports are scarce, so nothing is spent before the rate allows it.
        double tokens;
        long filledAt;
        long loggedAt = Long.MIN_VALUE / 2;
        final java.util.concurrent.atomic.AtomicLong returns = new java.util.concurrent.atomic.AtomicLong();
        volatile int waiting;
    }

    ChurnThrottle(String poolName, PortBudgetSignal signal, ChurnGuardMode mode, Ticker ticker) {
        this.poolName = poolName;
        this.signal = signal;
        this.mode = signal == null ? ChurnGuardMode.OFF : mode;
        this.ticker = ticker;
    }

    boolean enabled() {
        return mode != ChurnGuardMode.OFF;
    }

    private double rate(Endpoint endpoint) {
        if (mode == ChurnGuardMode.OFF) {
            return -1;
        }
        try {
            return signal.sustainableOpenRate(endpoint);
        } catch (RuntimeException e) {
            LOG.warn("Pool {}: the port budget failed to answer for {}; the churn guard lets this one through",
                    poolName, endpoint, e);
            return -1;
        }
    }

    private Bucket bucket(Endpoint endpoint) {
        return buckets.computeIfAbsent(endpoint, e -> {
            Bucket b = new Bucket();
            b.filledAt = ticker.nanos();
            return b;
        });
    }

    /** Called with the bucket's lock held. */
    private static void fill(Bucket b, double rate, long now) {
        double burst = Math.max(1, rate);
        b.tokens = Math.min(burst, b.tokens + rate * (now - b.filledAt) / 1e9);
        b.filledAt = now;
    }

    /** @return whether the endpoint's budget is under pressure (so idle connections are kept) */
    boolean underPressure(Endpoint endpoint) {
        return mode == ChurnGuardMode.ON && rate(endpoint) >= 0;
    }

    /**
     * A connection past its lifetime may be retired only if a token pays for it; otherwise it
     * serves on. Never waits.
     *
     * @return whether to retire it
     */
    boolean tryRetire(Endpoint endpoint) {
        double rate = rate(endpoint);
        if (rate < 0) {
            return true;
        }
        Bucket b = bucket(endpoint);
        synchronized (b) {
            fill(b, rate, ticker.nanos());
            if (b.tokens >= 1) {
                b.tokens--;
                return true;
            }
            if (mode == ChurnGuardMode.LOG_ONLY) {
                logHeldBack(b, endpoint, rate, "retire an expired connection");
                return true;
            }
            return false;
        }
    }

    /**
     * Before opening a connection: wait for a token, or for a connection given back to this
     * endpoint, until {@code deadline} (a ticker reading; 0 means do not wait).
     */
    Decision beforeOpen(Endpoint endpoint, long deadline) throws InterruptedException {
        double rate = rate(endpoint);
        if (rate < 0) {
            return Decision.OPEN;
        }
        Bucket b = bucket(endpoint);
        // The wait is also bounded by the real clock, whatever the ticker does.
        long realDeadline = System.nanoTime() + Math.max(0, deadline - ticker.nanos());
        synchronized (b) {
            long returnsAtStart = b.returns.get();
            b.waiting++;
            try {
                while (true) {
                    long now = ticker.nanos();
                    fill(b, rate, now);
                    if (b.tokens >= 1) {
                        b.tokens--;
                        return Decision.OPEN;
                    }
                    if (mode == ChurnGuardMode.LOG_ONLY) {
                        logHeldBack(b, endpoint, rate, "open a connection");
                        return Decision.OPEN;
                    }
                    if (b.returns.get() != returnsAtStart) {
                        return Decision.BORROW_AGAIN;
                    }
                    long left = Math.min(deadline - now, realDeadline - System.nanoTime());
                    if (deadline == 0 || left <= 0) {
                        return Decision.TIMED_OUT;
                    }
                    long untilToken = rate > 0 ? (long) ((1 - b.tokens) / rate * 1e9) + 1 : Long.MAX_VALUE;
                    long slice = Math.min(Math.min(left, untilToken), MAX_WAIT_SLICE_NANOS);
                    b.wait(slice / 1_000_000, (int) (slice % 1_000_000));
                    // The budget may have changed while waiting.
                    rate = rate(endpoint);
                    if (rate < 0) {
                        return Decision.OPEN;
                    }
                }
            } finally {
                b.waiting--;
            }
        }
    }

    /** A connection to the endpoint went back into the pool: wake the borrowers waiting to open one. */
    void returned(Endpoint endpoint) {
        if (mode == ChurnGuardMode.OFF) {
            return;
        }
        Bucket b = buckets.get(endpoint);
        if (b != null) {
            b.returns.incrementAndGet();
            if (b.waiting > 0) {
                synchronized (b) {
                    b.notifyAll();
                }
            }
        }
    }

    private void logHeldBack(Bucket b, Endpoint endpoint, double rate, String what) {
        long now = ticker.nanos();
        if (now - b.loggedAt >= LOG_EVERY_NANOS) {
            b.loggedAt = now;
            LOG.warn("Pool {}: the port budget toward {} is under pressure and sustains {} new connections/s; the"
                    + " churn guard (LOG_ONLY) would have held back a request to {}. Set churnGuard ON to make the"
                    + " pool wait for returned connections instead of spending ports.", poolName, endpoint,
                    String.format(java.util.Locale.ROOT, "%.1f", rate), what);
        }
    }
}
