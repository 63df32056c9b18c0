package dev.portkeeper.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a blocking {@link SocketChannel} with the options applied: set before {@code connect()}
 * (so that buffer sizes shape the TCP window from the handshake on), bound to the local address
 * if there is one, the connect bounded by its timeout, and the read timeout set on the socket
 * adaptor, whose streams honour it. Failures are the JDK's own exceptions; the face names them.
 *
 * <p>Thread-safe and stateless apart from a one-time warning.
 */
public final class SocketConnector {
    private static final Logger LOG = LoggerFactory.getLogger(SocketConnector.class);
    private static final AtomicBoolean WARNED_NO_KEEPALIVE_TUNING = new AtomicBoolean();

    private final SocketOptions options;

    /** @param options the options to apply */
    public SocketConnector(SocketOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * @param remote a resolved address
     * @param timeoutMillis the connect timeout, at least 1
     * @return a connected channel in blocking mode
     * @throws IOException what the JDK raised; the channel is closed
     */
    public SocketChannel connect(InetSocketAddress remote, int timeoutMillis) throws IOException {
        SocketChannel channel = SocketChannel.open();
        try {
            applyOptions(channel);
            if (options.localAddress() != null) {
                // Port 0: the kernel picks one now, blind to the destination (see SocketPolicy).
                channel.bind(new InetSocketAddress(options.localAddress(), 0));
            }
            Socket socket = channel.socket();
            // The adaptor's connect takes a timeout; SocketChannel.connect in blocking mode has none.
            socket.connect(remote, Math.max(1, timeoutMillis));
            // No SO_TIMEOUT: the engine's watchdog enforces the read timeout, so that reads stay plain
            // blocking reads (a timed read on a socket channel flips its blocking mode twice).
            return channel;
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the connect failure is what the caller needs to see
            }
            throw e;
        }
    }

    private void applyOptions(SocketChannel channel) throws IOException {
        channel.setOption(StandardSocketOptions.TCP_NODELAY, options.tcpNoDelay());
        channel.setOption(StandardSocketOptions.SO_KEEPALIVE, options.keepAlive());
        if (options.keepAlive()) {
            boolean tuned = setIfSupported(channel, ExtendedSocketOptions.TCP_KEEPIDLE, options.keepAliveIdleSeconds())
                    & setIfSupported(channel, ExtendedSocketOptions.TCP_KEEPINTERVAL, options.keepAliveIntervalSeconds())
                    & setIfSupported(channel, ExtendedSocketOptions.TCP_KEEPCOUNT, options.keepAliveCount());
            if (!tuned && WARNED_NO_KEEPALIVE_TUNING.compareAndSet(false, true)) {
                LOG.warn("This platform does not support per-socket TCP keepalive tuning; only SO_KEEPALIVE is set,"
                        + " so a half-open peer is detected after the system-wide keepalive time (often 2 h 11 min)"
                        + " instead of {}", options.keepAliveDetection());
            }
        }
        if (options.sendBufferSize() > 0) {
            channel.setOption(StandardSocketOptions.SO_SNDBUF, options.sendBufferSize());
        }
        if (options.receiveBufferSize() > 0) {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, options.receiveBufferSize());
        }
    }

    private static boolean setIfSupported(SocketChannel channel, SocketOption<Integer> option, int value)
            throws IOException {
        if (!channel.supportedOptions().contains(option)) {
            return false;
        }
        channel.setOption(option, value);
        return true;
    }
}
