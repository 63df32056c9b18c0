package dev.portkeeper.pool;

import dev.portkeeper.CloseReason;
import dev.portkeeper.Ticker;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.EvictionConfig;
import org.apache.commons.pool2.impl.EvictionPolicy;

/**
 * Decides, on the pool's own ticker rather than Commons Pool's wall clock, whether an idle
 * connection goes: past its (jittered) lifetime, unless the churn guard holds retirements back;
 * idle too long only while more than {@code minIdlePerEndpoint} are idle for its endpoint and
 * its port budget is under no pressure.
 */
final class ConnectionEvictionPolicy implements EvictionPolicy<ManagedConnection> {
    private final Ticker ticker;
    private final long idleTimeoutNanos;
    private final int minIdle;
    private final ChurnThrottle throttle;

    ConnectionEvictionPolicy(Ticker ticker, long idleTimeoutNanos, int minIdle, ChurnThrottle throttle) {
        this.ticker = ticker;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.minIdle = minIdle;
        this.throttle = throttle;
    }

    @Override
    public boolean evict(EvictionConfig config, PooledObject<ManagedConnection> underTest, int idleCount) {
        ManagedConnection c = underTest.getObject();
        long now = ticker.nanos();
        if (c.expired(now) && throttle.tryRetire(c.endpoint())) {
            c.retire(CloseReason.EXPIRED, null);
            return true;
        }
        // Under port pressure the pool keeps what recent demand needed: closing an idle connection
        // costs a port for 60 s, and reopening it another.
        if (idleTimeoutNanos > 0 && now - c.lastReturnedAt() >= idleTimeoutNanos && idleCount > minIdle
                && !throttle.underPressure(c.endpoint())) {
            c.retire(CloseReason.IDLE, null);
            return true;
        }
        return false;
    }
}
