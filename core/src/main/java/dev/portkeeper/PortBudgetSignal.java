package dev.portkeeper;

/**
 * What a pool's churn guard asks the port budget: how fast may it open connections to an
 * endpoint now. {@link dev.portkeeper.budget.PortBudgetMonitor} implements it; give it to
 * {@link ConnectionPool.Builder#portBudget(PortBudgetSignal)}.
 *
 * <p>Implementations are called when the pool is about to open or retire a connection (never
 * on a plain borrow of an idle one); they must be fast and thread-safe, and must not call back
 * into the pool.
 */
public interface PortBudgetSignal {

    /**
     * @param endpoint the endpoint
     * @return new connections per second that the endpoint's port budget sustains now (free ports
     *     over the 60 s a TIME_WAIT lasts), or a negative number when the budget is under no
     *     pressure and the pool may open as it likes
     */
    double sustainableOpenRate(Endpoint endpoint);

    /** @return the listener that keeps the budget's ledger of the pool's opens and closes */
    PoolListener poolListener();
}
