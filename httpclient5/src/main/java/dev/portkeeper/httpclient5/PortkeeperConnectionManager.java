package dev.portkeeper.httpclient5;

import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PoolListener;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.PooledConnection;
import dev.portkeeper.PortBudget;
import dev.portkeeper.SocketPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.impl.DefaultSchemePortResolver;
import org.apache.hc.client5.http.impl.io.DefaultManagedHttpClientConnection;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.io.ConnectionEndpoint;
import org.apache.hc.client5.http.io.HttpClientConnectionManager;
import org.apache.hc.client5.http.io.LeaseRequest;
import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Apache HttpClient 5's classic {@link HttpClientConnectionManager} over a Portkeeper
 * {@link ConnectionPool}: a lease is a borrow, a release a give-back, and the connections
 * underneath are the pool's, checked on every borrow, retired after their lifetime, counted in the
 * port budget and held back by the churn guard.
 *
 * <p><b>How it maps.</b> Each pooled socket carries, for its whole life, one HttpCore
 * {@link ManagedHttpClientConnection} (with its session buffers), bound once to an adapter socket
 * whose streams are those of the lease in force, and for https a TLS socket layered on that adapter
 * once, handshake included, so that reuse skips the handshake. The pool's key is host and port; the
 * socket's TLS identity (plain, or this manager's TLS strategy) is checked at each borrow and a
 * mismatch discarded, so http and https to the same port, or two managers with different TLS
 * settings sharing one pool, never cross.
 *
 * <p><b>Where TIME_WAIT lands.</b> When a connection's lifetime is over
 * ({@link PooledConnection#isLastUse()}, or a little before the pool would retire it: see
 * {@code BoundHttpConnection.lastUseAge}), its last request carries {@code Connection: close}; the
 * server answers and closes first, the manager hands the connection back with
 * {@link PooledConnection#closeWhenPeerCloses()} (the pool waits for the FIN on its close thread,
 * at most its {@code peerCloseTimeout}), and the pool records a PEER close: the TIME_WAIT is on the server.
 * A response with {@code Connection: close} is handled the same way.
 *
 * <p><b>Keep-alive.</b> The {@code validDuration} HttpClient hands to {@link #release} (a server's
 * {@code Keep-Alive: timeout=N}) less a margin (a quarter of it, at most 1 s) bounds the socket's
 * reuse: past it the socket is discarded at the next borrow instead of racing the server's close.
 *
 * <p><b>Timeouts.</b> The wait for a connection is the shorter of the pool's
 * {@code acquireTimeout} and HttpClient's {@code connectionRequestTimeout}, connects included;
 * the connect itself is bounded by the pool's {@link SocketPolicy#connectTimeout()}, the TLS
 * handshake by HttpClient's connect timeout when one is given (else the policy's read timeout),
 * and the response by HttpClient's {@code responseTimeout} (the lease's read timeout).
 *
 * <p><b>Routes.</b> Direct routes only, http and https. A route through a proxy (tunnelled or
 * not) or with a local address fails at lease time with an {@link UnsupportedOperationException}
 * that says so: use HttpClient's own connection manager for proxied traffic, and
 * {@link SocketPolicy}'s {@code localAddress} for a source address.
 *
 * <p><b>Failures.</b> The pool's exceptions ({@code PortExhaustedException},
 * {@code AcquireTimeoutException}, {@code ConnectFailedException}, ...) reach the caller of
 * {@code HttpClient.execute} as they are: the socket is borrowed in {@link #connect}, whose
 * {@link IOException}s HttpClient passes through. A request that fails before any byte of its
 * response arrived raises an {@link UnansweredRequestException} (or {@link ResponseTimeoutException})
 * that says whether the server may have received it.
 *
 * <p>Thread-safe. {@link #close()} closes the pool only if this manager built it.
 */
public final class PortkeeperConnectionManager implements HttpClientConnectionManager {
    private static final Logger LOG = LoggerFactory.getLogger(PortkeeperConnectionManager.class);
    /** The idle timeout of a pool the manager builds: below the 60 s of many load balancers. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(50);
    /** The largest margin taken off a server's keep-alive timeout. */
    static final long MAX_KEEP_ALIVE_MARGIN_MILLIS = 1000;

    private final ConnectionPool pool;
    private final boolean ownsPool;
    private final TlsSocketStrategy tlsStrategy;
    private final ManagedHttpClientConnectionFactory connectionFactory;

    private PortkeeperConnectionManager(Builder b) {
        if (b.pool != null) {
            pool = b.pool;
            ownsPool = false;
        } else {
            ConnectionPool.Builder pb = ConnectionPool.builder()
                    .settings(b.settings != null ? b.settings
                            : PoolSettings.custom().idleTimeout(DEFAULT_IDLE_TIMEOUT).build())
                    .socketPolicy(b.socketPolicy != null ? b.socketPolicy : SocketPolicy.ofDefaults());
            if (b.name != null) {
                pb.name(b.name);
            }
            if (b.portBudget != null) {
                pb.portBudget(b.portBudget);
            }
            b.listeners.forEach(pb::listener);
            pool = pb.build();
            ownsPool = true;
        }
        tlsStrategy = b.tlsStrategy != null ? b.tlsStrategy : DefaultClientTlsStrategy.createDefault();
        connectionFactory = b.connectionFactory;
    }

    /** @return a builder: a pool of its own with the defaults, the JDK's default TLS */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the pool underneath */
    public ConnectionPool pool() {
        return pool;
    }

    /** @return whether {@link #close()} closes the pool (the manager built it) */
    public boolean ownsPool() {
        return ownsPool;
    }

    /**
     * @param route the route
     * @return the pool's key for the route's target: host name and port (the scheme's default if none)
     */
    /** Endpoint.of validates the host's syntax: once per target, not once per request. Bounded: cleared past 4,096. */
    private static final java.util.Map<HttpHost, Endpoint> ENDPOINTS = new java.util.concurrent.ConcurrentHashMap<>();

    static Endpoint endpointOf(HttpRoute route) {
        HttpHost target = route.getTargetHost();
        Endpoint known = ENDPOINTS.get(target);
        if (known != null) {
            return known;
        }
        Endpoint endpoint = newEndpoint(target);
        if (ENDPOINTS.size() >= 4_096) {
            ENDPOINTS.clear();
        }
        ENDPOINTS.put(target, endpoint);
        return endpoint;
    }

    private static Endpoint newEndpoint(HttpHost target) {
        int port = target.getPort();
        if (port < 0) {
            try {
                port = DefaultSchemePortResolver.INSTANCE.resolve(target);
            } catch (RuntimeException e) {
                throw new UnsupportedOperationException("No port for " + target + ": " + e.getMessage(), e);
            }
        }
        return Endpoint.of(target.getHostName(), port);
    }

    @Override
    public LeaseRequest lease(String id, HttpRoute route, Timeout requestTimeout, Object state) {
        Objects.requireNonNull(route, "route");
        if (route.getProxyHost() != null || route.isTunnelled()) {
            throw new UnsupportedOperationException("PortkeeperConnectionManager serves direct routes only, not " + route
                    + " (through proxy " + route.getProxyHost() + "): use HttpClient's PoolingHttpClientConnectionManager"
                    + " for proxied traffic, or reach " + route.getTargetHost() + " directly");
        }
        if (route.getLocalAddress() != null) {
            throw new UnsupportedOperationException("PortkeeperConnectionManager does not bind a route's local address ("
                    + route.getLocalAddress() + "): set SocketPolicy.localAddress on the pool instead (and read its"
                    + " caveat: a bound source address reserves each port for every destination)");
        }
        Endpoint endpoint = endpointOf(route);
        return new LeaseRequest() {
            @Override
            public ConnectionEndpoint get(Timeout timeout) {
                return new PortkeeperEndpoint(route, endpoint, requestTimeout);
            }

            @Override
            public boolean cancel() {
                return false;
            }
        };
    }

    @Override
    public void connect(ConnectionEndpoint endpoint, TimeValue connectTimeout, HttpContext context) throws IOException {
        PortkeeperEndpoint ep = cast(endpoint);
        if (ep.lease() != null) {
            return;
        }
        boolean secure = ep.route.isSecure();
        Object tlsKey = secure ? tlsStrategy : null;
        Duration acquire = pool.settings().acquireTimeout();
        if (ep.requestTimeout != null && !ep.requestTimeout.isDisabled()
                && ep.requestTimeout.toMilliseconds() < acquire.toMillis()) {
            acquire = Duration.ofMillis(ep.requestTimeout.toMilliseconds());
        }
        long deadline = System.nanoTime() + acquire.toNanos();
        int maxDiscards = pool.settings().maxPerEndpoint() + 1;
        for (int discarded = 0; ; discarded++) {
            PooledConnection lease = pool.borrow(ep.endpoint, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            PooledConnection.Attachment a = lease.attachment();
            if (a == null && lease.useCount() == 1) {
                ep.bind(lease, open(lease, ep, secure, tlsKey, connectTimeout, context), false);
                return;
            }
            String why;
            if (!(a instanceof BoundHttpConnection)) {
                why = "it was used before without HTTP state (another user of the pool)";
            } else {
                BoundHttpConnection b = (BoundHttpConnection) a;
                if (b.tlsKey != tlsKey) {
                    why = b.tlsKey == null ? "it is plain http and https is wanted"
                            : tlsKey == null ? "it is https and plain http is wanted" : "its TLS settings differ";
                } else if (!b.conn.isOpen()) {
                    why = "its HTTP connection was closed";
                } else if (System.nanoTime() - b.reusableUntil >= 0) {
                    why = "the server's keep-alive timeout is (nearly) over";
                } else {
                    b.socket.lease(lease);
                    ep.bind(lease, b, true);
                    return;
                }
            }
            LOG.debug("Pool {}: discarding {} instead of reusing it: {}", pool.name(), lease, why);
            lease.invalidate();
            if (discarded >= maxDiscards) {
                throw new IOException("No reusable connection to " + ep.endpoint + " after discarding " + discarded
                        + " unsuitable ones (last: " + why + ")");
            }
        }
    }

    private BoundHttpConnection open(PooledConnection lease, PortkeeperEndpoint ep, boolean secure, Object tlsKey,
            TimeValue connectTimeout, HttpContext context) throws IOException {
        LeaseSocket socket = new LeaseSocket(lease);
        socket.lease(lease);
        try {
            ManagedHttpClientConnection conn = connectionFactory.createConnection(null);
            ExchangeCounter counter;
            SSLSocket ssl = null;
            if (secure) {
                if (connectTimeout != null && TimeValue.isPositive(connectTimeout)) {
                    lease.setReadTimeout(Duration.ofMillis(Math.min(Integer.MAX_VALUE, connectTimeout.toMilliseconds())));
                }
                HttpHost target = ep.route.getTargetHost();
                ssl = tlsStrategy.upgrade(socket, target.getHostName(), ep.endpoint.port(), null, context);
                lease.setReadTimeout(pool.socketPolicy().readTimeout());
                counter = new ExchangeCounter(ssl, socket);
            } else {
                counter = new ExchangeCounter(socket);
            }
            ((DefaultManagedHttpClientConnection) conn).bind(counter);
            BoundHttpConnection bound = new BoundHttpConnection(socket, ssl, counter, conn, tlsKey,
                    BoundHttpConnection.lastUseAge(pool.settings().maxLifetime(), pool.settings().lifetimeJitter()));
            lease.attach(bound);
            return bound;
        } catch (IOException | RuntimeException e) {
            socket.kill();
            lease.invalidate();
            throw e;
        }
    }

    @Override
    public void upgrade(ConnectionEndpoint endpoint, HttpContext context) throws IOException {
        throw new UnsupportedOperationException("PortkeeperConnectionManager does not upgrade a connection to TLS after"
                + " it was opened (proxy tunnels, 101 Switching Protocols): use an https URI, whose connections are TLS"
                + " from their first byte");
    }

    @Override
    public void release(ConnectionEndpoint endpoint, Object newState, TimeValue validDuration) {
        PortkeeperEndpoint ep = cast(endpoint);
        if (ep.lease() == null) {
            return;
        }
        if (!ep.isConnected() || validDuration != null && validDuration.getDuration() == 0) {
            ep.close(CloseMode.GRACEFUL);
            return;
        }
        ep.giveBack(reusableUntil(System.nanoTime(), validDuration));
    }

    /**
     * @return System.nanoTime() until which a connection released now may be reused: its
     *     {@code validDuration} less a quarter of it, at most 1 s; forever when none was given
     */
    static long reusableUntil(long now, TimeValue validDuration) {
        if (validDuration == null || validDuration.getDuration() < 0) {
            return Long.MAX_VALUE;
        }
        long millis = validDuration.toMilliseconds();
        long margin = Math.min(MAX_KEEP_ALIVE_MARGIN_MILLIS, millis / 4);
        long nanos = TimeUnit.MILLISECONDS.toNanos(millis - margin);
        return nanos >= Long.MAX_VALUE - now ? Long.MAX_VALUE : now + nanos;
    }

    private static PortkeeperEndpoint cast(ConnectionEndpoint endpoint) {
        if (endpoint instanceof PortkeeperEndpoint) {
            return (PortkeeperEndpoint) endpoint;
        }
        throw new IllegalStateException("Not an endpoint of this connection manager: " + endpoint);
    }

    /** Closes the pool if this manager built it; a pool given to it is left to its owner. */
    @Override
    public void close(CloseMode closeMode) {
        if (ownsPool) {
            pool.close();
        }
    }

    @Override
    public void close() {
        close(CloseMode.GRACEFUL);
    }

    @Override
    public String toString() {
        return "PortkeeperConnectionManager{" + pool + (ownsPool ? ", owns the pool" : ", shared pool") + '}';
    }

    /** Builds a {@link PortkeeperConnectionManager}. Not thread-safe. */
    public static final class Builder {
        private ConnectionPool pool;
        private String name;
        private PoolSettings settings;
        private SocketPolicy socketPolicy;
        private PortBudget portBudget;
        private final List<PoolListener> listeners = new ArrayList<>();
        private TlsSocketStrategy tlsStrategy;
        private ManagedHttpClientConnectionFactory connectionFactory = ManagedHttpClientConnectionFactory.INSTANCE;

        private Builder() {
        }

        /**
         * Uses a pool that others may share: the manager never closes it. Excludes the settings
         * of a pool the manager would build.
         *
         * @param value the pool
         * @return this
         */
        public Builder pool(ConnectionPool value) {
            pool = Objects.requireNonNull(value, "pool");
            return this;
        }

        /**
         * @param value the name of the pool the manager builds
         * @return this
         */
        public Builder name(String value) {
            name = Objects.requireNonNull(value, "name");
            return this;
        }

        /**
         * @param value the settings of the pool the manager builds; default
         *     {@link PoolSettings#ofDefaults()} with an idle timeout of 50 s
         * @return this
         */
        public Builder poolSettings(PoolSettings value) {
            settings = Objects.requireNonNull(value, "poolSettings");
            return this;
        }

        /**
         * @param value the socket policy of the pool the manager builds
         * @return this
         */
        public Builder socketPolicy(SocketPolicy value) {
            socketPolicy = Objects.requireNonNull(value, "socketPolicy");
            return this;
        }

        /**
         * @param value the port budget of the pool the manager builds
         * @return this
         */
        public Builder portBudget(PortBudget value) {
            portBudget = Objects.requireNonNull(value, "portBudget");
            return this;
        }

        /**
         * @param value a listener of the pool the manager builds
         * @return this
         */
        public Builder listener(PoolListener value) {
            listeners.add(Objects.requireNonNull(value, "listener"));
            return this;
        }

        /**
         * @param value how https connections are made TLS (protocols, ciphers, trust, hostname
         *     verification); default {@link DefaultClientTlsStrategy#createDefault()}: the JDK's
         *     default trust, SNI, the JDK's HTTPS endpoint identification
         * @return this
         */
        public Builder tlsStrategy(TlsSocketStrategy value) {
            tlsStrategy = Objects.requireNonNull(value, "tlsStrategy");
            return this;
        }

        /**
         * @param value the TLS context for https, with HttpClient's defaults for the rest
         *     (hostname verification on)
         * @return this
         */
        public Builder sslContext(SSLContext value) {
            tlsStrategy = ClientTlsStrategyBuilder.create().setSslContext(Objects.requireNonNull(value, "sslContext"))
                    .buildClassic();
            return this;
        }

        /**
         * @param value makes HttpCore's connections (HTTP/1.1 settings, charsets)
         * @return this
         */
        public Builder connectionFactory(ManagedHttpClientConnectionFactory value) {
            connectionFactory = Objects.requireNonNull(value, "connectionFactory");
            return this;
        }

        /**
         * @return the manager
         * @throws IllegalStateException if a shared pool was given together with settings for a pool to build
         */
        public PortkeeperConnectionManager build() {
            if (pool != null && (name != null || settings != null || socketPolicy != null || portBudget != null
                    || !listeners.isEmpty())) {
                throw new IllegalStateException("pool(...) was given: its settings, socket policy, name, listeners and"
                        + " port budget are the pool's own; drop name/poolSettings/socketPolicy/portBudget/listener,"
                        + " or let the manager build the pool");
            }
            return new PortkeeperConnectionManager(this);
        }
    }
}
