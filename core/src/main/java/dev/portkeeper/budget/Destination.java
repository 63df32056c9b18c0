package dev.portkeeper.budget;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * The unit of the port budget: connections from one local address to one remote address and
 * port. The kernel picks an ephemeral port for {@code connect()} so that the four-tuple is
 * unique, so each destination has the whole range to itself, less the ports held by
 * {@code bind()} and {@code listen()}: one busy upstream can run out while others are fine.
 *
 * <p>A v4-mapped IPv6 address ({@code ::ffff:10.0.0.1}) is held as its IPv4 address, since a
 * dual-stack socket and an IPv4 socket to the same peer share one port space. A value: equal
 * destinations are the same budget.
 */
public record Destination(InetAddress local, InetAddress remote, int remotePort) {
    /**
     * @param local the local address (not a wildcard, for a connected socket); a v4-mapped address is held as IPv4
     * @param remote the remote address; likewise
     * @param remotePort 1 to 65535
     */
    public Destination {
        if (remotePort < 1 || remotePort > 65535) {
            throw new IllegalArgumentException("remotePort must be between 1 and 65535: " + remotePort);
        }
        local = unmap(Objects.requireNonNull(local, "local"));
        remote = unmap(Objects.requireNonNull(remote, "remote"));
    }

    /**
     * @param local the local address (not a wildcard, for a connected socket)
     * @param remote the remote address
     * @param remotePort 1 to 65535
     * @return the destination
     */
    public static Destination of(InetAddress local, InetAddress remote, int remotePort) {
        return new Destination(local, remote, remotePort);
    }

    private static InetAddress unmap(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] b = address.getAddress();
            boolean mapped = b[10] == (byte) 0xFF && b[11] == (byte) 0xFF;
            for (int i = 0; i < 10 && mapped; i++) {
                mapped = b[i] == 0;
            }
            if (mapped) {
                try {
                    return Inet4Address.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (UnknownHostException e) {
                    throw new AssertionError("four bytes are a valid address", e);
                }
            }
        }
        return address;
    }

    /** @return the remote end as {@code host:port} ({@code [v6]:port}), the form used as a metrics tag */
    public String remoteText() {
        return text(remote) + ":" + remotePort;
    }

    private static String text(InetAddress a) {
        return a instanceof Inet6Address ? "[" + addressText(a) + "]" : a.getHostAddress();
    }

    /**
     * An address as {@code ss} prints it: dotted IPv4, or IPv6 in its RFC 5952 form ({@code ::1},
     * where the JDK prints every group), without brackets.
     *
     * @param address an address
     * @return its text
     */
    public static String addressText(InetAddress address) {
        return address instanceof Inet6Address ? compact((Inet6Address) address) : address.getHostAddress();
    }

    private static String compact(Inet6Address a) {
        byte[] b = a.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    /** @return {@code local -> remote:port} */
    @Override
    public String toString() {
        return text(local) + " -> " + remoteText();
    }
}
