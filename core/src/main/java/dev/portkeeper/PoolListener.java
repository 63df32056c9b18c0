package dev.portkeeper;

import java.io.IOException;
import java.time.Duration;

/**
 * Receives a pool's connection events: for metrics, logs and tests. Every method has an empty
 * default, so implement only what you need. (The port budget is not a listener: attach it with
 * {@link ConnectionPool.Builder#portBudget(PortBudget)}.)
 *
 * <p>Contract: methods are called on the thread that caused the event (a borrower, the
 * background task, the close thread that waits for peers' FINs), so they must be fast and must
 * not block; they must not call back into the pool. A listener that throws (any
 * {@link Throwable} but a {@link VirtualMachineError}) is logged once per listener and event,
 * and ignored: it never breaks the pool, its limits or its closing.
 */
public interface PoolListener {

    /**
     * A new connection was opened.
     *
     * @param connection the connection
     */
    default void connectionOpened(ConnectionInfo connection) {
    }

    /**
     * A connection was closed by the pool. For a {@link ClosePolicy.Strategy#PEER_FIRST} close
     * this comes when the peer's FIN arrived (or the wait ended), from the pool's close thread.
     *
     * @param event the connection, why it was closed, where its TIME_WAIT landed, and whether its
     *     close strategy fell back to a graceful close
     */
    default void connectionClosed(ConnectionClosed event) {
    }

    /**
     * Opening a connection failed.
     *
     * @param endpoint the endpoint
     * @param failure what the connect raised
     */
    default void connectFailed(Endpoint endpoint, IOException failure) {
    }

    /**
     * A connection was lent.
     *
     * @param connection the connection
     * @param waited how long the borrow took, from the call to the lease: the wait for a
     *     connection, the check and a connect if one was needed (the acquire time)
     */
    default void connectionBorrowed(ConnectionInfo connection, Duration waited) {
    }

    /**
     * A borrow failed: it timed out, was refused past {@code maxWaiters}, could not connect, or
     * found the pool closed.
     *
     * @param endpoint the endpoint
     * @param waited how long the borrow took before it failed
     * @param failure what {@link ConnectionPool#borrow(Endpoint)} threw
     */
    default void borrowFailed(Endpoint endpoint, Duration waited, IOException failure) {
    }

    /**
     * A connection came back and went back into the pool.
     *
     * @param connection the connection
     * @param held how long its borrower held it (the usage time)
     */
    default void connectionReturned(ConnectionInfo connection, Duration held) {
    }

    /**
     * A connection has been borrowed longer than the leak threshold, or was still borrowed when
     * the pool closed (and was closed with it).
     *
     * @param report the details
     */
    default void leakSuspected(LeakReport report) {
    }
}
