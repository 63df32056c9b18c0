package dev.portkeeper.internal;

import java.io.IOException;

/**
 * Where the engine reports what happens to connections: the face turns these into listener and
 * port-budget calls, and keeps a failing listener from reaching the engine. The engine calls
 * them outside its lock.
 *
 * @param <K> the key type
 */
public interface Events<K> {
    /** @return whether borrow and return events are wanted (they are on the hot path) */
    boolean wantsLeaseEvents();

    /** @param c a connection just opened */
    void opened(Conn<K> c);

    /**
     * @param c the connection
     * @param cause why
     * @param side who closed first
     * @param mode the strategy asked for
     * @param fallback why it was not applied, or null
     */
    void closed(Conn<K> c, Cause cause, Side side, CloseMode mode, Fallback fallback);

    /** @param key the endpoint @param failure what the connect raised */
    void connectFailed(K key, IOException failure);

    /** @param c a connection just lent @param waitedNanos how long the borrow took */
    void borrowed(Conn<K> c, long waitedNanos);

    /** @param key the endpoint @param waitedNanos how long the borrow took @param failure what it threw */
    void borrowFailed(K key, long waitedNanos, IOException failure);

    /** @param c a connection just given back into the pool @param heldNanos how long it was held */
    void returned(Conn<K> c, long heldNanos);

    /**
     * @param c the connection
     * @param heldNanos how long it has been lent
     * @param threadName who borrowed it
     * @param borrowSite the stack of the borrow, or null
     * @param atPoolClose whether it is reported because the pool closed
     */
    void leak(Conn<K> c, long heldNanos, String threadName, Throwable borrowSite, boolean atPoolClose);
}
