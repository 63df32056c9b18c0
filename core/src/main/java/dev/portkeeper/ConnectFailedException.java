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
                + " ms): " + cause + ". " + advice(cause), cause);
    }

    private static String advice(IOException cause) {
        if (cause instanceof java.net.ConnectException) {
            return "Nothing accepts connections on that port: check that the endpoint is up and the port is right.";
        }
        if (cause instanceof java.net.SocketTimeoutException) {
            return "No answer within the connect timeout: a firewall may drop the packets, the host may be down, or"
                    + " the peer's accept backlog may be full.";
        }
        if (cause instanceof java.net.NoRouteToHostException) {
            return "This host has no route to it: check the network between the two hosts.";
        }
        return "Check that the endpoint is up and reachable from this host.";
    }

    /**
     * The endpoint's host name did not resolve.
     *
     * @param endpoint the endpoint
     * @param cause what the resolver raised
     */
    public ConnectFailedException(Endpoint endpoint, java.net.UnknownHostException cause) {
        super(endpoint, "Could not connect to " + endpoint + ": the host name " + endpoint.host()
                + " does not resolve (unknown host). Check the name and this host's DNS.", cause);
    }
}
