package dev.portkeeper.spring;

import dev.portkeeper.ClosePolicy;
import dev.portkeeper.ClosePolicy.Strategy;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PeerCloseHook;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.PoolSettings.ChurnGuard;
import dev.portkeeper.SocketPolicy;
import dev.portkeeper.budget.BudgetLevel;
import dev.portkeeper.budget.BudgetSettings;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * Configuration of Portkeeper in a Spring Boot application, bound from {@code portkeeper.*}.
 *
 * <p>The defaults are the core's. Every value is checked when it is bound, by the core's own
 * builders ({@link PoolSettings}, {@link SocketPolicy}, {@link ClosePolicy},
 * {@link BudgetSettings}): an invalid one stops startup with Spring Boot's failure report, which
 * names the property, its value, where it was set and the rule it breaks.
 */
@ConfigurationProperties("portkeeper")
public class PortkeeperProperties implements Validator {

    /**
     * Whether to auto-configure Portkeeper: the pool, the port-budget monitor, the HTTP client
     * builder, health and metrics.
     */
    private boolean enabled = true;

    /**
     * Name of the pool in log lines and thread names. Defaults to "portkeeper-N".
     */
    private String name;

    /**
     * Limits and times of the pool.
     */
    private final Pool pool = new Pool();

    /**
     * Options of every socket the pool opens.
     */
    private final Socket socket = new Socket();

    /**
     * How the pool closes the connections it retires, and so where TIME_WAIT lands.
     */
    private final Close close = new Close();

    /**
     * The port-budget monitor.
     */
    private final Monitor monitor = new Monitor();

    /**
     * Boot's blocking HTTP clients over the pool.
     */
    private final Http http = new Http();

    /**
     * The health indicator.
     */
    private final Health health = new Health();

    /**
     * Resilience4j circuit breakers around connects.
     */
    private final CircuitBreaker circuitBreaker = new CircuitBreaker();

    /**
     * Micrometer meters.
     */
    private final Metrics metrics = new Metrics();

    /**
     * Returns {@code enabled}.
     *
     * @return whether to auto-configure Portkeeper: the pool, the port-budget monitor, the HTTP client builder, health and metrics
     */
    public boolean isEnabled() {
        return this.enabled;
    }

    /**
     * Sets {@code enabled}.
     *
     * @param enabled whether to auto-configure Portkeeper: the pool, the port-budget monitor, the HTTP client builder, health and metrics
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
     * @return limits and times of the pool
     */
    public Pool getPool() {
        return this.pool;
    }

    /**
     * Returns {@code socket}.
     *
     * @return options of every socket the pool opens
     */
    public Socket getSocket() {
        return this.socket;
    }

    /**
     * Returns {@code close}.
     *
     * @return how the pool closes the connections it retires, and so where TIME_WAIT lands
     */
    public Close getClose() {
        return this.close;
    }

    /**
     * Returns {@code monitor}.
     *
     * @return the port-budget monitor
     */
    public Monitor getMonitor() {
        return this.monitor;
    }

    /**
     * Returns {@code http}.
     *
     * @return Boot's blocking HTTP clients over the pool
     */
    public Http getHttp() {
        return this.http;
    }

    /**
     * Returns {@code health}.
     *
     * @return the health indicator
     */
    public Health getHealth() {
        return this.health;
    }

    /**
     * Returns {@code circuitBreaker}.
     *
     * @return Resilience4j circuit breakers around connects
     */
    public CircuitBreaker getCircuitBreaker() {
        return this.circuitBreaker;
    }

    /**
     * Returns {@code metrics}.
     *
     * @return Micrometer meters
     */
    public Metrics getMetrics() {
        return this.metrics;
    }

    /**
     * @return the pool's settings
     * @throws IllegalArgumentException if a value is invalid (binding has checked them already)
     */
    public PoolSettings toPoolSettings() {
        return this.pool.toPoolSettings();
    }

    /**
     * @return the socket policy
     * @throws IllegalArgumentException if a value is invalid (binding has checked them already)
     */
    public SocketPolicy toSocketPolicy() {
        return this.socket.toSocketPolicy();
    }

    /**
     * @return the pool's close policy, for every endpoint without one of its own
     * @throws IllegalArgumentException if a value is invalid (binding has checked them already)
     */
    public ClosePolicy toClosePolicy() {
        return this.close.toClosePolicy();
    }

    /**
     * @return the close policies of single endpoints, in the order they were configured
     * @throws IllegalArgumentException if a value is invalid (binding has checked them already)
     */
    public Map<Endpoint, ClosePolicy> toEndpointClosePolicies() {
        Map<Endpoint, ClosePolicy> policies = new java.util.LinkedHashMap<>();
        for (EndpointClose e : this.close.getEndpoints()) {
            policies.put(parseEndpoint(e.getEndpoint()), e.toClosePolicy());
        }
        return policies;
    }

    /**
     * @return the monitor's settings
     * @throws IllegalArgumentException if a value is invalid (binding has checked them already)
     */
    public BudgetSettings toBudgetSettings() {
        return this.monitor.toBudgetSettings();
    }

    @Override
    public boolean supports(Class<?> type) {
        return type == PortkeeperProperties.class || type == Pool.class || type == Socket.class || type == Close.class
                || type == EndpointClose.class || type == Monitor.class || type == Health.class
                || type == CircuitBreaker.class || type == Metrics.class;
    }

    /**
     * Checks the values of this object, or of one of its nested objects, with the core's
     * builders. Spring Boot calls it for each object it binds, so each rejection names a field of
     * the object it was bound to, and Boot's failure report finds the property, its value and its
     * origin (file and line).
     */
    @Override
    public void validate(Object target, Errors errors) {
        if (target instanceof Pool p) {
            p.validate(errors);
        } else if (target instanceof Socket s) {
            s.validate(errors);
        } else if (target instanceof Close c) {
            c.validate(errors);
        } else if (target instanceof EndpointClose e) {
            e.validate(errors);
        } else if (target instanceof Monitor m) {
            m.validate(errors);
        } else if (target instanceof CircuitBreaker b) {
            b.validate(errors);
        } else if (target instanceof Metrics m) {
            m.validate(errors);
        } else if (target instanceof Health h) {
            if (h.downAt == null || h.downAt == BudgetLevel.OK) {
                errors.rejectValue("downAt", "portkeeper.invalid",
                        "downAt must be WARN, CRITICAL or EXHAUSTED (OK would always be DOWN): " + h.downAt);
            }
            if (h.maxDestinations < 0) {
                errors.rejectValue("maxDestinations", "portkeeper.invalid",
                        "maxDestinations must not be negative: " + h.maxDestinations);
            }
        } else if (target instanceof PortkeeperProperties p && p.name != null) {
            check(errors, "name", () -> dev.portkeeper.ConnectionPool.builder().name(p.name));
        }
    }

    /** Runs one builder call; an exception it throws becomes a rejection of the field. */
    static void check(Errors errors, String field, Runnable call) {
        try {
            call.run();
        } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
            errors.rejectValue(field, "portkeeper.invalid", String.valueOf(e.getMessage()));
        }
    }

    private static void atLeastOne(Errors errors, String field, int value) {
        if (value < 1) {
            errors.rejectValue(field, "portkeeper.invalid", field + " must be at least 1: " + value);
        }
    }

    /** Applies each setter of a builder on its own, so that each rejection names its own field. */
    private static <B> void each(Errors errors, String prefix, B builder, Map<String, Consumer<B>> setters) {
        setters.forEach((field, setter) -> check(errors, prefix + field, () -> setter.accept(builder)));
    }

    /**
     * @param text host:port, an IPv6 address in brackets
     * @return the endpoint
     * @throws IllegalArgumentException if the text is not host:port
     */
    static Endpoint parseEndpoint(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("endpoint must be host:port, e.g. cache.internal:11211");
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("endpoint must be host:port, e.g. cache.internal:11211: " + text);
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("endpoint with an IPv6 address must put it in brackets, e.g. [::1]:6379: "
                    + text);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("endpoint must be host:port with a numeric port: " + text);
        }
        return Endpoint.of(host, port);
    }

    /**
     * @param text a literal address of this host
     * @return the address
     * @throws IllegalArgumentException if it is not a literal address of one of this host's interfaces
     */
    static InetAddress parseLocalAddress(String text) {
        InetAddress address;
        try {
            address = InetAddress.getByName(text.trim());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("localAddress must be an address of this host: " + text + " is unknown");
        }
        try {
            if (!address.isAnyLocalAddress() && NetworkInterface.getByInetAddress(address) == null) {
                throw new IllegalArgumentException("localAddress must be an address of one of this host's interfaces: "
                        + text);
            }
        } catch (SocketException e) {
            throw new IllegalArgumentException("localAddress " + text + " could not be checked: " + e.getMessage());
        }
        return address;
    }

    /** A protocol's request that the peer close first, for {@link Strategy#PEER_FIRST}. */
    public enum Hook {
        /** memcached's text protocol: {@code quit}, answered by the server's close. */
        MEMCACHED,
        /** Redis: {@code QUIT}, answered by {@code +OK} and the server's close. */
        REDIS;

        /** @return the core's hook */
        public PeerCloseHook toPeerCloseHook() {
            return this == MEMCACHED ? PeerCloseHook.memcached() : PeerCloseHook.redis();
        }
    }

    /** Limits and times of the pool, converted to {@link PoolSettings}. */
    public static class Pool {

        /**
         * Maximum number of connections to one endpoint, borrowed and idle together, connects in
         * progress included (1 to 1,000,000, at most max-total).
         */
        private int maxPerEndpoint = PoolSettings.DEFAULT_MAX_PER_ENDPOINT;

        /**
         * Maximum number of connections to all endpoints together (1 to 1,000,000).
         */
        private int maxTotal = PoolSettings.DEFAULT_MAX_TOTAL;

        /**
         * Number of idle connections kept open per endpoint already in use, by the background task
         * (at most max-per-endpoint). 0 turns it off.
         */
        private int minIdlePerEndpoint = 0;

        /**
         * How long a borrow waits for a connection when the limits are reached, connects included
         * (0 to 1 day).
         */
        private Duration acquireTimeout = PoolSettings.DEFAULT_ACQUIRE_TIMEOUT;

        /**
         * Maximum number of borrowers waiting at once; one more fails at once instead of piling up
         * threads.
         */
        private int maxWaiters = PoolSettings.DEFAULT_MAX_WAITERS;

        /**
         * How long after it was opened a connection is retired (0 for no limit, at most 365 days).
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
         * How often the background task checks idle connections for expiry, idleness and a peer's
         * close (1 ms to 1 day).
         */
        private Duration evictionInterval = PoolSettings.DEFAULT_EVICTION_INTERVAL;

        /**
         * How long a connection may stay borrowed before it is reported as a leak, with the stack
         * of its borrow. 0 turns leak detection off.
         */
        private Duration leakDetectionThreshold = Duration.ZERO;

        /**
         * What the pool does when the port budget toward an endpoint is under pressure: ON opens
         * and retires connections no faster than the budget sustains, LOG_ONLY logs what it would
         * have held back, OFF ignores the budget.
         */
        private ChurnGuard churnGuard = ChurnGuard.ON;

        /**
         * Returns {@code maxPerEndpoint}.
         *
         * @return maximum number of connections to one endpoint, borrowed and idle together, connects in progress included (1 to 1,000,000, at most max-total)
         */
        public int getMaxPerEndpoint() {
            return this.maxPerEndpoint;
        }

        /**
         * Sets {@code maxPerEndpoint}.
         *
         * @param maxPerEndpoint maximum number of connections to one endpoint, borrowed and idle together, connects in progress included (1 to 1,000,000, at most max-total)
         */
        public void setMaxPerEndpoint(int maxPerEndpoint) {
            this.maxPerEndpoint = maxPerEndpoint;
        }

        /**
         * Returns {@code maxTotal}.
         *
         * @return maximum number of connections to all endpoints together (1 to 1,000,000)
         */
        public int getMaxTotal() {
            return this.maxTotal;
        }

        /**
         * Sets {@code maxTotal}.
         *
         * @param maxTotal maximum number of connections to all endpoints together (1 to 1,000,000)
         */
        public void setMaxTotal(int maxTotal) {
            this.maxTotal = maxTotal;
        }

        /**
         * Returns {@code minIdlePerEndpoint}.
         *
         * @return number of idle connections kept open per endpoint already in use, by the background task (at most max-per-endpoint)
         */
        public int getMinIdlePerEndpoint() {
            return this.minIdlePerEndpoint;
        }

        /**
         * Sets {@code minIdlePerEndpoint}.
         *
         * @param minIdlePerEndpoint number of idle connections kept open per endpoint already in use, by the background task (at most max-per-endpoint)
         */
        public void setMinIdlePerEndpoint(int minIdlePerEndpoint) {
            this.minIdlePerEndpoint = minIdlePerEndpoint;
        }

        /**
         * Returns {@code acquireTimeout}.
         *
         * @return how long a borrow waits for a connection when the limits are reached, connects included (0 to 1 day)
         */
        public Duration getAcquireTimeout() {
            return this.acquireTimeout;
        }

        /**
         * Sets {@code acquireTimeout}.
         *
         * @param acquireTimeout how long a borrow waits for a connection when the limits are reached, connects included (0 to 1 day)
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
         * @return how long after it was opened a connection is retired (0 for no limit, at most 365 days)
         */
        public Duration getMaxLifetime() {
            return this.maxLifetime;
        }

        /**
         * Sets {@code maxLifetime}.
         *
         * @param maxLifetime how long after it was opened a connection is retired (0 for no limit, at most 365 days)
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
         * @return how often the background task checks idle connections for expiry, idleness and a peer's close (1 ms to 1 day)
         */
        public Duration getEvictionInterval() {
            return this.evictionInterval;
        }

        /**
         * Sets {@code evictionInterval}.
         *
         * @param evictionInterval how often the background task checks idle connections for expiry, idleness and a peer's close (1 ms to 1 day)
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
         * Returns {@code churnGuard}.
         *
         * @return what the pool does when the port budget toward an endpoint is under pressure: ON opens and retires connections no faster than the budget sustains, LOG_ONLY logs what it would have held back, OFF ignores the budget
         */
        public ChurnGuard getChurnGuard() {
            return this.churnGuard;
        }

        /**
         * Sets {@code churnGuard}.
         *
         * @param churnGuard what the pool does when the port budget toward an endpoint is under pressure: ON opens and retires connections no faster than the budget sustains, LOG_ONLY logs what it would have held back, OFF ignores the budget
         */
        public void setChurnGuard(ChurnGuard churnGuard) {
            this.churnGuard = churnGuard;
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
                    .churnGuard(this.churnGuard)
                    .build();
        }

        void validate(Errors errors) {
            int before = errors.getErrorCount();
            PoolSettings.Builder b = PoolSettings.custom();
            each(errors, "", b, Map.of(
                    "maxPerEndpoint", x -> x.maxPerEndpoint(this.maxPerEndpoint),
                    "maxTotal", x -> x.maxTotal(this.maxTotal),
                    "minIdlePerEndpoint", x -> x.minIdlePerEndpoint(this.minIdlePerEndpoint),
                    "acquireTimeout", x -> x.acquireTimeout(this.acquireTimeout),
                    "maxWaiters", x -> x.maxWaiters(this.maxWaiters),
                    "maxLifetime", x -> x.maxLifetime(this.maxLifetime),
                    "lifetimeJitter", x -> x.lifetimeJitter(this.lifetimeJitter),
                    "idleTimeout", x -> x.idleTimeout(this.idleTimeout),
                    "evictionInterval", x -> x.evictionInterval(this.evictionInterval),
                    "leakDetectionThreshold", x -> x.leakDetectionThreshold(this.leakDetectionThreshold)));
            check(errors, "churnGuard", () -> b.churnGuard(this.churnGuard));
            if (errors.getErrorCount() == before) {
                // The rules between values: each message starts with the setting it names first.
                String field = this.maxPerEndpoint > this.maxTotal ? "maxPerEndpoint" : "minIdlePerEndpoint";
                check(errors, field, b::build);
            }
        }
    }

    /** Options applied to every socket the pool opens, converted to {@link SocketPolicy}. */
    public static class Socket {

        /**
         * Bound on connecting a new connection (at least 1 ms).
         */
        private Duration connectTimeout = SocketPolicy.DEFAULT_CONNECT_TIMEOUT;

        /**
         * Bound on one blocking read, watched by the pool. 0 waits forever. A connection whose read
         * timed out is discarded when it is given back.
         */
        private Duration readTimeout = SocketPolicy.DEFAULT_READ_TIMEOUT;

        /**
         * Bound on one blocking write to a peer that does not read, watched by the pool. 0 means
         * none.
         */
        private Duration writeTimeout = Duration.ZERO;

        /**
         * Whether to set TCP_NODELAY, so that small requests are sent without Nagle's delay.
         */
        private boolean tcpNoDelay = true;

        /**
         * Whether to set SO_KEEPALIVE, so that a peer that vanished without closing is detected.
         */
        private boolean keepAlive = true;

        /**
         * Silence before the first keepalive probe (TCP_KEEPIDLE), in whole seconds (1 s to 32767
         * s).
         */
        private Duration keepAliveIdle = SocketPolicy.DEFAULT_KEEPALIVE_IDLE;

        /**
         * Time between keepalive probes (TCP_KEEPINTVL), in whole seconds (1 s to 32767 s).
         */
        private Duration keepAliveInterval = SocketPolicy.DEFAULT_KEEPALIVE_INTERVAL;

        /**
         * Number of unanswered keepalive probes (1 to 127) before the kernel declares the peer dead
         * (TCP_KEEPCNT).
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
         * Local (source) address of this host that every socket binds before it connects, e.g.
         * 10.0.0.5. Unset by default: a bound address reserves each local port for every
         * destination, so all endpoints share one ephemeral-port budget.
         */
        private String localAddress;

        /**
         * Returns {@code connectTimeout}.
         *
         * @return bound on connecting a new connection (at least 1 ms)
         */
        public Duration getConnectTimeout() {
            return this.connectTimeout;
        }

        /**
         * Sets {@code connectTimeout}.
         *
         * @param connectTimeout bound on connecting a new connection (at least 1 ms)
         */
        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        /**
         * Returns {@code readTimeout}.
         *
         * @return bound on one blocking read, watched by the pool
         */
        public Duration getReadTimeout() {
            return this.readTimeout;
        }

        /**
         * Sets {@code readTimeout}.
         *
         * @param readTimeout bound on one blocking read, watched by the pool
         */
        public void setReadTimeout(Duration readTimeout) {
            this.readTimeout = readTimeout;
        }

        /**
         * Returns {@code writeTimeout}.
         *
         * @return bound on one blocking write to a peer that does not read, watched by the pool
         */
        public Duration getWriteTimeout() {
            return this.writeTimeout;
        }

        /**
         * Sets {@code writeTimeout}.
         *
         * @param writeTimeout bound on one blocking write to a peer that does not read, watched by the pool
         */
        public void setWriteTimeout(Duration writeTimeout) {
            this.writeTimeout = writeTimeout;
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
         * @return silence before the first keepalive probe (TCP_KEEPIDLE), in whole seconds (1 s to 32767 s)
         */
        public Duration getKeepAliveIdle() {
            return this.keepAliveIdle;
        }

        /**
         * Sets {@code keepAliveIdle}.
         *
         * @param keepAliveIdle silence before the first keepalive probe (TCP_KEEPIDLE), in whole seconds (1 s to 32767 s)
         */
        public void setKeepAliveIdle(Duration keepAliveIdle) {
            this.keepAliveIdle = keepAliveIdle;
        }

        /**
         * Returns {@code keepAliveInterval}.
         *
         * @return time between keepalive probes (TCP_KEEPINTVL), in whole seconds (1 s to 32767 s)
         */
        public Duration getKeepAliveInterval() {
            return this.keepAliveInterval;
        }

        /**
         * Sets {@code keepAliveInterval}.
         *
         * @param keepAliveInterval time between keepalive probes (TCP_KEEPINTVL), in whole seconds (1 s to 32767 s)
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
         * Returns {@code localAddress}.
         *
         * @return local (source) address of this host that every socket binds before it connects, e.g
         */
        public String getLocalAddress() {
            return this.localAddress;
        }

        /**
         * Sets {@code localAddress}.
         *
         * @param localAddress local (source) address of this host that every socket binds before it connects, e.g
         */
        public void setLocalAddress(String localAddress) {
            this.localAddress = localAddress;
        }

        /**
         * @return these values as a socket policy
         * @throws IllegalArgumentException with the core's message if a value is invalid
         */
        public SocketPolicy toSocketPolicy() {
            return SocketPolicy.custom()
                    .connectTimeout(this.connectTimeout)
                    .readTimeout(this.readTimeout)
                    .writeTimeout(this.writeTimeout)
                    .tcpNoDelay(this.tcpNoDelay)
                    .keepAlive(this.keepAlive)
                    .keepAliveIdle(this.keepAliveIdle)
                    .keepAliveInterval(this.keepAliveInterval)
                    .keepAliveCount(this.keepAliveCount)
                    .sendBufferSize(this.sendBufferSize)
                    .receiveBufferSize(this.receiveBufferSize)
                    .localAddress(this.localAddress == null || this.localAddress.isBlank() ? null
                            : parseLocalAddress(this.localAddress))
                    .build();
        }

        void validate(Errors errors) {
            int before = errors.getErrorCount();
            SocketPolicy.Builder b = SocketPolicy.custom();
            each(errors, "", b, Map.of(
                    "connectTimeout", x -> x.connectTimeout(this.connectTimeout),
                    "readTimeout", x -> x.readTimeout(this.readTimeout),
                    "writeTimeout", x -> x.writeTimeout(this.writeTimeout),
                    "keepAliveIdle", x -> x.keepAliveIdle(this.keepAliveIdle),
                    "keepAliveInterval", x -> x.keepAliveInterval(this.keepAliveInterval),
                    "keepAliveCount", x -> x.keepAliveCount(this.keepAliveCount),
                    "sendBufferSize", x -> x.sendBufferSize(this.sendBufferSize),
                    "receiveBufferSize", x -> x.receiveBufferSize(this.receiveBufferSize)));
            if (this.localAddress != null && !this.localAddress.isBlank()) {
                check(errors, "localAddress", () -> parseLocalAddress(this.localAddress));
            }
            if (errors.getErrorCount() == before) {
                check(errors, "connectTimeout", b::build);
            }
        }
    }

    /** How the pool closes the connections it retires, converted to {@link ClosePolicy}. */
    public static class Close {

        /**
         * How the pool closes the connections it retires: GRACEFUL (a FIN, TIME_WAIT stays here),
         * PEER_FIRST (the hook asks the peer to close first, TIME_WAIT lands on the server),
         * ABORT_WHEN_IDLE (a reset for an idle connection, no TIME_WAIT).
         */
        private Strategy strategy = Strategy.GRACEFUL;

        /**
         * Protocol request that asks the peer to close, required by PEER_FIRST and only allowed
         * with it: MEMCACHED (quit) or REDIS (QUIT).
         */
        private Hook hook;

        /**
         * PEER_FIRST: how long to wait for the peer's FIN after the request (above 0, at most 10
         * s), on a background thread.
         */
        private Duration peerCloseTimeout = ClosePolicy.DEFAULT_PEER_CLOSE_TIMEOUT;

        /**
         * Close policies for single endpoints, which override the pool's.
         */
        private final List<EndpointClose> endpoints = new ArrayList<>();

        /**
         * Returns {@code strategy}.
         *
         * @return how the pool closes the connections it retires: GRACEFUL (a FIN, TIME_WAIT stays here), PEER_FIRST (the hook asks the peer to close first, TIME_WAIT lands on the server), ABORT_WHEN_IDLE (a reset for an idle connection, no TIME_WAIT)
         */
        public Strategy getStrategy() {
            return this.strategy;
        }

        /**
         * Sets {@code strategy}.
         *
         * @param strategy how the pool closes the connections it retires: GRACEFUL (a FIN, TIME_WAIT stays here), PEER_FIRST (the hook asks the peer to close first, TIME_WAIT lands on the server), ABORT_WHEN_IDLE (a reset for an idle connection, no TIME_WAIT)
         */
        public void setStrategy(Strategy strategy) {
            this.strategy = strategy;
        }

        /**
         * Returns {@code hook}.
         *
         * @return protocol request that asks the peer to close, required by PEER_FIRST and only allowed with it: MEMCACHED (quit) or REDIS (QUIT)
         */
        public Hook getHook() {
            return this.hook;
        }

        /**
         * Sets {@code hook}.
         *
         * @param hook protocol request that asks the peer to close, required by PEER_FIRST and only allowed with it: MEMCACHED (quit) or REDIS (QUIT)
         */
        public void setHook(Hook hook) {
            this.hook = hook;
        }

        /**
         * Returns {@code peerCloseTimeout}.
         *
         * @return pEER_FIRST: how long to wait for the peer's FIN after the request (above 0, at most 10 s), on a background thread
         */
        public Duration getPeerCloseTimeout() {
            return this.peerCloseTimeout;
        }

        /**
         * Sets {@code peerCloseTimeout}.
         *
         * @param peerCloseTimeout pEER_FIRST: how long to wait for the peer's FIN after the request (above 0, at most 10 s), on a background thread
         */
        public void setPeerCloseTimeout(Duration peerCloseTimeout) {
            this.peerCloseTimeout = peerCloseTimeout;
        }

        /**
         * Returns {@code endpoints}.
         *
         * @return close policies for single endpoints, which override the pool's
         */
        public List<EndpointClose> getEndpoints() {
            return this.endpoints;
        }

        /**
         * @return the pool's close policy
         * @throws IllegalArgumentException if a value is invalid
         * @throws IllegalStateException if the strategy and the hook do not go together
         */
        public ClosePolicy toClosePolicy() {
            return ClosePolicy.custom().strategy(this.strategy)
                    .hook(this.hook == null ? null : this.hook.toPeerCloseHook())
                    .peerCloseTimeout(this.peerCloseTimeout).build();
        }

        void validate(Errors errors) {
            ClosePolicies.validate(errors, this.strategy, this.hook, this.peerCloseTimeout);
        }
    }

    /** The close policy of one endpoint. */
    public static class EndpointClose {

        /**
         * Endpoint as host:port (an IPv6 address in brackets, e.g. [::1]:6379), as the application
         * borrows it.
         */
        private String endpoint;

        /**
         * How the pool closes the connections it retires: GRACEFUL (a FIN, TIME_WAIT stays here),
         * PEER_FIRST (the hook asks the peer to close first, TIME_WAIT lands on the server),
         * ABORT_WHEN_IDLE (a reset for an idle connection, no TIME_WAIT).
         */
        private Strategy strategy = Strategy.GRACEFUL;

        /**
         * Protocol request that asks the peer to close, required by PEER_FIRST and only allowed
         * with it: MEMCACHED (quit) or REDIS (QUIT).
         */
        private Hook hook;

        /**
         * PEER_FIRST: how long to wait for the peer's FIN after the request (above 0, at most 10
         * s), on a background thread.
         */
        private Duration peerCloseTimeout = ClosePolicy.DEFAULT_PEER_CLOSE_TIMEOUT;

        /**
         * Returns {@code endpoint}.
         *
         * @return endpoint as host:port (an IPv6 address in brackets, e.g
         */
        public String getEndpoint() {
            return this.endpoint;
        }

        /**
         * Sets {@code endpoint}.
         *
         * @param endpoint endpoint as host:port (an IPv6 address in brackets, e.g
         */
        public void setEndpoint(String endpoint) {
            this.endpoint = endpoint;
        }

        /**
         * Returns {@code strategy}.
         *
         * @return how the pool closes the connections it retires: GRACEFUL (a FIN, TIME_WAIT stays here), PEER_FIRST (the hook asks the peer to close first, TIME_WAIT lands on the server), ABORT_WHEN_IDLE (a reset for an idle connection, no TIME_WAIT)
         */
        public Strategy getStrategy() {
            return this.strategy;
        }

        /**
         * Sets {@code strategy}.
         *
         * @param strategy how the pool closes the connections it retires: GRACEFUL (a FIN, TIME_WAIT stays here), PEER_FIRST (the hook asks the peer to close first, TIME_WAIT lands on the server), ABORT_WHEN_IDLE (a reset for an idle connection, no TIME_WAIT)
         */
        public void setStrategy(Strategy strategy) {
            this.strategy = strategy;
        }

        /**
         * Returns {@code hook}.
         *
         * @return protocol request that asks the peer to close, required by PEER_FIRST and only allowed with it: MEMCACHED (quit) or REDIS (QUIT)
         */
        public Hook getHook() {
            return this.hook;
        }

        /**
         * Sets {@code hook}.
         *
         * @param hook protocol request that asks the peer to close, required by PEER_FIRST and only allowed with it: MEMCACHED (quit) or REDIS (QUIT)
         */
        public void setHook(Hook hook) {
            this.hook = hook;
        }

        /**
         * Returns {@code peerCloseTimeout}.
         *
         * @return pEER_FIRST: how long to wait for the peer's FIN after the request (above 0, at most 10 s), on a background thread
         */
        public Duration getPeerCloseTimeout() {
            return this.peerCloseTimeout;
        }

        /**
         * Sets {@code peerCloseTimeout}.
         *
         * @param peerCloseTimeout pEER_FIRST: how long to wait for the peer's FIN after the request (above 0, at most 10 s), on a background thread
         */
        public void setPeerCloseTimeout(Duration peerCloseTimeout) {
            this.peerCloseTimeout = peerCloseTimeout;
        }

        /**
         * @return this endpoint's close policy
         * @throws IllegalArgumentException if a value is invalid
         * @throws IllegalStateException if the strategy and the hook do not go together
         */
        public ClosePolicy toClosePolicy() {
            return ClosePolicy.custom().strategy(this.strategy)
                    .hook(this.hook == null ? null : this.hook.toPeerCloseHook())
                    .peerCloseTimeout(this.peerCloseTimeout).build();
        }

        void validate(Errors errors) {
            check(errors, "endpoint", () -> parseEndpoint(this.endpoint));
            ClosePolicies.validate(errors, this.strategy, this.hook, this.peerCloseTimeout);
        }
    }

    /** The port-budget monitor, its thresholds converted to {@link BudgetSettings}. */
    public static class Monitor {

        /**
         * Whether to run a port-budget monitor and attach the pool to it, which the churn guard
         * needs.
         */
        private boolean enabled = true;

        /**
         * How often the cheap counters (/proc/net/sockstat) are read, and the full socket tables
         * when under pressure (10 ms to 1 h).
         */
        private Duration sampleInterval = Duration.ofSeconds(1);

        /**
         * How often the full socket tables are read when the counters show little use (10 ms to 1 h).
         */
        private Duration idleTableInterval = Duration.ofSeconds(10);

        /**
         * Samples a trend and a close rate are measured over (1 s to 60 s).
         */
        private Duration trendWindow = Duration.ofSeconds(10);

        /**
         * Share of a budget's capacity in use from which it is WARN (above 0, below 1, below
         * critical-ratio).
         */
        private double warnRatio = 0.6;

        /**
         * Share of a budget's capacity in use from which it is CRITICAL (above 0, below 1).
         */
        private double criticalRatio = 0.85;

        /**
         * A budget is WARN when its exhaustion is forecast within this (1 ms to 24 h, longer
         * than critical-horizon).
         */
        private Duration warnHorizon = Duration.ofMinutes(5);

        /**
         * A budget is CRITICAL when its exhaustion is forecast within this (1 ms to 24 h).
         */
        private Duration criticalHorizon = Duration.ofSeconds(60);

        /**
         * How far below its threshold the share in use must fall before a level is left (at least
         * 0, below 0.5), so that a budget hovering at a threshold does not flap.
         */
        private double hysteresis = 0.1;

        /**
         * Returns {@code enabled}.
         *
         * @return whether to run a port-budget monitor and attach the pool to it, which the churn guard needs
         */
        public boolean isEnabled() {
            return this.enabled;
        }

        /**
         * Sets {@code enabled}.
         *
         * @param enabled whether to run a port-budget monitor and attach the pool to it, which the churn guard needs
         */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /**
         * Returns {@code sampleInterval}.
         *
         * @return how often the cheap counters (/proc/net/sockstat) are read, and the full socket tables when under pressure (10 ms to 1 h)
         */
        public Duration getSampleInterval() {
            return this.sampleInterval;
        }

        /**
         * Sets {@code sampleInterval}.
         *
         * @param sampleInterval how often the cheap counters (/proc/net/sockstat) are read, and the full socket tables when under pressure (10 ms to 1 h)
         */
        public void setSampleInterval(Duration sampleInterval) {
            this.sampleInterval = sampleInterval;
        }

        /**
         * Returns {@code idleTableInterval}.
         *
         * @return how often the full socket tables are read when the counters show little use
         */
        public Duration getIdleTableInterval() {
            return this.idleTableInterval;
        }

        /**
         * Sets {@code idleTableInterval}.
         *
         * @param idleTableInterval how often the full socket tables are read when the counters show little use
         */
        public void setIdleTableInterval(Duration idleTableInterval) {
            this.idleTableInterval = idleTableInterval;
        }

        /**
         * Returns {@code trendWindow}.
         *
         * @return samples a trend and a close rate are measured over (1 s to 60 s)
         */
        public Duration getTrendWindow() {
            return this.trendWindow;
        }

        /**
         * Sets {@code trendWindow}.
         *
         * @param trendWindow samples a trend and a close rate are measured over (1 s to 60 s)
         */
        public void setTrendWindow(Duration trendWindow) {
            this.trendWindow = trendWindow;
        }

        /**
         * Returns {@code warnRatio}.
         *
         * @return share of a budget's capacity in use from which it is WARN (above 0, below 1, below critical-ratio)
         */
        public double getWarnRatio() {
            return this.warnRatio;
        }

        /**
         * Sets {@code warnRatio}.
         *
         * @param warnRatio share of a budget's capacity in use from which it is WARN (above 0, below 1, below critical-ratio)
         */
        public void setWarnRatio(double warnRatio) {
            this.warnRatio = warnRatio;
        }

        /**
         * Returns {@code criticalRatio}.
         *
         * @return share of a budget's capacity in use from which it is CRITICAL (above 0, below 1)
         */
        public double getCriticalRatio() {
            return this.criticalRatio;
        }

        /**
         * Sets {@code criticalRatio}.
         *
         * @param criticalRatio share of a budget's capacity in use from which it is CRITICAL (above 0, below 1)
         */
        public void setCriticalRatio(double criticalRatio) {
            this.criticalRatio = criticalRatio;
        }

        /**
         * Returns {@code warnHorizon}.
         *
         * @return a budget is WARN when its exhaustion is forecast within this (1 ms to 24 h, longer than critical-horizon)
         */
        public Duration getWarnHorizon() {
            return this.warnHorizon;
        }

        /**
         * Sets {@code warnHorizon}.
         *
         * @param warnHorizon a budget is WARN when its exhaustion is forecast within this (1 ms to 24 h, longer than critical-horizon)
         */
        public void setWarnHorizon(Duration warnHorizon) {
            this.warnHorizon = warnHorizon;
        }

        /**
         * Returns {@code criticalHorizon}.
         *
         * @return a budget is CRITICAL when its exhaustion is forecast within this
         */
        public Duration getCriticalHorizon() {
            return this.criticalHorizon;
        }

        /**
         * Sets {@code criticalHorizon}.
         *
         * @param criticalHorizon a budget is CRITICAL when its exhaustion is forecast within this
         */
        public void setCriticalHorizon(Duration criticalHorizon) {
            this.criticalHorizon = criticalHorizon;
        }

        /**
         * Returns {@code hysteresis}.
         *
         * @return how far below its threshold the share in use must fall before a level is left (at least 0, below 0.5), so that a budget hovering at a threshold does not flap
         */
        public double getHysteresis() {
            return this.hysteresis;
        }

        /**
         * Sets {@code hysteresis}.
         *
         * @param hysteresis how far below its threshold the share in use must fall before a level is left (at least 0, below 0.5), so that a budget hovering at a threshold does not flap
         */
        public void setHysteresis(double hysteresis) {
            this.hysteresis = hysteresis;
        }

        /**
         * @return these thresholds and intervals as the monitor's settings
         * @throws IllegalArgumentException with the core's message if a value is invalid
         */
        public BudgetSettings toBudgetSettings() {
            return BudgetSettings.custom()
                    .sampleInterval(this.sampleInterval)
                    .idleTableInterval(this.idleTableInterval)
                    .trendWindow(this.trendWindow)
                    .warnRatio(this.warnRatio)
                    .criticalRatio(this.criticalRatio)
                    .warnHorizon(this.warnHorizon)
                    .criticalHorizon(this.criticalHorizon)
                    .hysteresis(this.hysteresis)
                    .build();
        }

        void validate(Errors errors) {
            int before = errors.getErrorCount();
            BudgetSettings.Builder b = BudgetSettings.custom();
            each(errors, "", b, Map.of(
                    "sampleInterval", x -> x.sampleInterval(this.sampleInterval),
                    "idleTableInterval", x -> x.idleTableInterval(this.idleTableInterval),
                    "trendWindow", x -> x.trendWindow(this.trendWindow),
                    "warnRatio", x -> x.warnRatio(this.warnRatio),
                    "criticalRatio", x -> x.criticalRatio(this.criticalRatio),
                    "warnHorizon", x -> x.warnHorizon(this.warnHorizon),
                    "criticalHorizon", x -> x.criticalHorizon(this.criticalHorizon),
                    "hysteresis", x -> x.hysteresis(this.hysteresis)));
            if (errors.getErrorCount() == before) {
                String field = this.warnRatio >= this.criticalRatio ? "warnRatio" : "warnHorizon";
                check(errors, field, b::build);
            }
        }
    }

    /** The HTTP clients Spring Boot builds. */
    public static class Http {

        /**
         * Whether the HTTP clients Spring Boot builds (RestClient.Builder, RestTemplateBuilder,
         * HTTP service groups) go through the pool, by a ClientHttpRequestFactoryBuilder bean over
         * Apache HttpClient 5. Setting spring.http.clients.imperative.factory turns it off as well.
         */
        private boolean enabled = true;

        /**
         * Returns {@code enabled}.
         *
         * @return whether the HTTP clients Spring Boot builds (RestClient.Builder, RestTemplateBuilder, HTTP service groups) go through the pool, by a ClientHttpRequestFactoryBuilder bean over Apache HttpClient 5
         */
        public boolean isEnabled() {
            return this.enabled;
        }

        /**
         * Sets {@code enabled}.
         *
         * @param enabled whether the HTTP clients Spring Boot builds (RestClient.Builder, RestTemplateBuilder, HTTP service groups) go through the pool, by a ClientHttpRequestFactoryBuilder bean over Apache HttpClient 5
         */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** The {@code portkeeper} health indicator. */
    public static class Health {

        /**
         * Budget level from which the health is DOWN: WARN, CRITICAL or EXHAUSTED. Below it a WARN
         * budget is UP with a warning detail.
         */
        private BudgetLevel downAt = BudgetLevel.CRITICAL;

        /**
         * Maximum number of destinations listed in the details, the fullest first.
         */
        private int maxDestinations = 10;

        /**
         * Returns {@code downAt}.
         *
         * @return budget level from which the health is DOWN: WARN, CRITICAL or EXHAUSTED
         */
        public BudgetLevel getDownAt() {
            return this.downAt;
        }

        /**
         * Sets {@code downAt}.
         *
         * @param downAt budget level from which the health is DOWN: WARN, CRITICAL or EXHAUSTED
         */
        public void setDownAt(BudgetLevel downAt) {
            this.downAt = downAt;
        }

        /**
         * Returns {@code maxDestinations}.
         *
         * @return maximum number of destinations listed in the details, the fullest first
         */
        public int getMaxDestinations() {
            return this.maxDestinations;
        }

        /**
         * Sets {@code maxDestinations}.
         *
         * @param maxDestinations maximum number of destinations listed in the details, the fullest first
         */
        public void setMaxDestinations(int maxDestinations) {
            this.maxDestinations = maxDestinations;
        }
    }


    /** A Resilience4j circuit breaker per endpoint around the pool's connects. */
    public static class CircuitBreaker {

        /**
         * Whether to put a Resilience4j circuit breaker per endpoint around the pool's connects,
         * when Resilience4j is on the class path. Port exhaustion never counts as the endpoint's
         * failure.
         */
        private boolean enabled = true;

        /**
         * Share of failed connects, in percent (above 0, at most 100), at which an endpoint's
         * breaker opens.
         */
        private float failureRateThreshold = 50;

        /**
         * Number of last connects the failure rate is measured over (at least 1).
         */
        private int slidingWindowSize = 10;

        /**
         * Number of connects to an endpoint before its failure rate counts (at least 1).
         */
        private int minimumNumberOfCalls = 5;

        /**
         * How long an open breaker refuses connects before it lets trial connects through (at least
         * 1 ms).
         */
        private Duration waitDurationInOpenState = Duration.ofSeconds(10);

        /**
         * Number of trial connects a half-open breaker lets through (at least 1).
         */
        private int permittedNumberOfCallsInHalfOpenState = 2;

        /**
         * Returns {@code enabled}.
         *
         * @return whether to put a Resilience4j circuit breaker per endpoint around the pool's connects, when Resilience4j is on the class path
         */
        public boolean isEnabled() {
            return this.enabled;
        }

        /**
         * Sets {@code enabled}.
         *
         * @param enabled whether to put a Resilience4j circuit breaker per endpoint around the pool's connects, when Resilience4j is on the class path
         */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /**
         * Returns {@code failureRateThreshold}.
         *
         * @return share of failed connects, in percent (above 0, at most 100), at which an endpoint's breaker opens
         */
        public float getFailureRateThreshold() {
            return this.failureRateThreshold;
        }

        /**
         * Sets {@code failureRateThreshold}.
         *
         * @param failureRateThreshold share of failed connects, in percent (above 0, at most 100), at which an endpoint's breaker opens
         */
        public void setFailureRateThreshold(float failureRateThreshold) {
            this.failureRateThreshold = failureRateThreshold;
        }

        /**
         * Returns {@code slidingWindowSize}.
         *
         * @return number of last connects the failure rate is measured over (at least 1)
         */
        public int getSlidingWindowSize() {
            return this.slidingWindowSize;
        }

        /**
         * Sets {@code slidingWindowSize}.
         *
         * @param slidingWindowSize number of last connects the failure rate is measured over (at least 1)
         */
        public void setSlidingWindowSize(int slidingWindowSize) {
            this.slidingWindowSize = slidingWindowSize;
        }

        /**
         * Returns {@code minimumNumberOfCalls}.
         *
         * @return number of connects to an endpoint before its failure rate counts (at least 1)
         */
        public int getMinimumNumberOfCalls() {
            return this.minimumNumberOfCalls;
        }

        /**
         * Sets {@code minimumNumberOfCalls}.
         *
         * @param minimumNumberOfCalls number of connects to an endpoint before its failure rate counts (at least 1)
         */
        public void setMinimumNumberOfCalls(int minimumNumberOfCalls) {
            this.minimumNumberOfCalls = minimumNumberOfCalls;
        }

        /**
         * Returns {@code waitDurationInOpenState}.
         *
         * @return how long an open breaker refuses connects before it lets trial connects through (at least 1 ms)
         */
        public Duration getWaitDurationInOpenState() {
            return this.waitDurationInOpenState;
        }

        /**
         * Sets {@code waitDurationInOpenState}.
         *
         * @param waitDurationInOpenState how long an open breaker refuses connects before it lets trial connects through (at least 1 ms)
         */
        public void setWaitDurationInOpenState(Duration waitDurationInOpenState) {
            this.waitDurationInOpenState = waitDurationInOpenState;
        }

        /**
         * Returns {@code permittedNumberOfCallsInHalfOpenState}.
         *
         * @return number of trial connects a half-open breaker lets through (at least 1)
         */
        public int getPermittedNumberOfCallsInHalfOpenState() {
            return this.permittedNumberOfCallsInHalfOpenState;
        }

        /**
         * Sets {@code permittedNumberOfCallsInHalfOpenState}.
         *
         * @param permittedNumberOfCallsInHalfOpenState number of trial connects a half-open breaker lets through (at least 1)
         */
        public void setPermittedNumberOfCallsInHalfOpenState(int permittedNumberOfCallsInHalfOpenState) {
            this.permittedNumberOfCallsInHalfOpenState = permittedNumberOfCallsInHalfOpenState;
        }

        void validate(Errors errors) {
            if (!(this.failureRateThreshold > 0 && this.failureRateThreshold <= 100)) {
                errors.rejectValue("failureRateThreshold", "portkeeper.invalid",
                        "failureRateThreshold must be above 0 and at most 100: " + this.failureRateThreshold);
            }
            atLeastOne(errors, "slidingWindowSize", this.slidingWindowSize);
            atLeastOne(errors, "minimumNumberOfCalls", this.minimumNumberOfCalls);
            atLeastOne(errors, "permittedNumberOfCallsInHalfOpenState", this.permittedNumberOfCallsInHalfOpenState);
            if (this.waitDurationInOpenState == null || this.waitDurationInOpenState.compareTo(Duration.ofMillis(1)) < 0) {
                errors.rejectValue("waitDurationInOpenState", "portkeeper.invalid",
                        "waitDurationInOpenState must be at least 1 ms: " + this.waitDurationInOpenState);
            }
        }
    }

    /** The meters of the pool and of the port budget. */
    public static class Metrics {

        /**
         * Whether to publish the pool's and the port budget's meters (portkeeper.*), when
         * Micrometer is on the class path.
         */
        private boolean enabled = true;

        /**
         * Number of endpoints whose pool meters have an endpoint tag of their own; the rest share
         * endpoint=other (at least 1).
         */
        private int maxEndpoints = 100;

        /**
         * Number of most pressed destinations whose port-budget meters have a destination tag of
         * their own; the rest are summed as destination=other (at least 1).
         */
        private int topDestinations = 20;

        /**
         * How long one port-budget sample serves the gauges of a scrape (above 0).
         */
        private Duration maxAge = Duration.ofSeconds(2);

        /**
         * Returns {@code enabled}.
         *
         * @return whether to publish the pool's and the port budget's meters (portkeeper.*), when Micrometer is on the class path
         */
        public boolean isEnabled() {
            return this.enabled;
        }

        /**
         * Sets {@code enabled}.
         *
         * @param enabled whether to publish the pool's and the port budget's meters (portkeeper.*), when Micrometer is on the class path
         */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /**
         * Returns {@code maxEndpoints}.
         *
         * @return number of endpoints whose pool meters have an endpoint tag of their own; the rest share endpoint=other (at least 1)
         */
        public int getMaxEndpoints() {
            return this.maxEndpoints;
        }

        /**
         * Sets {@code maxEndpoints}.
         *
         * @param maxEndpoints number of endpoints whose pool meters have an endpoint tag of their own; the rest share endpoint=other (at least 1)
         */
        public void setMaxEndpoints(int maxEndpoints) {
            this.maxEndpoints = maxEndpoints;
        }

        /**
         * Returns {@code topDestinations}.
         *
         * @return number of most pressed destinations whose port-budget meters have a destination tag of their own; the rest are summed as destination=other (at least 1)
         */
        public int getTopDestinations() {
            return this.topDestinations;
        }

        /**
         * Sets {@code topDestinations}.
         *
         * @param topDestinations number of most pressed destinations whose port-budget meters have a destination tag of their own; the rest are summed as destination=other (at least 1)
         */
        public void setTopDestinations(int topDestinations) {
            this.topDestinations = topDestinations;
        }

        /**
         * Returns {@code maxAge}.
         *
         * @return how long one port-budget sample serves the gauges of a scrape (above 0)
         */
        public Duration getMaxAge() {
            return this.maxAge;
        }

        /**
         * Sets {@code maxAge}.
         *
         * @param maxAge how long one port-budget sample serves the gauges of a scrape (above 0)
         */
        public void setMaxAge(Duration maxAge) {
            this.maxAge = maxAge;
        }

        void validate(Errors errors) {
            atLeastOne(errors, "maxEndpoints", this.maxEndpoints);
            atLeastOne(errors, "topDestinations", this.topDestinations);
            if (this.maxAge == null || this.maxAge.isNegative() || this.maxAge.isZero()) {
                errors.rejectValue("maxAge", "portkeeper.invalid", "maxAge must be greater than 0: " + this.maxAge);
            }
        }
    }
}
