package dev.portkeeper;

import dev.portkeeper.internal.Counts;
import dev.portkeeper.internal.Failures;
import java.io.IOException;
import java.time.Duration;

/** Makes the face's exceptions for the engine's decisions. */
final class PoolFailures implements Failures<Endpoint> {
    private final String poolName;

    PoolFailures(String poolName) {
        this.poolName = poolName;
    }

    static PoolStats stats(Counts c) {
        return new PoolStats(c.active(), c.idle(), c.pending(), c.waiting(), c.max());
    }

    @Override
    public IOException acquireTimeout(Endpoint key, long waitedNanos, Counts endpoint, Counts pool, IOException cause) {
        return new AcquireTimeoutException(key, Duration.ofNanos(waitedNanos), stats(endpoint), stats(pool), cause);
    }

    @Override
    public IOException tooManyWaiters(Endpoint key, int maxWaiters, Counts endpoint, Counts pool) {
        return new TooManyWaitersException(key, maxWaiters, stats(endpoint), stats(pool));
    }

    @Override
    public IOException poolClosed(Endpoint key) {
        return new PoolClosedException(poolName, key);
    }
}
