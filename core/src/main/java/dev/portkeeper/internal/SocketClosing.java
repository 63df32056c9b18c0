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

    private static Side whoWouldCloseFirst(SocketChannel channel) {
        int unread = SocketInspector.unreadBytes(channel);
        if (unread != 0) {
            return Side.NONE;
        }
        switch (SocketInspector.look(channel, ByteBuffer.allocate(1))) {
            case HEALTHY:
                return Side.LOCAL;
            case PEER_CLOSED:
                return Side.PEER;
            case STRAY_BYTES:
                // A byte that arrived just now was consumed; any more still make the kernel reset.
                return SocketInspector.unreadBytes(channel) == 0 ? Side.LOCAL : Side.NONE;
            default:
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
