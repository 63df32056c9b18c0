package dev.portkeeper.internal;

/** A protocol layer's per-socket state, as the engine sees it: bytes it has buffered, and its end. */
public interface Attached {
    /** @return bytes read from the socket and not yet consumed by the protocol layer */
    int bufferedBytes();

    /** The socket is closed, or the state replaced; called at most once. */
    void detached();
}
