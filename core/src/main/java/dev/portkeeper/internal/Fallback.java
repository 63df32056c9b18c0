package dev.portkeeper.internal;

/** Why a close strategy fell back to a graceful close; mirrors {@code ConnectionClosed.Fallback}. */
public enum Fallback {
    NOT_IDLE, UNREAD_BYTES, REQUEST_FAILED, UNEXPECTED_REPLY, PEER_DID_NOT_CLOSE
}
