package dev.portkeeper;

import java.io.IOException;
import java.time.Duration;

/**
 * Opening a new connection to the endpoint failed: the name did not resolve, the peer refused
 * or did not answer within the connect timeout, or a socket option could not be set. The cause
 * is the exception the JDK raised.
 */
public final class ConnectFailedException extends PortkeeperException {
    private static final long serialVersionUID = 1L;

    /**
     * @param endpoint the endpoint
     * @param connectTimeout the connect timeout in force
     * @param cause what the JDK raised
     */
    public ConnectFailedException(Endpoint endpoint, Duration connectTimeout, IOException cause) {
        super(endpoint, "Could not connect to " + endpoint + " (connectTimeout " + connectTimeout.toMillis()
                + " ms): " + cause + ". Check that the endpoint is up and reachable from this host;"
                + " a timeout may mean a firewall drops the packets or the peer's backlog is full.", cause);
    }

    /**
     * For a connection that the peer closed (or reset) before it was ever used.
     *
     * @param endpoint the endpoint
     * @param what what was seen
     */
    public ConnectFailedException(Endpoint endpoint, String what) {
        super(endpoint, "Connection to " + endpoint + " was unusable right after connect: " + what
                + ". The peer may be at its connection limit or reject this client.", null);
    }
}
