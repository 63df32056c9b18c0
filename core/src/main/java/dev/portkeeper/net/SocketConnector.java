package dev.portkeeper.net;

import dev.portkeeper.ConnectFailedException;
import dev.portkeeper.PortExhaustedException;
import dev.portkeeper.PortkeeperException;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.Endpoint;
import dev.portkeeper.SocketPolicy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.BindException;
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
 * Opens a blocking {@link SocketChannel} to an endpoint with a {@link SocketPolicy} applied:
 * the options are set before {@code connect()} (so that buffer sizes shape the TCP window from
 * the handshake on), the socket is bound to the policy's local address if it has one, the connect
 * is bounded by the connect timeout, and the read timeout is set on the socket adaptor, whose
 * streams honour it.
 *
 * <p>Thread-safe and stateless apart from a one-time warning.
 */
public final class SocketConnector {
    private static final Logger LOG = LoggerFactory.getLogger(SocketConnector.class);
    private static final AtomicBoolean WARNED_NO_KEEPALIVE_TUNING = new AtomicBoolean();

    private final SocketPolicy policy;
    private final PortUsageReader usage;

    /** @param policy the options to apply */
    public SocketConnector(SocketPolicy policy) {
        this(policy, new PortUsageReader(Procfs.system()));
    }

    /**
     * @param policy the options to apply
     * @param usage where a port-exhaustion failure reads the kernel's numbers
     */
    public SocketConnector(SocketPolicy policy, PortUsageReader usage) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.usage = Objects.requireNonNull(usage, "usage");
    }

    /** @return the policy applied */
    public SocketPolicy policy() {
        return policy;
    }

    /**
     * Connects to the endpoint; the host is resolved now.
     *
     * @param endpoint where to connect
     * @return a connected channel in blocking mode
     * @throws PortExhaustedException when no local port was left (EADDRNOTAVAIL), with the kernel's numbers
     * @throws ConnectFailedException for any other failure, naming the endpoint, with the JDK's exception as the cause
     */
    public SocketChannel connect(Endpoint endpoint) throws PortkeeperException {
        SocketChannel channel = null;
        InetSocketAddress remote = null;
        try {
            channel = SocketChannel.open();
            applyOptions(channel);
            if (policy.localAddress().isPresent()) {
                // Port 0: the kernel picks one now, blind to the destination (see SocketPolicy).
                channel.bind(new InetSocketAddress(policy.localAddress().get(), 0));
            }
            Socket socket = channel.socket();
            remote = endpoint.resolve();
            // The adaptor's connect takes a timeout; SocketChannel.connect in blocking mode has none.
            socket.connect(remote, (int) policy.connectTimeout().toMillis());
            socket.setSoTimeout((int) policy.readTimeout().toMillis());
            return channel;
        } catch (IOException e) {
            closeQuietly(channel);
            if (e instanceof BindException && remote != null && !remote.isUnresolved()
                    && PortExhaustedException.isPortExhaustion(e)) {
                throw new PortExhaustedException(endpoint, remote, usage.read(remote), (BindException) e);
            }
            throw new ConnectFailedException(endpoint, policy.connectTimeout(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private void applyOptions(SocketChannel channel) throws IOException {
        channel.setOption(StandardSocketOptions.TCP_NODELAY, policy.tcpNoDelay());
        channel.setOption(StandardSocketOptions.SO_KEEPALIVE, policy.keepAlive());
        if (policy.keepAlive()) {
            boolean tuned = setIfSupported(channel, ExtendedSocketOptions.TCP_KEEPIDLE,
                    (int) policy.keepAliveIdle().getSeconds())
                    & setIfSupported(channel, ExtendedSocketOptions.TCP_KEEPINTERVAL,
                    (int) policy.keepAliveInterval().getSeconds())
                    & setIfSupported(channel, ExtendedSocketOptions.TCP_KEEPCOUNT, policy.keepAliveCount());
            if (!tuned && WARNED_NO_KEEPALIVE_TUNING.compareAndSet(false, true)) {
                LOG.warn("This platform does not support per-socket TCP keepalive tuning; only SO_KEEPALIVE is set,"
                        + " so a half-open peer is detected after the system-wide keepalive time (often 2 h 11 min)"
                        + " instead of {}", policy.keepAliveDetectionTime());
            }
        }
        if (policy.sendBufferSize() > 0) {
            channel.setOption(StandardSocketOptions.SO_SNDBUF, policy.sendBufferSize());
        }
        if (policy.receiveBufferSize() > 0) {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, policy.receiveBufferSize());
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

    private static void closeQuietly(SocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the connect failure is what the caller needs to see
            }
        }
    }
}
