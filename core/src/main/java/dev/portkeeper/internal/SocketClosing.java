package dev.portkeeper.internal;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The two ways to close a socket, each saying which side closed first, and so where the
 * TIME_WAIT lands: a graceful close (FIN, or the kernel's own reset when bytes are left unread)
 * and an abort ({@code SO_LINGER} 0: a reset). Stateless; each call is for a socket no one else
 * is using.
 */
final class SocketClosing {
    private SocketClosing() {
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

    /**
     * Closes the channel with a plain {@code close()}, after finding out which side will have
     * closed first: the peer if its FIN is already here; a reset if bytes are still unread (Linux
     * then sends a reset instead of a FIN, RFC 1122's signal that data was lost) or the
     * connection is already broken; this side otherwise. Never throws.
     *
     * @param channel the channel, in either blocking mode, registered with no selector
     * @return who closed first
     */
    static Side closeGracefully(SocketChannel channel) {
        Side by = channel.isOpen() ? whoWouldCloseFirst(channel) : Side.LOCAL;
        closeQuietly(channel);
        return by;
    }

    /**
     * Closes the channel with {@code SO_LINGER} 0: the kernel sends a reset and keeps no
     * TIME_WAIT; unsent and unread data are thrown away. Only for a connection with nothing in
     * flight. Never throws: if the option cannot be set, the channel is closed gracefully.
     *
     * @param channel the channel, registered with no selector
     * @return {@link Side#RESET}, or what the graceful close reported if the option could not be set
     */
    static Side abort(SocketChannel channel) {
        try {
            channel.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException | RuntimeException e) {
            return closeGracefully(channel);
        }
        closeQuietly(channel);
        return Side.NONE;
    }

    /**
     * A non-blocking one-byte read: 0 nothing to read, -1 end of stream, 1 a byte was there (and
     * is consumed). Leaves the channel's blocking mode as it was.
     *
     * @param channel an open channel, registered with no selector if it is in blocking mode
     * @return 0, -1 or 1
     * @throws IOException if the read fails (a reset, a keepalive timeout)
     */
    static int readOneNow(SocketChannel channel) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        synchronized (channel.blockingLock()) {
            boolean wasBlocking = channel.isBlocking();
            if (wasBlocking) {
                channel.configureBlocking(false);
            }
            try {
                return channel.read(one);
            } finally {
                if (wasBlocking) {
                    channel.configureBlocking(true);
                }
            }
        }
    }

    private static Side whoWouldCloseFirst(SocketChannel channel) {
        int unread = unreadBytes(channel);
        if (unread != 0) {
            return Side.NONE;
        }
        try {
            int n = readOneNow(channel);
            if (n < 0) {
                return Side.PEER;
            }
            // A byte that arrived just now was consumed; any more still make the kernel reset.
            return n == 0 || unreadBytes(channel) == 0 ? Side.LOCAL : Side.NONE;
        } catch (IOException | RuntimeException e) {
            return Side.NONE;
        }
    }

    static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing is best effort; the descriptor is released either way
        }
    }
}
