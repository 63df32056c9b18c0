package dev.portkeeper.internal;

/** Which side closed first, so where the TIME_WAIT landed; mirrors {@code ConnectionClosed.TimeWait}. */
public enum Side {
    LOCAL, PEER, NONE
}
