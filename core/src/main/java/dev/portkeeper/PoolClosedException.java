package dev.portkeeper;

/** A borrow was attempted on a pool that has been closed. */
public final class PoolClosedException extends PortkeeperException {
    private static final long serialVersionUID = 1L;

    /**
     * @param poolName the pool's name
     * @param endpoint the endpoint a connection was wanted for
     */
    public PoolClosedException(String poolName, Endpoint endpoint) {
        super(endpoint, "Pool " + poolName + " is closed; cannot borrow a connection to " + endpoint
                + ". Borrow only between building the pool and closing it (at shutdown, stop the callers first).",
                null);
    }
}
