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

    private final InetSocketAddress remote;
    private final int rangeLow;
    private final int rangeHigh;
    private final int capacity;
    private final Map<String, Integer> states;
    private final String kernelUnavailableReason;

    /**
     * @param endpoint the endpoint
     * @param remote the address connect() was given
     * @param usage what the kernel showed
     * @param cause the JDK's exception
     */
    public PortExhaustedException(Endpoint endpoint, InetSocketAddress remote, PortUsage usage, BindException cause) {
        super(endpoint, message(endpoint, remote, usage), cause);
        this.remote = remote;
        this.rangeLow = usage.rangeLow();
        this.rangeHigh = usage.rangeHigh();
        this.capacity = usage.capacity();
        this.states = usage.states();
        this.kernelUnavailableReason = usage.kernelUnavailableReason();
    }

    private static String message(Endpoint endpoint, InetSocketAddress remote, PortUsage u) {
        StringBuilder sb = new StringBuilder("No local port left to connect to ").append(endpoint);
        if (remote != null && remote.getAddress() != null) {
            sb.append(" (").append(remote.getAddress().getHostAddress()).append(':').append(remote.getPort()).append(')');
        }
        sb.append(": connect() failed with EADDRNOTAVAIL. ");
        if (u.kernelUnavailableReason() == null) {
            sb.append(String.format(Locale.ROOT, "Ephemeral range %d-%d: %,d ports, %,d usable; %,d in use toward it",
                    u.rangeLow(), u.rangeHigh(), u.rangeHigh() - u.rangeLow() + 1, u.capacity(), u.used()));
            String sep = " (";
            for (Map.Entry<String, Integer> e : u.states().entrySet()) {
                sb.append(sep).append(e.getKey()).append(' ').append(String.format(Locale.ROOT, "%,d", e.getValue()));
                sep = ", ";
            }
            sb.append(u.states().isEmpty() ? ". " : "). ");
        } else {
            sb.append("The kernel's tables could not be read (").append(u.kernelUnavailableReason()).append("). ");
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

    /**
     * What the kernel showed about one destination's ports at a failure. Immutable.
     */
    public static final class PortUsage implements java.io.Serializable {
        private static final long serialVersionUID = 1L;

        private final int rangeLow;
        private final int rangeHigh;
        private final int capacity;
        private final Map<String, Integer> states;
        private final String kernelUnavailableReason;

        /**
         * @param rangeLow the range's lower bound
         * @param rangeHigh the range's upper bound
         * @param capacity its usable ports
         * @param states sockets toward the destination by state name, in the order to show them
         * @param kernelUnavailableReason null when the numbers come from the kernel
         */
        public PortUsage(int rangeLow, int rangeHigh, int capacity, Map<String, Integer> states,
                String kernelUnavailableReason) {
            this.rangeLow = rangeLow;
            this.rangeHigh = rangeHigh;
            this.capacity = capacity;
            this.states = Collections.unmodifiableMap(new LinkedHashMap<>(states));
            this.kernelUnavailableReason = kernelUnavailableReason;
        }

        /**
         * @param reason why the kernel's tables cannot be read
         * @return a usage without numbers
         */
        public static PortUsage unavailable(String reason) {
            return new PortUsage(0, 0, 0, Map.of(), reason);
        }

        int rangeLow() {
            return rangeLow;
        }

        int rangeHigh() {
            return rangeHigh;
        }

        int capacity() {
            return capacity;
        }

        Map<String, Integer> states() {
            return states;
        }

        int used() {
            return states.values().stream().mapToInt(Integer::intValue).sum();
        }

        String kernelUnavailableReason() {
            return kernelUnavailableReason;
        }
    }
}
