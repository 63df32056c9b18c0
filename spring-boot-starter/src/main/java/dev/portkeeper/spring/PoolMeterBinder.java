package dev.portkeeper.spring;

import dev.portkeeper.ConnectionClosed;
import dev.portkeeper.ConnectionInfo;
import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.LeakReport;
import dev.portkeeper.PoolListener;
import dev.portkeeper.metrics.PoolMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import org.springframework.beans.factory.ObjectProvider;

/**
 * The auto-configured pool's meters as a bean: a {@link PoolListener} (so the pool, which takes
 * every listener bean, reports its events to it) and a {@link MeterBinder} (so Boot binds it to its
 * registry). {@link PoolMetrics} cannot be that bean itself: it must be attached to the pool before
 * it is bound, and the pool is built after its listeners.
 */
public final class PoolMeterBinder implements PoolListener, MeterBinder {
    private final PoolMetrics metrics;
    private final ObjectProvider<ConnectionPool> pool;

    PoolMeterBinder(PoolMetrics metrics, ObjectProvider<ConnectionPool> pool) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    /** @return the pool's meters */
    public PoolMetrics metrics() {
        return this.metrics;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        ConnectionPool p = this.pool.getIfUnique();
        if (p != null) {
            this.metrics.attach(p).bindTo(registry);
        }
    }

    @Override
    public void connectionOpened(ConnectionInfo connection) {
        this.metrics.connectionOpened(connection);
    }

    @Override
    public void connectionClosed(ConnectionClosed event) {
        this.metrics.connectionClosed(event);
    }

    @Override
    public void connectFailed(Endpoint endpoint, IOException failure) {
        this.metrics.connectFailed(endpoint, failure);
    }

    @Override
    public void connectionBorrowed(ConnectionInfo connection, Duration waited) {
        this.metrics.connectionBorrowed(connection, waited);
    }

    @Override
    public void borrowFailed(Endpoint endpoint, Duration waited, IOException failure) {
        this.metrics.borrowFailed(endpoint, waited, failure);
    }

    @Override
    public void connectionReturned(ConnectionInfo connection, Duration held) {
        this.metrics.connectionReturned(connection, held);
    }

    @Override
    public void leakSuspected(LeakReport report) {
        this.metrics.leakSuspected(report);
    }
}
