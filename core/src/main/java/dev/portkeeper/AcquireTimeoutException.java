package dev.portkeeper;

import java.io.IOException;
import java.time.Duration;

/**
 * No connection to the endpoint became available within the acquire timeout: every connection
 * the limits allow was borrowed and none came back in time. The message and fields carry the
 * pool's state at that moment.
 */
public final class AcquireTimeoutException extends PortkeeperException {
    private static final long serialVersionUID = 1L;

    /** How long the borrower waited. */
    private final Duration timeout;
    /** The endpoint's state; not serialized. */
    private final transient PoolStats endpointStats;
    /** The pool's state; not serialized. */
    private final transient PoolStats poolStats;

    /**
     * @param endpoint the endpoint a connection was wanted for
     * @param timeout how long the borrower waited
     * @param endpointStats the endpoint's state
     * @param poolStats the whole pool's state
     */
    public AcquireTimeoutException(Endpoint endpoint, Duration timeout, PoolStats endpointStats, PoolStats poolStats) {
        this(endpoint, timeout, endpointStats, poolStats, null);
    }

    /**
     * @param endpoint the endpoint a connection was wanted for
     * @param timeout how long the borrower waited
     * @param endpointStats the endpoint's state
     * @param poolStats the whole pool's state
     * @param connectCause the borrower's own connect that the deadline cut short, or null when it
     *     waited for others' connections
     */
    public AcquireTimeoutException(Endpoint endpoint, Duration timeout, PoolStats endpointStats, PoolStats poolStats,
            IOException connectCause) {
        super(endpoint, "Connection to " + endpoint + " is not available, request timed out after "
                + timeout.toMillis() + " ms (endpoint: " + endpointStats + "; pool: " + poolStats + "). "
                + (connectCause != null
                        ? "The new connection's connect() did not finish within the acquire timeout: the endpoint is"
                                + " slow to accept or unreachable (" + connectCause.getMessage() + ")."
                        : endpointStats.pending() > 0 && endpointStats.active() == 0
                                ? "Every allowed connection was still being opened: the endpoint is slow to accept or"
                                        + " unreachable."
                                : "Connections are not coming back fast enough: make sure every borrowed connection is"
                                        + " closed (enable leakDetectionThreshold to find the ones that are not), or raise"
                                        + " maxPerEndpoint/maxTotal if the endpoint can take more, or raise acquireTimeout."),
                connectCause);
        this.timeout = timeout;
        this.endpointStats = endpointStats;
        this.poolStats = poolStats;
    }

    /** @return how long the borrower waited */
    public Duration timeout() {
        return timeout;
    }

    /** @return the endpoint's state when the wait ended */
    public PoolStats endpointStats() {
        return endpointStats;
    }

    /** @return the whole pool's state when the wait ended */
    public PoolStats poolStats() {
        return poolStats;
    }
}
