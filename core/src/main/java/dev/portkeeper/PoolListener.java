package dev.portkeeper;

import java.io.IOException;

/**
 * Receives a pool's connection events; the port budget monitor and the metrics binders are
 * listeners. Every method has an empty default, so implement only what you need.
 *
 * <p>Contract: methods are called on the thread that caused the event (a borrower, the
 * background task, the close thread that waits for peers' FINs), so they must be fast and must
 * not block; they must not call back into the pool. A listener that throws is logged and ignored: it never breaks the pool.
 */
public interface PoolListener {

    /** A new connection was opened. @param connection the connection */
    default void connectionOpened(ConnectionInfo connection) {
    }

    /**
     * A connection was closed by the pool. For a {@link CloseStrategy#PEER_FIRST} close this
     * comes when the peer's FIN arrived (or the wait ended), from the pool's close thread.
     *
     * @param connection the connection
     * @param reason why the pool closed it
     * @param closedBy which side closed first, so where its TIME_WAIT landed
     */
    default void connectionClosed(ConnectionInfo connection, CloseReason reason, ClosedBy closedBy) {
    }

    /**
     * A {@link CloseStrategy#PEER_FIRST} or {@link CloseStrategy#ABORT_WHEN_IDLE} close fell back
     * to {@link CloseStrategy#GRACEFUL}. Called just before
     * {@link #connectionClosed(ConnectionInfo, CloseReason, ClosedBy)} for the same connection,
     * which tells where the TIME_WAIT landed in the end. A PEER_FIRST fallback after the wait
     * is told by the pool's close thread.
     *
     * @param connection the connection
     * @param strategy the strategy that could not be applied
     * @param why why not
     */
    default void closeFallback(ConnectionInfo connection, CloseStrategy strategy, CloseFallback why) {
    }

    /**
     * Opening a connection failed.
     *
     * @param endpoint the endpoint
     * @param failure what the connect raised
     */
    default void connectFailed(Endpoint endpoint, IOException failure) {
    }

    /** A connection was lent. @param connection the connection */
    default void connectionBorrowed(ConnectionInfo connection) {
    }

    /** A connection came back and went back into the pool. @param connection the connection */
    default void connectionReturned(ConnectionInfo connection) {
    }

    /** A connection has been borrowed longer than the leak threshold. @param report the details */
    default void leakSuspected(LeakReport report) {
    }
}
