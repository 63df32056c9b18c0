package dev.portkeeper.internal;

/** Why the engine closed a connection; mirrors {@code ConnectionClosed.Reason} name for name. */
public enum Cause {
    EXPIRED, IDLE, PEER_CLOSED, STRAY_BYTES, BROKEN, INVALIDATED, CAPACITY, RETIRED, POOL_CLOSED
}
