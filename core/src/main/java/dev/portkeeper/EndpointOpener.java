package dev.portkeeper;

import dev.portkeeper.internal.Opener;
import dev.portkeeper.internal.PortUsageReader;
import dev.portkeeper.internal.SocketConnector;
import dev.portkeeper.internal.SocketOptions;
import dev.portkeeper.kernel.Procfs;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * Opens a connection to an endpoint with the pool's {@link SocketPolicy}, and names its failure:
 * {@link PortExhaustedException} for EADDRNOTAVAIL (with the kernel's numbers),
 * {@link InterruptedIOException} for an interrupted connect, {@link ConnectFailedException} for
 * the rest.
 */
final class EndpointOpener implements Opener<Endpoint> {
    private final SocketPolicy policy;
    private final SocketConnector connector;
    private final PortUsageReader usage;
    private final ConnectGuard guard;

    EndpointOpener(SocketPolicy policy) {
        this(policy, null);
    }

    EndpointOpener(SocketPolicy policy, ConnectGuard guard) {
        this(policy, new PortUsageReader(Procfs.system()), guard);
    }

    EndpointOpener(SocketPolicy policy, PortUsageReader usage, ConnectGuard guard) {
        this.policy = policy;
        this.connector = new SocketConnector(options(policy));
        this.usage = usage;
        this.guard = guard;
    }

    static SocketOptions options(SocketPolicy p) {
        return new SocketOptions(p.tcpNoDelay(), p.keepAlive(),
                (int) p.keepAliveIdle().getSeconds(), (int) p.keepAliveInterval().getSeconds(), p.keepAliveCount(),
                p.sendBufferSize(), p.receiveBufferSize(), p.localAddress().orElse(null),
                p.keepAliveDetectionTime().toString());
    }

    @Override
    public SocketChannel open(Endpoint endpoint, int timeoutMillis) throws IOException {
        if (guard == null) {
            return connect(endpoint, timeoutMillis);
        }
        guard.beforeConnect(endpoint);
        long start = System.nanoTime();
        SocketChannel channel;
        try {
            channel = connect(endpoint, timeoutMillis);
        } catch (IOException e) {
            guardQuietly(() -> guard.connectFailed(endpoint, Duration.ofNanos(System.nanoTime() - start), e));
            throw e;
        }
        guardQuietly(() -> guard.connected(endpoint, Duration.ofNanos(System.nanoTime() - start)));
        return channel;
    }

    /** A guard's bookkeeping must not turn a connect's outcome into another. */
    private static void guardQuietly(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(EndpointOpener.class).warn("The connect guard failed; ignored", e);
        }
    }

    private SocketChannel connect(Endpoint endpoint, int timeoutMillis) throws IOException {
        InetSocketAddress remote = endpoint.resolve();
        if (remote.isUnresolved()) {
            throw new ConnectFailedException(endpoint, new UnknownHostException(endpoint.host()));
        }
        try {
            return connector.connect(remote, timeoutMillis);
        } catch (ClosedByInterruptException e) {
            InterruptedIOException ie = new InterruptedIOException("Interrupted while connecting to " + endpoint);
            ie.initCause(e);
            throw ie;
        } catch (BindException e) {
            if (PortExhaustedException.isPortExhaustion(e)) {
                PortUsageReader.PortUsage u = usage.read(remote);
                throw new PortExhaustedException(endpoint, remote, u.rangeLow(), u.rangeHigh(), u.capacity(),
                        u.states(), u.kernelUnavailableReason(), e);
            }
            throw new ConnectFailedException(endpoint, Duration.ofMillis(timeoutMillis), e);
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                InterruptedIOException ie = new InterruptedIOException("Interrupted while connecting to " + endpoint);
                ie.initCause(e);
                throw ie;
            }
            throw new ConnectFailedException(endpoint, Duration.ofMillis(timeoutMillis), e);
        }
    }

    SocketPolicy policy() {
        return policy;
    }
}
