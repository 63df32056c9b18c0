package dev.portkeeper.internal;

import java.io.IOException;
import java.io.OutputStream;

/** A protocol's request that makes the peer close first (the face's {@code PeerCloseHook}). */
public interface CloseRequest {
    /** @return a short name for logs */
    String name();

    /** @param out a non-blocking output: a write that does not fit the send buffer fails @throws IOException if it cannot be written */
    void write(OutputStream out) throws IOException;

    /** @return bytes the peer may answer before its FIN */
    int maxReplyBytes();
}
