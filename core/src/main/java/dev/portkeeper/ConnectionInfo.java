package dev.portkeeper;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * What a {@link PoolListener} is told about a connection: an immutable snapshot taken when the
 * event happened.
 */
public final class ConnectionInfo {
    private final String poolName;
    private final long id;
    private final Endpoint endpoint;
    private final InetSocketAddress localAddress;
    private final InetSocketAddress remoteAddress;
    private final Duration age;
    private final long useCount;
    private final boolean boundLocally;

    /**
     * @param poolName the pool's name
     * @param id the connection's id, unique within the pool
     * @param endpoint the endpoint
     * @param localAddress local address and port, or null if unknown
     * @param remoteAddress peer address and port, or null if unknown
     * @param age time since it was opened
     * @param useCount times it has been lent
     */
    public ConnectionInfo(String poolName, long id, Endpoint endpoint, InetSocketAddress localAddress,
            InetSocketAddress remoteAddress, Duration age, long useCount) {
        this(poolName, id, endpoint, localAddress, remoteAddress, age, useCount, false);
    }

    /**
     * @param poolName the pool's name
     * @param id the connection's id, unique within the pool
     * @param endpoint the endpoint
     * @param localAddress local address and port, or null if unknown
     * @param remoteAddress peer address and port, or null if unknown
     * @param age time since it was opened
     * @param useCount times it has been lent
     * @param boundLocally whether the socket was bound to a local address before it connected
     */
    public ConnectionInfo(String poolName, long id, Endpoint endpoint, InetSocketAddress localAddress,
            InetSocketAddress remoteAddress, Duration age, long useCount, boolean boundLocally) {
        this.poolName = poolName;
        this.id = id;
        this.endpoint = endpoint;
        this.localAddress = localAddress;
        this.remoteAddress = remoteAddress;
        this.age = age;
        this.useCount = useCount;
        this.boundLocally = boundLocally;
    }

    /** @return the pool's name */
    public String poolName() {
        return poolName;
    }

    /** @return the connection's id, unique within the pool */
    public long id() {
        return id;
    }

    /** @return the endpoint */
    public Endpoint endpoint() {
        return endpoint;
    }

    /** @return local address and ephemeral port, or null if unknown */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** @return the peer's address and port, or null if unknown */
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** @return time since it was opened */
    public Duration age() {
        return age;
    }

    /** @return times it has been lent */
    public long useCount() {
        return useCount;
    }

    /**
     * Whether the local port was bound explicitly, before {@code connect()}
     * ({@link SocketPolicy#localAddress()} set). Such a port is reserved against every destination
     * while the socket is open or in TIME_WAIT, not only against this connection's peer, so it
     * counts against the port budget of all destinations.
     *
     * @return true if bound before connect; false (the default) if the kernel chose the port at connect time
     */
    public boolean boundLocally() {
        return boundLocally;
    }

    @Override
    public String toString() {
        return "connection #" + id + " to " + endpoint + " from "
                + (localAddress == null ? "?" : localAddress.getAddress().getHostAddress() + ":" + localAddress.getPort())
                + (boundLocally ? " (bound locally)" : "")
                + " (age " + age.toMillis() + " ms, used " + useCount + "x)";
    }
}
