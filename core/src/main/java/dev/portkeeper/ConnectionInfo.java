package dev.portkeeper;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * What a {@link PoolListener} or a {@link PortBudget} is told about a connection: an immutable
 * snapshot taken when the event happened.
 *
 * @param poolName the pool's name
 * @param id the connection's id, unique within the pool
 * @param endpoint the endpoint
 * @param localAddress local address and ephemeral port, or null if unknown
 * @param remoteAddress the peer's address and port, or null if unknown
 * @param age time since it was opened
 * @param useCount times it has been lent
 * @param connectTime how long its {@code connect()} took
 * @param boundLocally whether the local port was bound before {@code connect()}
 *     ({@link SocketPolicy#localAddress()} set): such a port is reserved against every
 *     destination while the socket is open or in TIME_WAIT, so it counts against the port budget
 *     of all destinations; false (the default) when the kernel chose the port at connect time
 */
public record ConnectionInfo(String poolName, long id, Endpoint endpoint, InetSocketAddress localAddress,
        InetSocketAddress remoteAddress, Duration age, long useCount, Duration connectTime, boolean boundLocally) {

    @Override
    public String toString() {
        return "connection #" + id + " to " + endpoint + " from "
                + (localAddress == null ? "?" : localAddress.getAddress().getHostAddress() + ":" + localAddress.getPort())
                + (boundLocally ? " (bound locally)" : "")
                + " (pool " + poolName + ", age " + age.toMillis() + " ms, used " + useCount + "x)";
    }
}
