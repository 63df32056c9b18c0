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

    /**
     * Returns {@code enabled}.
     *
     * @return whether to auto-configure a Portkeeper connection pool
     */
    public boolean isEnabled() {
        return this.enabled;
    }

    /**
     * Sets {@code enabled}.
     *
     * @param enabled whether to auto-configure a Portkeeper connection pool
     */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * Returns {@code name}.
     *
     * @return name of the pool in log lines and thread names
     */
    public String getName() {
        return this.name;
    }

    /**
     * Sets {@code name}.
     *
     * @param name name of the pool in log lines and thread names
     */
    public void setName(String name) {
        this.name = name;
    }

    /**
     * Returns {@code pool}.
     *
     * @return the pool's limits and times
     */
    public Pool getPool() {
        return this.pool;
    }

    /**
     * Returns {@code socket}.
     *
     * @return the socket policy of each connection
     */
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

        /**
         * Returns {@code maxPerEndpoint}.
         *
         * @return maximum number of connections to one endpoint, borrowed and idle together
         */
        public int getMaxPerEndpoint() {
            return this.maxPerEndpoint;
        }

        /**
         * Sets {@code maxPerEndpoint}.
         *
         * @param maxPerEndpoint maximum number of connections to one endpoint, borrowed and idle together
         */
        public void setMaxPerEndpoint(int maxPerEndpoint) {
            this.maxPerEndpoint = maxPerEndpoint;
        }

        /**
         * Returns {@code maxTotal}.
         *
         * @return maximum number of connections to all endpoints together
         */
        public int getMaxTotal() {
            return this.maxTotal;
        }

        /**
         * Sets {@code maxTotal}.
         *
         * @param maxTotal maximum number of connections to all endpoints together
         */
        public void setMaxTotal(int maxTotal) {
            this.maxTotal = maxTotal;
        }

        /**
         * Returns {@code minIdlePerEndpoint}.
         *
         * @return number of idle connections kept open per endpoint already in use, by the background task
         */
        public int getMinIdlePerEndpoint() {
            return this.minIdlePerEndpoint;
        }

        /**
         * Sets {@code minIdlePerEndpoint}.
         *
         * @param minIdlePerEndpoint number of idle connections kept open per endpoint already in use, by the background task
         */
        public void setMinIdlePerEndpoint(int minIdlePerEndpoint) {
            this.minIdlePerEndpoint = minIdlePerEndpoint;
        }

        /**
         * Returns {@code acquireTimeout}.
         *
         * @return how long a borrow waits for a connection when the limits are reached
         */
        public Duration getAcquireTimeout() {
            return this.acquireTimeout;
        }

        /**
         * Sets {@code acquireTimeout}.
         *
         * @param acquireTimeout how long a borrow waits for a connection when the limits are reached
         */
        public void setAcquireTimeout(Duration acquireTimeout) {
            this.acquireTimeout = acquireTimeout;
        }

        /**
         * Returns {@code maxWaiters}.
         *
         * @return maximum number of borrowers waiting at once; one more fails at once instead of piling up threads
         */
        public int getMaxWaiters() {
            return this.maxWaiters;
        }

        /**
         * Sets {@code maxWaiters}.
         *
         * @param maxWaiters maximum number of borrowers waiting at once; one more fails at once instead of piling up threads
         */
        public void setMaxWaiters(int maxWaiters) {
            this.maxWaiters = maxWaiters;
        }

        /**
         * Returns {@code maxLifetime}.
         *
         * @return how long after it was opened a connection is retired
         */
        public Duration getMaxLifetime() {
            return this.maxLifetime;
        }

        /**
         * Sets {@code maxLifetime}.
         *
         * @param maxLifetime how long after it was opened a connection is retired
         */
        public void setMaxLifetime(Duration maxLifetime) {
            this.maxLifetime = maxLifetime;
        }

        /**
         * Returns {@code lifetimeJitter}.
         *
         * @return fraction (at least 0, below 1) by which each connection's lifetime may be shortened, so that connections opened together do not all expire together
         */
        public double getLifetimeJitter() {
            return this.lifetimeJitter;
        }

        /**
         * Sets {@code lifetimeJitter}.
         *
         * @param lifetimeJitter fraction (at least 0, below 1) by which each connection's lifetime may be shortened, so that connections opened together do not all expire together
         */
        public void setLifetimeJitter(double lifetimeJitter) {
            this.lifetimeJitter = lifetimeJitter;
        }

        /**
         * Returns {@code idleTimeout}.
         *
         * @return how long an unused idle connection is kept open
         */
        public Duration getIdleTimeout() {
            return this.idleTimeout;
        }

        /**
         * Sets {@code idleTimeout}.
         *
         * @param idleTimeout how long an unused idle connection is kept open
         */
        public void setIdleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
        }

        /**
         * Returns {@code evictionInterval}.
         *
         * @return how often the background task checks idle connections for expiry, idleness and a peer's close
         */
        public Duration getEvictionInterval() {
            return this.evictionInterval;
        }

        /**
         * Sets {@code evictionInterval}.
         *
         * @param evictionInterval how often the background task checks idle connections for expiry, idleness and a peer's close
         */
        public void setEvictionInterval(Duration evictionInterval) {
            this.evictionInterval = evictionInterval;
        }

        /**
         * Returns {@code leakDetectionThreshold}.
         *
         * @return how long a connection may stay borrowed before it is reported as a leak, with the stack of its borrow
         */
        public Duration getLeakDetectionThreshold() {
            return this.leakDetectionThreshold;
        }

        /**
         * Sets {@code leakDetectionThreshold}.
         *
         * @param leakDetectionThreshold how long a connection may stay borrowed before it is reported as a leak, with the stack of its borrow
         */
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

        /**
         * Returns {@code connectTimeout}.
         *
         * @return bound on connecting a new connection
         */
        public Duration getConnectTimeout() {
            return this.connectTimeout;
        }

        /**
         * Sets {@code connectTimeout}.
         *
         * @param connectTimeout bound on connecting a new connection
         */
        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        /**
         * Returns {@code readTimeout}.
         *
         * @return bound on one blocking read (SO_TIMEOUT)
         */
        public Duration getReadTimeout() {
            return this.readTimeout;
        }

        /**
         * Sets {@code readTimeout}.
         *
         * @param readTimeout bound on one blocking read (SO_TIMEOUT)
         */
        public void setReadTimeout(Duration readTimeout) {
            this.readTimeout = readTimeout;
        }

        /**
         * Returns {@code tcpNoDelay}.
         *
         * @return whether to set TCP_NODELAY, so that small requests are sent without Nagle's delay
         */
        public boolean isTcpNoDelay() {
            return this.tcpNoDelay;
        }

        /**
         * Sets {@code tcpNoDelay}.
         *
         * @param tcpNoDelay whether to set TCP_NODELAY, so that small requests are sent without Nagle's delay
         */
        public void setTcpNoDelay(boolean tcpNoDelay) {
            this.tcpNoDelay = tcpNoDelay;
        }

        /**
         * Returns {@code keepAlive}.
         *
         * @return whether to set SO_KEEPALIVE, so that a peer that vanished without closing is detected
         */
        public boolean isKeepAlive() {
            return this.keepAlive;
        }

        /**
         * Sets {@code keepAlive}.
         *
         * @param keepAlive whether to set SO_KEEPALIVE, so that a peer that vanished without closing is detected
         */
        public void setKeepAlive(boolean keepAlive) {
            this.keepAlive = keepAlive;
        }

        /**
         * Returns {@code keepAliveIdle}.
         *
         * @return silence before the first keepalive probe (TCP_KEEPIDLE), in whole seconds
         */
        public Duration getKeepAliveIdle() {
            return this.keepAliveIdle;
        }

        /**
         * Sets {@code keepAliveIdle}.
         *
         * @param keepAliveIdle silence before the first keepalive probe (TCP_KEEPIDLE), in whole seconds
         */
        public void setKeepAliveIdle(Duration keepAliveIdle) {
            this.keepAliveIdle = keepAliveIdle;
        }

        /**
         * Returns {@code keepAliveInterval}.
         *
         * @return time between keepalive probes (TCP_KEEPINTVL), in whole seconds
         */
        public Duration getKeepAliveInterval() {
            return this.keepAliveInterval;
        }

        /**
         * Sets {@code keepAliveInterval}.
         *
         * @param keepAliveInterval time between keepalive probes (TCP_KEEPINTVL), in whole seconds
         */
        public void setKeepAliveInterval(Duration keepAliveInterval) {
            this.keepAliveInterval = keepAliveInterval;
        }

        /**
         * Returns {@code keepAliveCount}.
         *
         * @return number of unanswered keepalive probes (1 to 127) before the kernel declares the peer dead (TCP_KEEPCNT)
         */
        public int getKeepAliveCount() {
            return this.keepAliveCount;
        }

        /**
         * Sets {@code keepAliveCount}.
         *
         * @param keepAliveCount number of unanswered keepalive probes (1 to 127) before the kernel declares the peer dead (TCP_KEEPCNT)
         */
        public void setKeepAliveCount(int keepAliveCount) {
            this.keepAliveCount = keepAliveCount;
        }

        /**
         * Returns {@code sendBufferSize}.
         *
         * @return send buffer size (SO_SNDBUF) in bytes
         */
        public int getSendBufferSize() {
            return this.sendBufferSize;
        }

        /**
         * Sets {@code sendBufferSize}.
         *
         * @param sendBufferSize send buffer size (SO_SNDBUF) in bytes
         */
        public void setSendBufferSize(int sendBufferSize) {
            this.sendBufferSize = sendBufferSize;
        }

        /**
         * Returns {@code receiveBufferSize}.
         *
         * @return receive buffer size (SO_RCVBUF) in bytes
         */
        public int getReceiveBufferSize() {
            return this.receiveBufferSize;
        }

        /**
         * Sets {@code receiveBufferSize}.
         *
         * @param receiveBufferSize receive buffer size (SO_RCVBUF) in bytes
         */
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
