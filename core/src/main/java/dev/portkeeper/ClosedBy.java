package dev.portkeeper;

/**
 * Which side ended a connection first, and so where its TIME_WAIT landed: the side that sends
 * the first FIN keeps the connection in TIME_WAIT for 60 s, holding its port.
 */
public enum ClosedBy {
    /** This side sent the first FIN: TIME_WAIT lands on this host and holds a local port for 60 s. */
    LOCAL,
    /** The peer sent the first FIN: TIME_WAIT lands on the peer; this host keeps nothing. */
    PEER,
    /**
     * The connection ended without the FIN exchange: a reset (RST) sent or received (
     * {@link CloseStrategy#ABORT_WHEN_IDLE}, or the kernel's answer to a close with unread bytes),
     * or a connection the kernel had already given up on (keepalive or retransmissions
     * unanswered). Neither side keeps a TIME_WAIT.
     */
    RESET
}
