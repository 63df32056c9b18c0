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
        this.poolName = poolName;
        this.id = id;
        this.endpoint = endpoint;
        this.localAddress = localAddress;
        this.remoteAddress = remoteAddress;
        this.age = age;
        this.useCount = useCount;
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

    @Override
    public String toString() {
        return "connection #" + id + " to " + endpoint + " from "
                + (localAddress == null ? "?" : localAddress.getAddress().getHostAddress() + ":" + localAddress.getPort())
                + " (age " + age.toMillis() + " ms, used " + useCount + "x)";
    }
}
