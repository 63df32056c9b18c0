package dev.portkeeper.internal;

import java.net.InetAddress;

/**
 * The socket options the connector applies, converted once from the face's {@code SocketPolicy}.
 *
 * @param tcpNoDelay TCP_NODELAY
 * @param keepAlive SO_KEEPALIVE
 * @param keepAliveIdleSeconds TCP_KEEPIDLE
 * @param keepAliveIntervalSeconds TCP_KEEPINTVL
 * @param keepAliveCount TCP_KEEPCNT
 * @param sendBufferSize SO_SNDBUF, 0 for the kernel's
 * @param receiveBufferSize SO_RCVBUF, 0 for the kernel's
 * @param localAddress the address to bind before connect, or null
 * @param keepAliveDetection the detection time, as the warning shows it
 */
public record SocketOptions(boolean tcpNoDelay, boolean keepAlive, int keepAliveIdleSeconds,
        int keepAliveIntervalSeconds, int keepAliveCount, int sendBufferSize, int receiveBufferSize,
        InetAddress localAddress, String keepAliveDetection) {
}
