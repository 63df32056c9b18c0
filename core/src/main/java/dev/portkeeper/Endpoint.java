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
        boolean bracketed = h.startsWith("[") && h.endsWith("]") && h.length() >= 2;
        if (bracketed) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.isEmpty()) {
            throw new IllegalArgumentException("host must not be blank: '" + printable(host) + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be between 1 and 65535: " + port);
        }
        if (h.indexOf(':') >= 0) {
            if (!IPV6_LITERAL.matcher(h).matches()) {
                throw new IllegalArgumentException("host '" + printable(host) + "' is neither a host name nor an IPv6"
                        + " literal" + (h.indexOf(':') == h.lastIndexOf(':') && !bracketed
                                ? ": give the port separately, as Endpoint.of(host, port)" : ""));
            }
        } else if (h.length() > 253 || !HOST_NAME.matcher(h).matches()) {
            throw new IllegalArgumentException("host '" + printable(host) + "' is not a valid host name or IPv4"
                    + " address: letters, digits, '-', '_' and '.', labels of 1 to 63 characters, 253 in all");
        }
        return new Endpoint(h.toLowerCase(Locale.ROOT), port);
    }

    /** Labels of letters, digits, '-' and '_' (used by some internal names), separated by dots. */
    private static final java.util.regex.Pattern HOST_NAME =
            java.util.regex.Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
                    + "(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\\.?");
    /** Hex groups and colons, an optional dotted IPv4 tail, an optional zone after '%'. */
    private static final java.util.regex.Pattern IPV6_LITERAL =
            java.util.regex.Pattern.compile("[0-9A-Fa-f:]{2,39}(\\.[0-9]{1,3}){0,3}(%[A-Za-z0-9_.-]{1,64})?");

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            sb.append(c < 0x20 || c == 0x7f ? String.format(Locale.ROOT, "\\u%04x", (int) c) : String.valueOf(c));
            if (sb.length() > 300) {
                return sb.append("...").toString();
            }
        }
        return sb.toString();
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
