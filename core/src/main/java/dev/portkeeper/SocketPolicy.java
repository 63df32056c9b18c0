package dev.portkeeper;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The socket options applied to every connection the pool opens.
 *
 * <p>Immutable and thread-safe; build with {@link #custom()} or {@link #from(SocketPolicy)}.
 *
 * <table>
 *   <caption>Options and their defaults</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code connectTimeout}</td><td>5 s</td><td>bound on {@code connect()}</td></tr>
 *   <tr><td>{@code readTimeout}</td><td>30 s</td>
 *       <td>bound on one blocking read; 0 waits forever. Enforced by the pool's background thread like
 *       the write timeout (so it fires between the timeout and 1.25 times it): a read still blocked
 *       then fails with a {@link java.net.SocketTimeoutException}, and the connection, out of step,
 *       is closed when it is given back. Not {@code SO_TIMEOUT}, because a timed read on a
 *       socket channel costs four {@code fcntl} calls and a {@code poll} on every read; a lease that
 *       needs a precise timeout sets its own with {@link PooledConnection#setReadTimeout(Duration)},
 *       which is {@code SO_TIMEOUT}</td></tr>
 *   <tr><td>{@code writeTimeout}</td><td>0 (none)</td>
 *       <td>bound on one blocking write: a write still blocked after it (a peer that does not read,
 *       so the send buffer stays full) has its connection closed with a reset and fails with a
 *       {@link java.net.SocketTimeoutException}. Checked by the pool's background thread about every
 *       quarter of the timeout (at least every 10 ms, at most every second), so it fires between the
 *       timeout and 1.25 times it; 0 lets a write block until the peer reads or keepalive gives up</td></tr>
 *   <tr><td>{@code tcpNoDelay}</td><td>true</td><td>{@code TCP_NODELAY}: no Nagle delay for small requests</td></tr>
 *   <tr><td>{@code keepAlive}</td><td>true</td><td>{@code SO_KEEPALIVE}</td></tr>
 *   <tr><td>{@code keepAliveIdle}</td><td>60 s</td><td>{@code TCP_KEEPIDLE}: silence before the first probe</td></tr>
 *   <tr><td>{@code keepAliveInterval}</td><td>10 s</td><td>{@code TCP_KEEPINTVL}: between probes</td></tr>
 *   <tr><td>{@code keepAliveCount}</td><td>6</td><td>{@code TCP_KEEPCNT}: unanswered probes before the
 *       kernel declares the peer dead</td></tr>
 *   <tr><td>{@code sendBufferSize}, {@code receiveBufferSize}</td><td>0</td>
 *       <td>{@code SO_SNDBUF}/{@code SO_RCVBUF} in bytes; 0 leaves the kernel's autotuning alone</td></tr>
 *   <tr><td>{@code localAddress}</td><td>none</td>
 *       <td>a source address to {@code bind()} before {@code connect()}; see below</td></tr>
 * </table>
 *
 * <p>With the keepalive defaults a peer that vanished without a FIN or RST (a half-open
 * connection: a crashed host, a dropped NAT entry) is detected after 60 s + 6 × 10 s = 2 min of
 * silence, where the kernel's own defaults (7,200 s + 9 × 75 s) take 2 h 11 min. The
 * per-socket values need {@code jdk.net.ExtendedSocketOptions} (Linux, macOS, Windows 10+);
 * where the platform lacks them only {@code SO_KEEPALIVE} is set and the system-wide values apply.
 *
 * <p>A fixed {@code localAddress} has a cost: {@code bind()} before {@code connect()} makes the
 * kernel pick the local port at bind time, without knowing the destination, so that port is
 * reserved against every destination for as long as the socket is open or in TIME_WAIT. Without
 * it, {@code connect()} shares each port among destinations and the budget is per destination.
 * Linux's {@code IP_BIND_ADDRESS_NO_PORT}, which would defer the port choice to
 * {@code connect()}, is not available from Java 17. A pool with a local address logs a warning
 * once, and {@link ConnectionInfo#boundLocally()} marks its connections. Leave it unset unless
 * the host must send from that address.
 */
public final class SocketPolicy {
    /** Default of {@code connectTimeout}. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Default of {@code readTimeout}. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
    /** Default of {@code keepAliveIdle}. */
    public static final Duration DEFAULT_KEEPALIVE_IDLE = Duration.ofSeconds(60);
    /** Default of {@code keepAliveInterval}. */
    public static final Duration DEFAULT_KEEPALIVE_INTERVAL = Duration.ofSeconds(10);
    /** Default of {@code keepAliveCount}. */
    public static final int DEFAULT_KEEPALIVE_COUNT = 6;

    private static final SocketPolicy DEFAULTS = new Builder().build();

    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final Duration writeTimeout;
    private final boolean tcpNoDelay;
    private final boolean keepAlive;
    private final Duration keepAliveIdle;
    private final Duration keepAliveInterval;
    private final int keepAliveCount;
    private final int sendBufferSize;
    private final int receiveBufferSize;
    private final InetAddress localAddress;

    private SocketPolicy(Builder b) {
        connectTimeout = b.connectTimeout;
        readTimeout = b.readTimeout;
        writeTimeout = b.writeTimeout;
        tcpNoDelay = b.tcpNoDelay;
        keepAlive = b.keepAlive;
        keepAliveIdle = b.keepAliveIdle;
        keepAliveInterval = b.keepAliveInterval;
        keepAliveCount = b.keepAliveCount;
        sendBufferSize = b.sendBufferSize;
        receiveBufferSize = b.receiveBufferSize;
        localAddress = b.localAddress;
    }

    /** @return the default policy */
    public static SocketPolicy ofDefaults() {
        return DEFAULTS;
    }

    /** @return a builder holding the defaults */
    public static Builder custom() {
        return new Builder();
    }

    /**
     * @param base the policy to start from
     * @return a builder holding a copy of {@code base}
     */
    public static Builder from(SocketPolicy base) {
        return new Builder(Objects.requireNonNull(base, "base"));
    }

    /** @return bound on connect() */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** @return bound on one blocking read; zero waits forever */
    public Duration readTimeout() {
        return readTimeout;
    }

    /** @return bound on one blocking write; zero (the default) for none */
    public Duration writeTimeout() {
        return writeTimeout;
    }

    /** @return whether TCP_NODELAY is set */
    public boolean tcpNoDelay() {
        return tcpNoDelay;
    }

    /** @return whether SO_KEEPALIVE is set */
    public boolean keepAlive() {
        return keepAlive;
    }

    /** @return TCP_KEEPIDLE */
    public Duration keepAliveIdle() {
        return keepAliveIdle;
    }

    /** @return TCP_KEEPINTVL */
    public Duration keepAliveInterval() {
        return keepAliveInterval;
    }

    /** @return TCP_KEEPCNT */
    public int keepAliveCount() {
        return keepAliveCount;
    }

    /** @return SO_SNDBUF in bytes; 0 leaves the kernel's default */
    public int sendBufferSize() {
        return sendBufferSize;
    }

    /** @return SO_RCVBUF in bytes; 0 leaves the kernel's default */
    public int receiveBufferSize() {
        return receiveBufferSize;
    }

    /**
     * @return the source address each socket is bound to before it connects; empty (the
     *     default) lets the kernel choose the address by route and the port at connect time
     */
    public Optional<InetAddress> localAddress() {
        return Optional.ofNullable(localAddress);
    }

    /** @return how long a silent, half-open peer takes to be detected: idle + interval × count */
    public Duration keepAliveDetectionTime() {
        return keepAliveIdle.plus(keepAliveInterval.multipliedBy(keepAliveCount));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SocketPolicy p && connectTimeout.equals(p.connectTimeout) && readTimeout.equals(p.readTimeout)
                && writeTimeout.equals(p.writeTimeout) && tcpNoDelay == p.tcpNoDelay && keepAlive == p.keepAlive
                && keepAliveIdle.equals(p.keepAliveIdle) && keepAliveInterval.equals(p.keepAliveInterval)
                && keepAliveCount == p.keepAliveCount && sendBufferSize == p.sendBufferSize
                && receiveBufferSize == p.receiveBufferSize && Objects.equals(localAddress, p.localAddress);
    }

    @Override
    public int hashCode() {
        return Objects.hash(connectTimeout, readTimeout, writeTimeout, tcpNoDelay, keepAlive, keepAliveIdle,
                keepAliveInterval, keepAliveCount, sendBufferSize, receiveBufferSize, localAddress);
    }

    @Override
    public String toString() {
        return "SocketPolicy{connectTimeout=" + connectTimeout + ", readTimeout=" + readTimeout
                + ", writeTimeout=" + writeTimeout
                + ", tcpNoDelay=" + tcpNoDelay + ", keepAlive=" + keepAlive
                + ", keepAliveIdle=" + keepAliveIdle + ", keepAliveInterval=" + keepAliveInterval
                + ", keepAliveCount=" + keepAliveCount + ", sendBufferSize=" + sendBufferSize
                + ", receiveBufferSize=" + receiveBufferSize
                + (localAddress == null ? "" : ", localAddress=" + localAddress.getHostAddress()) + '}';
    }

    /** Builds {@link SocketPolicy}; each setter validates its argument. Not thread-safe. */
    public static final class Builder {
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration readTimeout = DEFAULT_READ_TIMEOUT;
        private Duration writeTimeout = Duration.ZERO;
        private boolean tcpNoDelay = true;
        private boolean keepAlive = true;
        private Duration keepAliveIdle = DEFAULT_KEEPALIVE_IDLE;
        private Duration keepAliveInterval = DEFAULT_KEEPALIVE_INTERVAL;
        private int keepAliveCount = DEFAULT_KEEPALIVE_COUNT;
        private int sendBufferSize;
        private int receiveBufferSize;
        private InetAddress localAddress;

        private Builder() {
        }

        private Builder(SocketPolicy p) {
            connectTimeout = p.connectTimeout;
            readTimeout = p.readTimeout;
            writeTimeout = p.writeTimeout;
            tcpNoDelay = p.tcpNoDelay;
            keepAlive = p.keepAlive;
            keepAliveIdle = p.keepAliveIdle;
            keepAliveInterval = p.keepAliveInterval;
            keepAliveCount = p.keepAliveCount;
            sendBufferSize = p.sendBufferSize;
            receiveBufferSize = p.receiveBufferSize;
            localAddress = p.localAddress;
        }

        /**
         * @param value at least 1 ms, at most {@link Integer#MAX_VALUE} ms; default 5 s
         * @return this
         */
        public Builder connectTimeout(Duration value) {
            connectTimeout = millisOrLess("connectTimeout",
                    Checks.zeroOrAtLeastOneMilli("connectTimeout", Checks.positive("connectTimeout", value)));
            return this;
        }

        /**
         * @param value zero (wait forever), or 1 ms to {@link Integer#MAX_VALUE} ms; default 30 s
         * @return this
         */
        public Builder readTimeout(Duration value) {
            readTimeout = millisOrLess("readTimeout",
                    Checks.zeroOrAtLeastOneMilli("readTimeout", Checks.notNegative("readTimeout", value)));
            return this;
        }

        /**
         * @param value zero (no bound, the default), or at least 1 ms and at most {@link Integer#MAX_VALUE} ms
         * @return this
         */
        public Builder writeTimeout(Duration value) {
            writeTimeout = millisOrLess("writeTimeout",
                    Checks.zeroOrAtLeastOneMilli("writeTimeout", Checks.notNegative("writeTimeout", value)));
            return this;
        }

        /**
         * @param value whether to set TCP_NODELAY; default true
         * @return this
         */
        public Builder tcpNoDelay(boolean value) {
            tcpNoDelay = value;
            return this;
        }

        /**
         * @param value whether to set SO_KEEPALIVE; default true
         * @return this
         */
        public Builder keepAlive(boolean value) {
            keepAlive = value;
            return this;
        }

        /**
         * @param value 1 to 32,767 s, whole seconds (rounded down); default 60 s
         * @return this
         */
        public Builder keepAliveIdle(Duration value) {
            keepAliveIdle = Duration.ofSeconds(Checks.atLeastOneSecond("keepAliveIdle", value).getSeconds());
            return this;
        }

        /**
         * @param value 1 to 32,767 s, whole seconds (rounded down); default 10 s
         * @return this
         */
        public Builder keepAliveInterval(Duration value) {
            keepAliveInterval = Duration.ofSeconds(Checks.atLeastOneSecond("keepAliveInterval", value).getSeconds());
            return this;
        }

        /**
         * @param value 1 to 127 (the kernel's limit); default 6
         * @return this
         */
        public Builder keepAliveCount(int value) {
            if (value < 1 || value > 127) {
                throw new IllegalArgumentException("keepAliveCount must be between 1 and 127: " + value);
            }
            keepAliveCount = value;
            return this;
        }

        /**
         * @param value bytes, 0 (kernel default, the default) or more
         * @return this
         */
        public Builder sendBufferSize(int value) {
            sendBufferSize = Checks.notNegative("sendBufferSize", value);
            return this;
        }

        /**
         * @param value bytes, 0 (kernel default, the default) or more
         * @return this
         */
        public Builder receiveBufferSize(int value) {
            receiveBufferSize = Checks.notNegative("receiveBufferSize", value);
            return this;
        }

        /**
         * Binds every socket to this source address (port 0: the kernel picks the port) before it
         * connects. Costly for the port budget: each such port is reserved against every
         * destination, not only the one it connects to (see the class description), and the pool
         * warns once. Default: none.
         *
         * @param value a local address of this host, or null for none (the default)
         * @return this
         */
        public Builder localAddress(InetAddress value) {
            localAddress = value;
            return this;
        }

        /** @return the policy */
        public SocketPolicy build() {
            return new SocketPolicy(this);
        }

        private static Duration millisOrLess(String name, Duration value) {
            if (value.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0) {
                throw new IllegalArgumentException(name + " must be at most " + Integer.MAX_VALUE + " ms: " + value);
            }
            return value;
        }
    }
}
