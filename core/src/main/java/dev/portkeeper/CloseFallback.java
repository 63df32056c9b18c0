package dev.portkeeper;

/**
 * Why a {@link CloseStrategy#PEER_FIRST} or {@link CloseStrategy#ABORT_WHEN_IDLE} close fell
 * back to {@link CloseStrategy#GRACEFUL}: told to {@link PoolListener#closeFallback}.
 */
public enum CloseFallback {
    /**
     * The connection was not at rest: its borrower invalidated it, or a stream saw an error (a
     * read timeout, say) while it was borrowed. Its protocol may be out of step: a close request
     * written into a half-sent command could be taken as data, and a reset could cut a reply in
     * flight, so neither is tried.
     */
    NOT_IDLE,
    /**
     * Bytes from the peer were waiting unread. A reset would throw them away unseen, so the
     * connection is closed normally instead; the kernel then answers with a reset itself
     * (RFC 1122: data was lost), which {@link ClosedBy#RESET} reports, and the pool logs how many
     * bytes were unread.
     */
    UNREAD_BYTES,
    /** PEER_FIRST: the close request could not be written (the peer is not reading, or the write failed). */
    REQUEST_FAILED,
    /** PEER_FIRST: the peer answered the close request with more than the hook's {@code maxReplyBytes}. */
    UNEXPECTED_REPLY,
    /** PEER_FIRST: the peer did not close within {@link ClosePolicy#peerCloseTimeout()} of the close request. */
    PEER_DID_NOT_CLOSE
}
