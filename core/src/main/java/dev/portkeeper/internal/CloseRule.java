package dev.portkeeper.internal;

/**
 * How the connections of one endpoint are closed: the face's {@code ClosePolicy}, resolved once.
 *
 * @param mode the strategy
 * @param request the peer-close request, present exactly for PEER_FIRST
 * @param peerCloseTimeoutNanos PEER_FIRST: how long to wait for the peer's FIN
 */
public record CloseRule(CloseMode mode, CloseRequest request, long peerCloseTimeoutNanos) {
}
