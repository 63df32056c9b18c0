package dev.portkeeper;

import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Objects;

/**
 * A destination the pool connects to: a host name or literal address and a TCP port.
 *
 * <p>Endpoints are the pool's keys: two endpoints are equal when their host (compared
 * case-insensitively, as DNS names are) and port are equal. The host is resolved on every
 * connect, never cached here, so a DNS change reaches new connections.
 *
 * <p>Instances are immutable and thread-safe. {@link #toString()} is {@code host:port}
 * ({@code [v6]:port} for an IPv6 literal) and is what log lines and metrics tags show.
 */
public final class Endpoint {
    private final String host;
    private final int port;
    private final String text;

    private Endpoint(String host, int port) {
        this.host = host;
        this.port = port;
        this.text = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * Creates an endpoint.
     *
     * @param host a host name, an IPv4 literal or an IPv6 literal (with or without brackets)
     * @param port 1 to 65535
     * @return the endpoint
     * @throws IllegalArgumentException if the host is blank or the port is out of range
     */
    public static Endpoint of(String host, int port) {
        Objects.requireNonNull(host, "host");
        String h = host.strip();
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.isEmpty()) {
            throw new IllegalArgumentException("host must not be blank: '" + host + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be between 1 and 65535: " + port);
        }
        return new Endpoint(h.toLowerCase(Locale.ROOT), port);
    }

    /**
     * Creates an endpoint from a socket address, using its host string (no reverse lookup).
     *
     * @param address the address
     * @return the endpoint
     */
    public static Endpoint of(InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        return of(address.getHostString(), address.getPort());
    }

    /** @return the host, without brackets for an IPv6 literal */
    public String host() {
        return host;
    }

    /** @return the TCP port */
    public int port() {
        return port;
    }

    /**
     * Resolves the host now (a DNS lookup for a name) into a socket address to connect to.
     *
     * @return the socket address; unresolved if the lookup failed
     */
    public InetSocketAddress resolve() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Endpoint)) {
            return false;
        }
        Endpoint other = (Endpoint) o;
        return port == other.port && host.equals(other.host);
    }

    @Override
    public int hashCode() {
        return 31 * host.hashCode() + port;
    }

    @Override
    public String toString() {
        return text;
    }
}
