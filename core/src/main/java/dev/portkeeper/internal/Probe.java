package dev.portkeeper.internal;

/** What a non-blocking one-byte read found on a connection that should have nothing to read. */
enum Probe {
    /** Nothing to read: the connection is open and in step. */
    HEALTHY,
    /** End of stream: the peer sent its FIN. */
    PEER_CLOSED,
    /** Bytes were waiting: the protocol is out of step (or the peer sent a greeting). */
    STRAY_BYTES,
    /** The read failed, usually a reset from the peer. */
    FAILED
}
