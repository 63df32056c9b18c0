package dev.portkeeper.internal;

/**
 * The engine's settings, converted once from the face's validated settings. Nanoseconds; 0
 * means "none" where a setting may be off.
 *
 * @param name the pool's name, for logs and threads
 * @param maxPerKey connections per endpoint, open and being opened
 * @param maxTotal connections in all, open and being opened
 * @param minIdlePerKey idle connections kept per endpoint that has been used
 * @param maxWaiters borrowers that may wait at once
 * @param connectTimeoutMillis bound on one connect
 * @param readTimeoutMillis the socket's read timeout, restored when a lease changed it
 * @param maxLifetimeNanos lifetime, 0 for none
 * @param lifetimeJitter fraction of the lifetime drawn off at random
 * @param idleTimeoutNanos idle time before an idle connection is closed, 0 for none
 * @param evictionIntervalNanos period of the background check
 * @param leakThresholdNanos borrow time after which a lease is reported, 0 for off
 * @param writeTimeoutNanos bound on one blocking write, 0 for none
 * @param guardMode the churn guard
 * @param boundLocally whether sockets are bound to a local address before connect
 */
public record EngineConfig(String name, int maxPerKey, int maxTotal, int minIdlePerKey, int maxWaiters,
        int connectTimeoutMillis, int readTimeoutMillis, long maxLifetimeNanos, double lifetimeJitter, long idleTimeoutNanos,
        long evictionIntervalNanos, long leakThresholdNanos, long writeTimeoutNanos, GuardMode guardMode,
        boolean boundLocally) {
}
