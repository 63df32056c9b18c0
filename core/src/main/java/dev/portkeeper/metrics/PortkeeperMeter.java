package dev.portkeeper.metrics;

import java.util.List;
import java.util.Locale;

/**
 * Every meter Portkeeper publishes, decided once: its Micrometer name, type, base unit, tag keys
 * and meaning. {@link PoolMetrics} and {@link PortBudgetMetrics} register exactly these, the CLI's
 * {@code doctor --format prometheus} prints the {@code portkeeper.ports.*} and host ones under
 * {@link #prometheusName()}, and README's table lists them.
 *
 * <p>Names follow Micrometer's conventions: lowercase dotted words, no unit and no "total" in the
 * name, the unit in {@link #baseUnit()}, one name with a {@code state} tag rather than one name
 * per state. This class needs no Micrometer: tools that only print the names can use it without.
 */
public enum PortkeeperMeter {

    // ---------------------------------------------------------------- a pool (PoolMetrics)

    /** Connections of an endpoint by state: lent, idle in the pool, being opened. */
    CONNECTIONS("portkeeper.connections", Type.GAUGE, "connections", List.of("pool", "endpoint", "state"),
            "connections of the endpoint: state=active (lent), idle (in the pool), pending (connect in progress)"),
    /** Borrowers waiting for a connection of an endpoint (HikariCP's {@code pending}). */
    CONNECTIONS_WAITING("portkeeper.connections.waiting", Type.GAUGE, "threads", List.of("pool", "endpoint"),
            "borrowers waiting for a connection of the endpoint"),
    /** The pool's {@code maxTotal}. */
    CONNECTIONS_MAX("portkeeper.connections.max", Type.GAUGE, "connections", List.of("pool"),
            "the pool's limit over all endpoints (maxTotal)"),
    /** The pool's {@code maxPerEndpoint}. */
    CONNECTIONS_ENDPOINT_MAX("portkeeper.connections.endpoint.max", Type.GAUGE, "connections", List.of("pool"),
            "the pool's limit per endpoint (maxPerEndpoint)"),
    /** Connections opened. */
    CONNECTIONS_OPENED("portkeeper.connections.opened", Type.COUNTER, "connections", List.of("pool", "endpoint"),
            "connections opened"),
    /** Connections closed, by why and by where their TIME_WAIT landed. */
    CONNECTIONS_CLOSED("portkeeper.connections.closed", Type.COUNTER, "connections",
            List.of("pool", "endpoint", "reason", "time.wait"),
            "connections closed: reason=expired|idle|peer_closed|stray_bytes|broken|invalidated|capacity|retired|"
                    + "pool_closed,"
                    + " time.wait=local (TIME_WAIT here)|peer (on the peer)|none (a reset)"),
    /** PEER_FIRST or ABORT_WHEN_IDLE closes that fell back to a graceful one. */
    CONNECTIONS_CLOSE_FALLBACKS("portkeeper.connections.close.fallbacks", Type.COUNTER, "connections",
            List.of("pool", "endpoint", "strategy", "cause"),
            "closes whose strategy (peer_first, abort_when_idle) fell back to graceful: cause=not_idle|unread_bytes|"
                    + "request_failed|unexpected_reply|peer_did_not_close"),
    /** Connects that failed (refused, timed out, no local port, refused by the circuit breaker). */
    CONNECTIONS_CONNECT_FAILURES("portkeeper.connections.connect.failures", Type.COUNTER, "connections",
            List.of("pool", "endpoint", "cause"),
            "connects that failed: cause=connect_failed|port_exhausted|circuit_open|interrupted|other"),
    /** Time from borrow() to the lease: the wait, the check and a connect when one was needed. */
    CONNECTIONS_ACQUIRE("portkeeper.connections.acquire", Type.TIMER, "seconds", List.of("pool", "endpoint"),
            "successful borrows: time from borrow() to the lease (wait, check, connect)"),
    /** Borrows that failed, by cause; cause=timeout counts acquire timeouts. */
    CONNECTIONS_ACQUIRE_FAILURES("portkeeper.connections.acquire.failures", Type.COUNTER, "borrows",
            List.of("pool", "endpoint", "cause"),
            "borrows that failed: cause=timeout|too_many_waiters|connect_failed|port_exhausted|circuit_open|"
                    + "pool_closed|interrupted|other"),
    /** How long each connect took. */
    CONNECTIONS_CREATION("portkeeper.connections.creation", Type.TIMER, "seconds", List.of("pool", "endpoint"),
            "connect() time of each connection opened"),
    /** How long borrowers held connections that went back into the pool. */
    CONNECTIONS_USAGE("portkeeper.connections.usage", Type.TIMER, "seconds", List.of("pool", "endpoint"),
            "time a borrower held a connection that went back into the pool"),
    /** Connections suspected leaked. */
    CONNECTIONS_LEAKS("portkeeper.connections.leaks", Type.COUNTER, "connections", List.of("pool", "endpoint"),
            "connections borrowed past leakDetectionThreshold, or still borrowed at pool close"),

    // ---------------------------------------------------------------- the port budget (PortBudgetMetrics)

    /** Client-side sockets holding a local port toward a destination, by state. */
    PORTS_USED("portkeeper.ports.used", Type.GAUGE, "ports", List.of("destination", "state"),
            "local ports of the range held toward the destination (host:port, or other): "
                    + "state=established|time_wait|close_wait|other"),
    /** Ports a destination can use: the range, less reserved ports and listeners in it. */
    PORTS_CAPACITY("portkeeper.ports.capacity", Type.GAUGE, "ports", List.of("destination"),
            "local ports the destination can use (range less reserved and listening ports; summed over local"
                    + " addresses; NaN for other)"),
    /** Connections this host closed first per second toward a destination (each a TIME_WAIT here). */
    PORTS_CLOSE_RATE("portkeeper.ports.close.rate", Type.GAUGE, null, List.of("destination"),
            "connections per second this host closed first toward the destination (each a TIME_WAIT of 60 s)"),
    /** The forecast time until a destination's ports run out. */
    PORTS_EXHAUSTION_ETA("portkeeper.ports.exhaustion.eta", Type.TIME_GAUGE, "seconds", List.of("destination"),
            "forecast time until the destination's ports run out; +Inf when none is forecast"),
    /** A destination's budget level. */
    PORTS_LEVEL("portkeeper.ports.level", Type.GAUGE, null, List.of("destination"),
            "the destination's budget level: 0 OK, 1 WARN, 2 CRITICAL, 3 EXHAUSTED"),
    /** Whether the kernel's socket tables could be read. */
    PORTS_KERNEL_VIEW("portkeeper.ports.kernel.view", Type.GAUGE, null, List.of(),
            "1 when the kernel's socket tables were read, 0 when the budget comes from the pools' ledger alone"),
    /** CLOSE_WAIT sockets owned by this process. */
    CLOSE_WAIT("portkeeper.close.wait", Type.GAUGE, "sockets", List.of(),
            "CLOSE_WAIT sockets owned by this process (the peer closed, this process never did: a leak)"),
    /** This process's open file descriptors. */
    FDS_OPEN("portkeeper.fds.open", Type.GAUGE, "files", List.of(),
            "this process's open file descriptors"),
    /** This process's file descriptor limit. */
    FDS_MAX("portkeeper.fds.max", Type.GAUGE, "files", List.of(),
            "this process's file descriptor limit (soft); +Inf when unlimited"),
    /** Time-wait sockets of the namespace. */
    TIME_WAIT("portkeeper.time.wait", Type.GAUGE, "sockets", List.of(),
            "time-wait sockets of the network namespace (sockstat tw)"),
    /** {@code net.ipv4.tcp_max_tw_buckets}. */
    TIME_WAIT_MAX("portkeeper.time.wait.max", Type.GAUGE, "sockets", List.of(),
            "net.ipv4.tcp_max_tw_buckets: past it a closing socket skips TIME_WAIT"),
    /** {@code TcpExt: TCPTimeWaitOverflow}. */
    TIME_WAIT_OVERFLOWS("portkeeper.time.wait.overflows", Type.COUNTER, null, List.of(),
            "closes that skipped TIME_WAIT because tcp_max_tw_buckets was full (TCPTimeWaitOverflow)");

    /** The Micrometer meter type a name is registered as. */
    public enum Type {
        /** A gauge. */
        GAUGE,
        /** A time gauge: a gauge in seconds. */
        TIME_GAUGE,
        /** A counter (or a function counter). */
        COUNTER,
        /** A timer. */
        TIMER
    }

    private final String meterName;
    private final Type type;
    private final String baseUnit;
    private final List<String> tagKeys;
    private final String description;

    PortkeeperMeter(String meterName, Type type, String baseUnit, List<String> tagKeys, String description) {
        this.meterName = meterName;
        this.type = type;
        this.baseUnit = baseUnit;
        this.tagKeys = tagKeys;
        this.description = description;
    }

    /** @return the Micrometer name, e.g. {@code portkeeper.ports.used} */
    public String meterName() {
        return meterName;
    }

    /** @return the meter type */
    public Type type() {
        return type;
    }

    /** @return the base unit, or null for a plain number (a rate, a level, a flag) */
    public String baseUnit() {
        return baseUnit;
    }

    /** @return the tag keys, besides the tags a user adds to a binder */
    public List<String> tagKeys() {
        return tagKeys;
    }

    /** @return what it measures */
    public String description() {
        return description;
    }

    /**
     * The name in Prometheus's text format, as Micrometer's Prometheus registry writes it: dots to
     * underscores, the base unit appended, {@code _total} for a counter; a timer's series add
     * {@code _count}, {@code _sum} and {@code _max} to it. The scrape test checks this against a
     * real {@code PrometheusMeterRegistry}.
     *
     * @return e.g. {@code portkeeper_ports_used_ports}
     */
    public String prometheusName() {
        String name = meterName.replace('.', '_').toLowerCase(Locale.ROOT);
        if (baseUnit != null && !name.endsWith("_" + baseUnit)) {
            name = name + "_" + baseUnit;
        }
        return type == Type.COUNTER ? name + "_total" : name;
    }

    /**
     * The name of a tag key in Prometheus's text format.
     *
     * @param tagKey a tag key, e.g. {@code time.wait}
     * @return e.g. {@code time_wait}
     */
    public static String prometheusLabel(String tagKey) {
        return tagKey.replace('.', '_');
    }
}
