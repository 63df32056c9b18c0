package dev.portkeeper;

import java.time.Duration;

/**
 * A connection borrowed for longer than {@code leakDetectionThreshold}, or still borrowed when
 * the pool was closed: probably never given back. {@link #borrowSite()} holds the stack of the
 * borrow, which shows the code that forgot it.
 *
 * @param connection the connection
 * @param heldFor how long it had been borrowed when reported
 * @param threadName the name of the thread that borrowed it
 * @param borrowSite a throwable created at the borrow, whose stack trace is the borrow site; null
 *     when leak detection is off (the stack is only captured with a {@code leakDetectionThreshold})
 * @param atPoolClose true when reported because the pool was closed while it was borrowed (the
 *     pool then closed it), false when reported for passing the threshold
 */
public record LeakReport(ConnectionInfo connection, Duration heldFor, String threadName, Throwable borrowSite,
        boolean atPoolClose) {

    @Override
    public String toString() {
        return "LeakReport{" + connection + " held " + heldFor.toMillis() + " ms by thread '" + threadName + "'"
                + (atPoolClose ? ", closed with the pool" : "") + (borrowSite == null ? ", no borrow stack" : "")
                + '}';
    }
}
