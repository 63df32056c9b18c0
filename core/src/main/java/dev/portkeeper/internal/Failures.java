package dev.portkeeper.internal;

import java.io.IOException;

/**
 * Makes the face's exceptions for the engine's decisions, so that the engine throws what the
 * caller sees and no exception travels between our own frames to be translated.
 *
 * @param <K> the key type
 */
public interface Failures<K> {
    /**
     * @param key the endpoint
     * @param waitedNanos the timeout the borrower waited for
     * @param endpoint its counts
     * @param pool the pool's counts
     * @param cause a connect cut short by the deadline, or null
     * @return the exception
     */
    IOException acquireTimeout(K key, long waitedNanos, Counts endpoint, Counts pool, IOException cause);

    /**
     * @param key the endpoint
     * @param maxWaiters the bound
     * @param endpoint its counts
     * @param pool the pool's counts
     * @return the exception
     */
    IOException tooManyWaiters(K key, int maxWaiters, Counts endpoint, Counts pool);

    /** @param key the endpoint @return the exception */
    IOException poolClosed(K key);
}
