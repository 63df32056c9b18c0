package dev.portkeeper;

import java.io.IOException;

/**
 * What a pool's churn guard asks of the host's ephemeral-port budget, and what the pool tells it:
 * the SPI between a {@link ConnectionPool} and {@link dev.portkeeper.budget.PortBudgetMonitor},
 * which implements it. Attach a pool with {@link ConnectionPool.Builder#portBudget(PortBudget)}:
 * that one call both feeds the budget's ledger (every open, close and failed connect of the pool)
 * and gives the churn guard ({@link PoolSettings#churnGuard()}) its signal.
 *
 * <p>Contract: methods are called on pool threads (a borrower opening or giving back a
 * connection, the background task, the close thread), never on the path of a borrow that finds
 * an idle connection; they must be fast and thread-safe, must not block, and must not call back
 * into the pool. An exception thrown from them is logged and ignored (a failing
 * {@link #sustainableOpenRate(Endpoint)} lets the open through).
 */
public interface PortBudget {

    /**
     * @param endpoint the endpoint
     * @return new connections per second that the endpoint's port budget sustains now (free ports
     *     over the 60 s a TIME_WAIT lasts), or a negative number when the budget is under no
     *     pressure and the pool may open as it likes
     */
    double sustainableOpenRate(Endpoint endpoint);

    /**
     * A pool attached to this budget opened a connection.
     *
     * @param connection the connection
     */
    default void connectionOpened(ConnectionInfo connection) {
    }

    /**
     * A pool attached to this budget closed a connection.
     *
     * @param event what was closed, and where its TIME_WAIT landed
     */
    default void connectionClosed(ConnectionClosed event) {
    }

    /**
     * A pool attached to this budget failed to open a connection.
     *
     * @param endpoint the endpoint
     * @param failure what the connect raised, e.g. a {@link PortExhaustedException}
     */
    default void connectFailed(Endpoint endpoint, IOException failure) {
    }
}
