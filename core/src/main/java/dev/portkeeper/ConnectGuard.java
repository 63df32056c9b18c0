package dev.portkeeper;

import java.io.IOException;
import java.time.Duration;

/**
 * Watches, and may refuse, every connect a pool makes: the hook for a circuit breaker per
 * endpoint around connect (see {@code dev.portkeeper.resilience}), not around the caller's
 * business calls. Attach it with {@link ConnectionPool.Builder#connectGuard(ConnectGuard)}.
 *
 * <p>For each connect the pool calls {@link #beforeConnect(Endpoint)}, then exactly one of
 * {@link #connected(Endpoint, Duration)} or {@link #connectFailed(Endpoint, Duration, IOException)};
 * none of them when {@code beforeConnect} refuses. Calls come from borrowing threads and the
 * pool's background thread (min idle), so implementations must be thread-safe and fast, and must
 * not call back into the pool.
 */
public interface ConnectGuard {

    /**
     * Called before the pool connects to the endpoint.
     *
     * @param endpoint where the pool is about to connect
     * @throws IOException to refuse the connect at once (the borrower sees this exception): say
     *     what refused it and when it may be tried again
     */
    void beforeConnect(Endpoint endpoint) throws IOException;

    /**
     * The connect succeeded.
     *
     * @param endpoint the endpoint
     * @param took how long the connect took
     */
    void connected(Endpoint endpoint, Duration took);

    /**
     * The connect failed; a {@link PortExhaustedException} is a failure of this host, not of the
     * endpoint, and a breaker should not count it.
     *
     * @param endpoint the endpoint
     * @param took how long it took to fail
     * @param failure what the connect raised
     */
    void connectFailed(Endpoint endpoint, Duration took, IOException failure);
}
