package dev.portkeeper.pool;

import dev.portkeeper.CloseReason;
import dev.portkeeper.Ticker;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.EvictionConfig;
import org.apache.commons.pool2.impl.EvictionPolicy;

/**
 * Decides, on the pool's own ticker rather than Commons Pool's wall clock, whether an idle
 * connection goes: past its (jittered) lifetime always; idle too long only while more than
 * {@code minIdlePerEndpoint} are idle for its endpoint.
 */
final class ConnectionEvictionPolicy implements EvictionPolicy<ManagedConnection> {
    private final Ticker ticker;
    private final long idleTimeoutNanos;
    private final int minIdle;

    ConnectionEvictionPolicy(Ticker ticker, long idleTimeoutNanos, int minIdle) {
        this.ticker = ticker;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.minIdle = minIdle;
    }

    @Override
    public boolean evict(EvictionConfig config, PooledObject<ManagedConnection> underTest, int idleCount) {
        ManagedConnection c = underTest.getObject();
        long now = ticker.nanos();
        if (c.expired(now)) {
            c.retire(CloseReason.EXPIRED, null);
            return true;
        }
        if (idleTimeoutNanos > 0 && now - c.lastReturnedAt() >= idleTimeoutNanos && idleCount > minIdle) {
            c.retire(CloseReason.IDLE, null);
            return true;
        }
        return false;
    }
}
