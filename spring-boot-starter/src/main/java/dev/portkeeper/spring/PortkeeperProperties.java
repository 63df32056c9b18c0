package dev.portkeeper.spring;

import dev.portkeeper.PoolSettings;
import dev.portkeeper.SocketPolicy;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of the auto-configured {@link dev.portkeeper.ConnectionPool}, bound from
 * {@code portkeeper.*}.
 *
 * <p>The defaults are the core's. Values are checked by the {@link PoolSettings} and
 * {@link SocketPolicy} builders when the beans are created, so an invalid value fails startup
 * with the core's message naming the setting and the value.
 */
@ConfigurationProperties("portkeeper")
public class PortkeeperProperties {

    /**
     * Whether to auto-configure a Portkeeper connection pool.
     */
    private boolean enabled = true;

    /**
     * Name of the pool in log lines and thread names. Defaults to "portkeeper-N".
     */
    private String name;

    private final Pool pool = new Pool();

    private final Socket socket = new Socket();

    public boolean isEnabled() {
        return this.enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getName() {
        return this.name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public Pool getPool() {
        return this.pool;
    }

    public Socket getSocket() {
        return this.socket;
    }

    /** Limits and times of the pool, converted to {@link PoolSettings}. */
    public static class Pool {

        /**
         * Maximum number of connections to one endpoint, borrowed and idle together.
         */
        private int maxPerEndpoint = PoolSettings.DEFAULT_MAX_PER_ENDPOINT;

        /**
         * Maximum number of connections to all endpoints together. When reached, the oldest idle
         * connections to other endpoints are closed to make room.
         */
        private int maxTotal = PoolSettings.DEFAULT_MAX_TOTAL;

        /**
         * Number of idle connections kept open per endpoint already in use, by the background
         * task. 0 turns it off.
         */
        private int minIdlePerEndpoint = 0;

        /**
         * How long a borrow waits for a connection when the limits are reached. 0 does not wait.
         */
        private Duration acquireTimeout = PoolSettings.DEFAULT_ACQUIRE_TIMEOUT;

        /**
         * Maximum number of borrowers waiting at once; one more fails at once instead of piling
         * up threads.
         */
        private int maxWaiters = PoolSettings.DEFAULT_MAX_WAITERS;

        /**
         * How long after it was opened a connection is retired. 0 means never.
         */
        private Duration maxLifetime = PoolSettings.DEFAULT_MAX_LIFETIME;

        /**
         * Fraction (at least 0, below 1) by which each connection's lifetime may be shortened, so
         * that connections opened together do not all expire together.
         */
        private double lifetimeJitter = PoolSettings.DEFAULT_LIFETIME_JITTER;

        /**
         * How long an unused idle connection is kept open. 0 means forever.
         */
        private Duration idleTimeout = PoolSettings.DEFAULT_IDLE_TIMEOUT;

        /**
         * How often the background task checks idle connections for expiry, idleness and a
         * peer's close.
         */
        private Duration evictionInterval = PoolSettings.DEFAULT_EVICTION_INTERVAL;

        /**
         * How long a connection may stay borrowed before it is reported as a leak, with the
         * stack of its borrow. 0 turns leak detection off.
         */
        private Duration leakDetectionThreshold = Duration.ZERO;

        public int getMaxPerEndpoint() {
            return this.maxPerEndpoint;
        }

        public void setMaxPerEndpoint(int maxPerEndpoint) {
            this.maxPerEndpoint = maxPerEndpoint;
        }

        public int getMaxTotal() {
            return this.maxTotal;
        }

        public void setMaxTotal(int maxTotal) {
            this.maxTotal = maxTotal;
        }

        public int getMinIdlePerEndpoint() {
            return this.minIdlePerEndpoint;
        }

        public void setMinIdlePerEndpoint(int minIdlePerEndpoint) {
            this.minIdlePerEndpoint = minIdlePerEndpoint;
        }

        public Duration getAcquireTimeout() {
            return this.acquireTimeout;
        }

        public void setAcquireTimeout(Duration acquireTimeout) {
            this.acquireTimeout = acquireTimeout;
        }

        public int getMaxWaiters() {
            return this.maxWaiters;
        }

        public void setMaxWaiters(int maxWaiters) {
            this.maxWaiters = maxWaiters;
        }

        public Duration getMaxLifetime() {
            return this.maxLifetime;
        }

        public void setMaxLifetime(Duration maxLifetime) {
            this.maxLifetime = maxLifetime;
        }

        public double getLifetimeJitter() {
            return this.lifetimeJitter;
        }

        public void setLifetimeJitter(double lifetimeJitter) {
            this.lifetimeJitter = lifetimeJitter;
        }

        public Duration getIdleTimeout() {
            return this.idleTimeout;
        }

        public void setIdleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
        }

        public Duration getEvictionInterval() {
            return this.evictionInterval;
        }

        public void setEvictionInterval(Duration evictionInterval) {
            this.evictionInterval = evictionInterval;
        }

        public Duration getLeakDetectionThreshold() {
            return this.leakDetectionThreshold;
        }

        public void setLeakDetectionThreshold(Duration leakDetectionThreshold) {
            this.leakDetectionThreshold = leakDetectionThreshold;
        }

        /**
         * @return these values as settings
         * @throws IllegalArgumentException with the core's message if a value is invalid
         */
        public PoolSettings toPoolSettings() {
            return PoolSettings.custom()
                    .maxPerEndpoint(this.maxPerEndpoint)
                    .maxTotal(this.maxTotal)
                    .minIdlePerEndpoint(this.minIdlePerEndpoint)
                    .acquireTimeout(this.acquireTimeout)
                    .maxWaiters(this.maxWaiters)
                    .maxLifetime(this.maxLifetime)
                    .lifetimeJitter(this.lifetimeJitter)
                    .idleTimeout(this.idleTimeout)
                    .evictionInterval(this.evictionInterval)
                    .leakDetectionThreshold(this.leakDetectionThreshold)
                    .build();
        }
    }

    /** Options applied to every socket the pool opens, converted to {@link SocketPolicy}. */
    public static class Socket {

        /**
         * Bound on connecting a new connection.
         */
        private Duration connectTimeout = SocketPolicy.DEFAULT_CONNECT_TIMEOUT;

        /**
         * Bound on one blocking read (SO_TIMEOUT). 0 waits forever. A connection whose read timed
         * out is discarded when it is given back.
         */
        private Duration readTimeout = SocketPolicy.DEFAULT_READ_TIMEOUT;

        /**
         * Whether to set TCP_NODELAY, so that small requests are sent without Nagle's delay.
         */
        private boolean tcpNoDelay = true;

        /**
         * Whether to set SO_KEEPALIVE, so that a peer that vanished without closing is detected.
         */
        private boolean keepAlive = true;

        /**
         * Silence before the first keepalive probe (TCP_KEEPIDLE), in whole seconds.
         */
        private Duration keepAliveIdle = SocketPolicy.DEFAULT_KEEPALIVE_IDLE;

        /**
         * Time between keepalive probes (TCP_KEEPINTVL), in whole seconds.
         */
        private Duration keepAliveInterval = SocketPolicy.DEFAULT_KEEPALIVE_INTERVAL;

        /**
         * Number of unanswered keepalive probes (1 to 127) before the kernel declares the peer
         * dead (TCP_KEEPCNT).
         */
        private int keepAliveCount = SocketPolicy.DEFAULT_KEEPALIVE_COUNT;

        /**
         * Send buffer size (SO_SNDBUF) in bytes. 0 leaves the kernel's autotuning alone.
         */
        private int sendBufferSize = 0;

        /**
         * Receive buffer size (SO_RCVBUF) in bytes. 0 leaves the kernel's autotuning alone.
         */
        private int receiveBufferSize = 0;

        public Duration getConnectTimeout() {
            return this.connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getReadTimeout() {
            return this.readTimeout;
        }

        public void setReadTimeout(Duration readTimeout) {
            this.readTimeout = readTimeout;
        }

        public boolean isTcpNoDelay() {
            return this.tcpNoDelay;
        }

        public void setTcpNoDelay(boolean tcpNoDelay) {
            this.tcpNoDelay = tcpNoDelay;
        }

        public boolean isKeepAlive() {
            return this.keepAlive;
        }

        public void setKeepAlive(boolean keepAlive) {
            this.keepAlive = keepAlive;
        }

        public Duration getKeepAliveIdle() {
            return this.keepAliveIdle;
        }

        public void setKeepAliveIdle(Duration keepAliveIdle) {
            this.keepAliveIdle = keepAliveIdle;
        }

        public Duration getKeepAliveInterval() {
            return this.keepAliveInterval;
        }

        public void setKeepAliveInterval(Duration keepAliveInterval) {
            this.keepAliveInterval = keepAliveInterval;
        }

        public int getKeepAliveCount() {
            return this.keepAliveCount;
        }

        public void setKeepAliveCount(int keepAliveCount) {
            this.keepAliveCount = keepAliveCount;
        }

        public int getSendBufferSize() {
            return this.sendBufferSize;
        }

        public void setSendBufferSize(int sendBufferSize) {
            this.sendBufferSize = sendBufferSize;
        }

        public int getReceiveBufferSize() {
            return this.receiveBufferSize;
        }

        public void setReceiveBufferSize(int receiveBufferSize) {
            this.receiveBufferSize = receiveBufferSize;
        }

        /**
         * @return these values as a socket policy
         * @throws IllegalArgumentException with the core's message if a value is invalid
         */
        public SocketPolicy toSocketPolicy() {
            return SocketPolicy.custom()
                    .connectTimeout(this.connectTimeout)
                    .readTimeout(this.readTimeout)
                    .tcpNoDelay(this.tcpNoDelay)
                    .keepAlive(this.keepAlive)
                    .keepAliveIdle(this.keepAliveIdle)
                    .keepAliveInterval(this.keepAliveInterval)
                    .keepAliveCount(this.keepAliveCount)
                    .sendBufferSize(this.sendBufferSize)
                    .receiveBufferSize(this.receiveBufferSize)
                    .build();
        }
    }
}
