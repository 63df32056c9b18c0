package dev.portkeeper;

/**
 * A borrow was refused at once because {@code maxWaiters} borrowers were already waiting for a
 * connection: rather than pile up threads behind a slow or overloaded endpoint, the pool sheds
 * the excess load.
 */
public final class TooManyWaitersException extends PortkeeperException {
    private static final long serialVersionUID = 1L;

    /** The configured bound. */
    private final int maxWaiters;

    /**
     * @param endpoint the endpoint a connection was wanted for
     * @param maxWaiters the configured bound
     * @param endpointStats the endpoint's state
     * @param poolStats the whole pool's state
     */
    public TooManyWaitersException(Endpoint endpoint, int maxWaiters, PoolStats endpointStats, PoolStats poolStats) {
        super(endpoint, "Connection to " + endpoint + " refused without waiting: " + maxWaiters
                + " borrowers are already waiting (maxWaiters=" + maxWaiters + "; endpoint: " + endpointStats
                + "; pool: " + poolStats + "). The endpoint or the pool is saturated: shed load upstream,"
                + " check for connections that are not closed, or raise maxWaiters/maxPerEndpoint.", null);
        this.maxWaiters = maxWaiters;
    }

    /** @return the configured bound on waiting borrowers */
    public int maxWaiters() {
        return maxWaiters;
    }
}
