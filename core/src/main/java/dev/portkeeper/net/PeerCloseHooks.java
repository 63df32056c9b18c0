package dev.portkeeper.net;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** Ready-made {@link PeerCloseHook}s. Each is immutable and thread-safe. */
public final class PeerCloseHooks {
    private static final PeerCloseHook MEMCACHED = new FixedRequest("memcached",
            "quit\r\n".getBytes(StandardCharsets.US_ASCII), PeerCloseHook.DEFAULT_MAX_REPLY_BYTES);
    private static final PeerCloseHook REDIS = new FixedRequest("redis",
            "QUIT\r\n".getBytes(StandardCharsets.US_ASCII), PeerCloseHook.DEFAULT_MAX_REPLY_BYTES);

    private PeerCloseHooks() {
    }

    /**
     * memcached's text protocol: {@code quit\r\n}, which the server answers by closing the
     * connection, with no reply. (The binary protocol's quit is not covered.)
     *
     * @return the hook, named {@code memcached}
     */
    public static PeerCloseHook memcached() {
        return MEMCACHED;
    }

    /**
     * Redis (RESP, inline command): {@code QUIT\r\n}, which the server answers with
     * {@code +OK\r\n} and then closes; the reply is read and discarded. Redis 7.2 deprecates
     * {@code QUIT} for clients that can close themselves, but still serves it, and it is the
     * only way to make the server close first. Do not use it on connections in subscribe mode.
     *
     * @return the hook, named {@code redis}
     */
    public static PeerCloseHook redis() {
        return REDIS;
    }

    /**
     * A hook that writes the same bytes each time.
     *
     * @param name a short name for logs
     * @param request the close request, e.g. {@code "quit\r\n"} in the protocol's encoding; copied
     * @param maxReplyBytes how many bytes the peer may answer before its FIN, 0 or more
     * @return the hook
     */
    public static PeerCloseHook of(String name, byte[] request, int maxReplyBytes) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(request, "request");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        if (request.length == 0) {
            throw new IllegalArgumentException("request of hook " + name + " must not be empty");
        }
        if (maxReplyBytes < 0) {
            throw new IllegalArgumentException("maxReplyBytes of hook " + name + " must not be negative: "
                    + maxReplyBytes);
        }
        return new FixedRequest(name, request.clone(), maxReplyBytes);
    }

    private static final class FixedRequest implements PeerCloseHook {
        private final String name;
        private final byte[] request;
        private final int maxReplyBytes;

        FixedRequest(String name, byte[] request, int maxReplyBytes) {
            this.name = name;
            this.request = request;
            this.maxReplyBytes = maxReplyBytes;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void requestClose(OutputStream out) throws IOException {
            out.write(request);
        }

        @Override
        public int maxReplyBytes() {
            return maxReplyBytes;
        }

        @Override
        public String toString() {
            String text = new String(request, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n");
            return "PeerCloseHook{" + name + ": \"" + text + "\"}";
        }
    }
}
