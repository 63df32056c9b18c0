package dev.portkeeper;

import java.time.Duration;

/**
 * A connection borrowed for longer than {@code leakDetectionThreshold}: probably never closed.
 * {@link #borrowSite()} holds the stack of the borrow, which shows the code that forgot it.
 */
public final class LeakReport {
    private final ConnectionInfo connection;
    private final Duration heldFor;
    private final String threadName;
    private final Throwable borrowSite;

    /**
     * @param connection the connection
     * @param heldFor how long it has been borrowed
     * @param threadName the thread that borrowed it
     * @param borrowSite a throwable created at the borrow, for its stack trace
     */
    public LeakReport(ConnectionInfo connection, Duration heldFor, String threadName, Throwable borrowSite) {
        this.connection = connection;
        this.heldFor = heldFor;
        this.threadName = threadName;
        this.borrowSite = borrowSite;
    }

    /** @return the connection */
    public ConnectionInfo connection() {
        return connection;
    }

    /** @return how long it had been borrowed when reported */
    public Duration heldFor() {
        return heldFor;
    }

    /** @return the name of the thread that borrowed it */
    public String threadName() {
        return threadName;
    }

    /** @return a throwable created at the borrow; its stack trace is the borrow site */
    public Throwable borrowSite() {
        return borrowSite;
    }
}
