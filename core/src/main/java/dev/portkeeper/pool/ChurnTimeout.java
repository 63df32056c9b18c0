package dev.portkeeper.pool;

/**
 * Thrown out of the factory's create when the churn guard held a new connection back until the
 * borrow's deadline; the engine turns it into an {@link dev.portkeeper.AcquireTimeoutException}.
 * Internal; never reaches the caller.
 */
final class ChurnTimeout extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final ChurnTimeout INSTANCE = new ChurnTimeout();

    private ChurnTimeout() {
        super("the churn guard held a new connection back until the deadline", null, false, false);
    }
}
