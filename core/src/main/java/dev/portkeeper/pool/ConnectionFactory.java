package dev.portkeeper.pool;

import dev.portkeeper.ClosePolicy;
import dev.portkeeper.CloseReason;
import dev.portkeeper.ClosedBy;
import dev.portkeeper.ConnectFailedException;
import dev.portkeeper.PortkeeperException;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.Ticker;
import dev.portkeeper.net.SocketConnector;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.commons.pool2.BaseKeyedPooledObjectFactory;
import org.apache.commons.pool2.DestroyMode;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens, checks and closes pooled connections for Commons Pool, and tells the listeners.
 *
 * <p>The check (on every borrow and on every idle connection in the background) is a
 * non-blocking one-byte read: nothing to read is healthy; an end of stream means the peer closed
 * it, and closing it now keeps it out of CLOSE_WAIT; bytes waiting mean the protocol is out of
 * step. A connection never lent yet may carry a greeting from the server, so bytes on it are
 * left for the borrower.
 *
 * <p>Each connection gets its endpoint's {@link ClosePolicy} when it is opened; closing is the
 * {@link ConnectionCloser}'s.
 */
final class ConnectionFactory extends BaseKeyedPooledObjectFactory<Endpoint, ManagedConnection> {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionFactory.class);

    private final String poolName;
    private final SocketConnector connector;
    private final Ticker ticker;
    private final long maxLifetimeNanos;
    private final double lifetimeJitter;
    private final ListenerChain listeners;
    private final BooleanSupplier poolClosing;
    private final ClosePolicy closePolicy;
    private final Map<Endpoint, ClosePolicy> closePolicies;
    private final ConnectionCloser closer;
    private final ChurnThrottle throttle;
    private final AtomicLong ids = new AtomicLong();

    ConnectionFactory(String poolName, PoolSettings settings, SocketConnector connector, Ticker ticker,
            ListenerChain listeners, BooleanSupplier poolClosing, ClosePolicy closePolicy,
            Map<Endpoint, ClosePolicy> closePolicies, ConnectionCloser closer, ChurnThrottle throttle) {
        this.poolName = poolName;
        this.connector = connector;
        this.ticker = ticker;
        this.maxLifetimeNanos = settings.maxLifetime().isZero() ? Long.MAX_VALUE : settings.maxLifetime().toNanos();
        this.lifetimeJitter = settings.lifetimeJitter();
        this.listeners = listeners;
        this.poolClosing = poolClosing;
        this.closePolicy = closePolicy;
        this.closePolicies = closePolicies;
        this.closer = closer;
        this.throttle = throttle;
    }

    @Override
    public ManagedConnection create(Endpoint endpoint) throws PortkeeperException, InterruptedException {
        switch (throttle.beforeOpen(endpoint, BorrowDeadline.get())) {
            case BORROW_AGAIN:
                throw BorrowAgain.INSTANCE;
            case TIMED_OUT:
                throw ChurnTimeout.INSTANCE;
            default:
                break;
        }
        SocketChannel channel;
        try {
            channel = connector.connect(endpoint);
        } catch (PortkeeperException e) {
            listeners.connectFailed(endpoint, e);
            throw e;
        }
        long now = ticker.nanos();
        ManagedConnection c;
        try {
            c = new ManagedConnection(ids.incrementAndGet(), endpoint, channel, now, drawLifetime(),
                    connector.policy().localAddress().isPresent(),
                    closePolicies.getOrDefault(endpoint, closePolicy));
        } catch (IOException e) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // reporting the first failure matters more
            }
            ConnectFailedException failure = new ConnectFailedException(endpoint, connector.policy().connectTimeout(), e);
            listeners.connectFailed(endpoint, failure);
            throw failure;
        }
        LOG.debug("Pool {}: opened {}", poolName, c);
        if (!listeners.isEmpty()) {
            listeners.opened(c.info(poolName, now));
        }
        return c;
    }

    /** Spreads expiries over [max × (1 − jitter), max] so that a burst of opens does not expire as a burst. */
    long drawLifetime() {
        if (maxLifetimeNanos == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        long spread = (long) (maxLifetimeNanos * lifetimeJitter);
        return spread <= 0 ? maxLifetimeNanos : maxLifetimeNanos - ThreadLocalRandom.current().nextLong(spread + 1);
    }

    @Override
    public PooledObject<ManagedConnection> wrap(ManagedConnection connection) {
        return new DefaultPooledObject<>(connection);
    }

    @Override
    public boolean validateObject(Endpoint endpoint, PooledObject<ManagedConnection> pooled) {
        ManagedConnection c = pooled.getObject();
        boolean lentBefore = c.useCount() > 0;
        if (lentBefore && c.expired(ticker.nanos()) && throttle.tryRetire(endpoint)) {
            c.retire(CloseReason.EXPIRED, null);
            return false;
        }
        switch (c.probe()) {
            case HEALTHY:
                return true;
            case PEER_CLOSED:
                c.retire(CloseReason.PEER_CLOSED, ClosedBy.PEER);
                return false;
            case STRAY_BYTES:
                if (!lentBefore) {
                    return true;
                }
                // The closer tells FIN from reset: Linux resets only if more bytes are still unread.
                c.retire(CloseReason.STRAY_BYTES, null);
                return false;
            default:
                c.retire(CloseReason.BROKEN, ClosedBy.RESET);
                return false;
        }
    }

    @Override
    public void destroyObject(Endpoint endpoint, PooledObject<ManagedConnection> pooled, DestroyMode mode) {
        ManagedConnection c = pooled.getObject();
        c.retire(poolClosing.getAsBoolean() ? CloseReason.POOL_CLOSED : CloseReason.CAPACITY, null);
        closer.close(c);
    }
}
