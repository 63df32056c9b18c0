package dev.portkeeper;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** A {@link PeerCloseHook} that writes the same bytes each time. Immutable. */
final class FixedCloseRequest implements PeerCloseHook {
    static final PeerCloseHook MEMCACHED = new FixedCloseRequest("memcached",
            "quit\r\n".getBytes(StandardCharsets.US_ASCII), DEFAULT_MAX_REPLY_BYTES);
    static final PeerCloseHook REDIS = new FixedCloseRequest("redis",
            "QUIT\r\n".getBytes(StandardCharsets.US_ASCII), DEFAULT_MAX_REPLY_BYTES);

    private final String name;
    private final byte[] request;
    private final int maxReplyBytes;

    FixedCloseRequest(String name, byte[] request, int maxReplyBytes) {
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
