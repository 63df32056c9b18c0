package dev.portkeeper.internal;

/** The close strategy; mirrors {@code ClosePolicy.Strategy}. */
public enum CloseMode {
    GRACEFUL, PEER_FIRST, ABORT_WHEN_IDLE
}
