package dev.portkeeper.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The one way the engine looks at a socket no borrower is using: the check on borrow, the
 * background check, the closer and the close strategies all ask it. Stateless.
 */
final class SocketInspector {
    private SocketInspector() {
    }

    /**
     * A non-blocking one-byte read: microseconds, where a blocking read with a short timeout
     * would cost a millisecond. Leaves the channel's blocking mode as it was.
     *
     * @param channel an open channel, registered with no selector if it is in blocking mode
     * @param one a buffer of at least one byte; after {@link Probe#STRAY_BYTES} its byte 0 holds
     *     the byte read, which the caller must keep for whoever reads next
     * @return what the read found
     */
    static Probe look(SocketChannel channel, ByteBuffer one) {
        one.clear().limit(1);
        try {
            int n;
            synchronized (channel.blockingLock()) {
                boolean wasBlocking = channel.isBlocking();
                if (wasBlocking) {
                    channel.configureBlocking(false);
                }
                try {
                    n = channel.read(one);
                } finally {
                    if (wasBlocking) {
                        channel.configureBlocking(true);
                    }
                }
            }
            return n == 0 ? Probe.HEALTHY : n < 0 ? Probe.PEER_CLOSED : Probe.STRAY_BYTES;
        } catch (IOException | RuntimeException e) {
            return Probe.FAILED;
        }
    }

    /**
     * @param channel an open channel
     * @return how many bytes the peer sent that are waiting unread ({@code FIONREAD}, nothing is
     *     consumed); 0 if none; -1 if that cannot be told (the channel is closed or broken)
     */
    static int unreadBytes(SocketChannel channel) {
        try {
            return channel.socket().getInputStream().available();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
