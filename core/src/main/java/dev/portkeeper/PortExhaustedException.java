package dev.portkeeper;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code connect()} found no free local port toward the endpoint: EADDRNOTAVAIL, which the JDK
 * reports as {@code java.net.BindException: Cannot assign requested address}. Every port of the
 * ephemeral range is held by a socket toward that destination (most often in TIME_WAIT, 60 s
 * after this side closed it), or by {@code bind()}/{@code listen()}.
 *
 * <p>The message and the fields carry the numbers the kernel showed at the failure (where procfs
 * can be read): the range, its usable capacity, and the sockets toward the destination by state.
 * The remedies, in order: reuse connections; widen {@code net.ipv4.ip_local_port_range};
 * {@code net.ipv4.tcp_tw_reuse=1}.
 */
public final class PortExhaustedException extends PortkeeperException {
    private static final long serialVersionUID = 1L;

    /** The address connect() was given. */
    private final InetSocketAddress remote;
    /** The lower bound of the range, 0 when unknown. */
    private final int rangeLow;
    /** The upper bound of the range, 0 when unknown. */
    private final int rangeHigh;
    /** The range's usable ports, 0 when unknown. */
    private final int capacity;
    /** Sockets toward the destination by state. */
    private final Map<String, Integer> states;
    /** Why the kernel's numbers are missing, or null. */
    private final String kernelUnavailableReason;

    /**
     * @param endpoint the endpoint
     * @param remote the address connect() was given
     * @param rangeLow the lower bound of {@code ip_local_port_range}, 0 when unknown
     * @param rangeHigh its upper bound, 0 when unknown
     * @param capacity the range's usable ports toward the destination, 0 when unknown
     * @param states the sockets toward the destination holding a port of the range, by state name
     * @param kernelUnavailableReason why the kernel's numbers are missing, or null when they are here
     * @param cause the JDK's exception
     */
    public PortExhaustedException(Endpoint endpoint, InetSocketAddress remote, int rangeLow, int rangeHigh,
            int capacity, Map<String, Integer> states, String kernelUnavailableReason, BindException cause) {
        super(endpoint, message(endpoint, remote, rangeLow, rangeHigh, capacity, states, kernelUnavailableReason),
                cause);
        this.remote = remote;
        this.rangeLow = rangeLow;
        this.rangeHigh = rangeHigh;
        this.capacity = capacity;
        this.states = Collections.unmodifiableMap(new LinkedHashMap<>(states));
        this.kernelUnavailableReason = kernelUnavailableReason;
    }

    private static String message(Endpoint endpoint, InetSocketAddress remote, int low, int high, int capacity,
            Map<String, Integer> states, String unavailable) {
        int used = states.values().stream().mapToInt(Integer::intValue).sum();
        StringBuilder sb = new StringBuilder("No local port left to connect to ").append(endpoint);
        if (remote != null && remote.getAddress() != null) {
            sb.append(" (").append(remote.getAddress().getHostAddress()).append(':').append(remote.getPort()).append(')');
        }
        sb.append(": connect() failed with EADDRNOTAVAIL. ");
        if (unavailable == null) {
            sb.append(String.format(Locale.ROOT, "Ephemeral range %d-%d: %,d ports, %,d usable; %,d in use toward it",
                    low, high, high - low + 1, capacity, used));
            String sep = " (";
            for (Map.Entry<String, Integer> e : states.entrySet()) {
                sb.append(sep).append(e.getKey()).append(' ').append(String.format(Locale.ROOT, "%,d", e.getValue()));
                sep = ", ";
            }
            sb.append(states.isEmpty() ? ". " : "). ");
        } else {
            sb.append("The kernel's tables could not be read (").append(unavailable).append("). ");
        }
        sb.append("Remedies, in order: (1) reuse connections to it (a pool with long-lived connections instead of one"
                + " per request: each connection this side closes holds its port 60 s in TIME_WAIT); (2) widen"
                + " net.ipv4.ip_local_port_range; (3) set net.ipv4.tcp_tw_reuse=1 (needs tcp_timestamps).");
        return sb.toString();
    }

    /**
     * @param failure what connect() threw
     * @return whether it is EADDRNOTAVAIL, no local port left: a {@link BindException} "Cannot assign
     *     requested address", here or among the causes
     */
    public static boolean isPortExhaustion(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof BindException && String.valueOf(t.getMessage()).contains("Cannot assign requested address")) {
                return true;
            }
        }
        return false;
    }

    /** @return the address connect() was given */
    public InetSocketAddress remote() {
        return remote;
    }

    /** @return the lower bound of {@code ip_local_port_range}, or 0 when unknown */
    public int rangeLow() {
        return rangeLow;
    }

    /** @return the upper bound of {@code ip_local_port_range}, or 0 when unknown */
    public int rangeHigh() {
        return rangeHigh;
    }

    /** @return the range's usable ports (less reserved ports and listeners in it), or 0 when unknown */
    public int capacity() {
        return capacity;
    }

    /** @return the sockets toward the destination holding a port of the range, by state ({@code ss}'s names) */
    public Map<String, Integer> states() {
        return states;
    }

    /** @return the sockets toward the destination holding a port of the range */
    public int used() {
        return states.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** @return why the kernel's numbers are missing, or null when they are here */
    public String kernelUnavailableReason() {
        return kernelUnavailableReason;
    }
}
