package dev.portkeeper.kernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The local ports {@code connect()} picks from when the socket was not bound first:
 * {@code net.ipv4.ip_local_port_range} minus {@code net.ipv4.ip_local_reserved_ports}.
 *
 * <p>One port serves many connections as long as their destinations differ: the budget is
 * per (source address, destination address, destination port), and {@link #capacity()} is
 * the most connections, TIME_WAIT included, that one such destination can take. Ports held
 * by {@code bind()} or {@code listen()} on the host reduce it further and are not counted here.
 *
 * <p>Immutable and thread-safe.
 */
public final class EphemeralRange {

    /** The kernel's default range, {@code 32768 60999}: 28,232 ports. */
    public static final EphemeralRange LINUX_DEFAULT = of(32768, 60999);

    private static final int MAX_PORT = 65535;

    private final int low;
    private final int high;
    /** Reserved ports as sorted, merged, inclusive ranges: start0, end0, start1, end1, ... */
    private final int[] reserved;

    private EphemeralRange(int low, int high, int[] reserved) {
        if (low < 1 || high > MAX_PORT || low > high) {
            throw new IllegalArgumentException("port range must satisfy 1 <= low <= high <= 65535: " + low + "-" + high);
        }
        this.low = low;
        this.high = high;
        this.reserved = reserved;
    }

    /**
     * Creates a range with no reserved ports.
     *
     * @param low the first port
     * @param high the last port, inclusive
     * @return the range
     * @throws IllegalArgumentException unless {@code 1 <= low <= high <= 65535}
     */
    public static EphemeralRange of(int low, int high) {
        return new EphemeralRange(low, high, new int[0]);
    }

    /**
     * Creates a range with reserved ports in the syntax of {@code ip_local_reserved_ports}.
     *
     * @param low the first port
     * @param high the last port, inclusive
     * @param reservedPorts comma-separated ports and inclusive ranges, e.g. {@code "8080,9000-9010"}; empty for none
     * @return the range
     * @throws IllegalArgumentException if the range or the reserved ports are invalid
     */
    public static EphemeralRange of(int low, int high, String reservedPorts) {
        return new EphemeralRange(low, high, parseReserved(reservedPorts));
    }

    /** Parses the content of {@code ip_local_port_range}: two numbers separated by a tab (or spaces). */
    static EphemeralRange parse(String portRange, String reservedPorts) {
        String[] bounds = portRange.trim().split("\\s+");
        if (bounds.length != 2) {
            throw new IllegalArgumentException("expected two ports: '" + portRange.trim() + "'");
        }
        return new EphemeralRange(parsePort(bounds[0]), parsePort(bounds[1]), parseReserved(reservedPorts));
    }

    private static int[] parseReserved(String spec) {
        String trimmed = spec.trim();
        if (trimmed.isEmpty()) {
            return new int[0];
        }
        List<int[]> ranges = new ArrayList<>();
        for (String entry : trimmed.split(",")) {
            String item = entry.trim();
            int dash = item.indexOf('-');
            int start = parsePort(dash < 0 ? item : item.substring(0, dash));
            int end = dash < 0 ? start : parsePort(item.substring(dash + 1));
            if (end < start) {
                throw new IllegalArgumentException("reserved port range ends before it starts: '" + item + "'");
            }
            ranges.add(new int[] {start, end});
        }
        ranges.sort((a, b) -> Integer.compare(a[0], b[0]));
        int[] merged = new int[ranges.size() * 2];
        int n = 0;
        for (int[] range : ranges) {
            if (n > 0 && range[0] <= merged[n - 1] + 1) {
                merged[n - 1] = Math.max(merged[n - 1], range[1]);
            } else {
                merged[n++] = range[0];
                merged[n++] = range[1];
            }
        }
        return Arrays.copyOf(merged, n);
    }

    private static int parsePort(String text) {
        int port;
        try {
            port = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a port: '" + text.trim() + "'", e);
        }
        if (port < 0 || port > MAX_PORT) {
            throw new IllegalArgumentException("port out of 0-65535: " + port);
        }
        return port;
    }

    /**
     * Returns the first port of the range.
     *
     * @return the lower bound, inclusive
     */
    public int low() {
        return low;
    }

    /**
     * Returns the last port of the range.
     *
     * @return the upper bound, inclusive
     */
    public int high() {
        return high;
    }

    /**
     * Returns the number of ports in the range, reserved ones included.
     *
     * @return {@code high - low + 1}
     */
    public int size() {
        return high - low + 1;
    }

    /**
     * Tells whether a port lies in the range (reserved or not).
     *
     * @param port a port
     * @return whether {@code low <= port <= high}
     */
    public boolean contains(int port) {
        return port >= low && port <= high;
    }

    /**
     * Tells whether a port is listed in {@code ip_local_reserved_ports}, in the range or not.
     *
     * @param port a port
     * @return whether {@code connect()} skips it
     */
    public boolean isReserved(int port) {
        for (int i = 0; i < reserved.length; i += 2) {
            if (port < reserved[i]) {
                return false;
            }
            if (port <= reserved[i + 1]) {
                return true;
            }
        }
        return false;
    }

    /**
     * Tells whether {@code connect()} may pick this port: in the range and not reserved.
     *
     * @param port a port
     * @return whether the port is usable as an ephemeral port
     */
    public boolean isEphemeral(int port) {
        return contains(port) && !isReserved(port);
    }

    /**
     * Returns how many ports of the range are reserved.
     *
     * @return 0 to {@link #size()}
     */
    public int reservedInRange() {
        int count = 0;
        for (int i = 0; i < reserved.length; i += 2) {
            int start = Math.max(low, reserved[i]);
            int end = Math.min(high, reserved[i + 1]);
            if (start <= end) {
                count += end - start + 1;
            }
        }
        return count;
    }

    /**
     * Returns the ports {@code connect()} can pick from: {@link #size()} minus
     * {@link #reservedInRange()}. This is the ceiling of connections, TIME_WAIT included, to
     * one destination from one source address.
     *
     * @return the number of usable ephemeral ports
     */
    public int capacity() {
        return size() - reservedInRange();
    }

    /**
     * Returns the reserved ports in the kernel's syntax, sorted and merged.
     *
     * @return e.g. {@code "8080,9000-9010"}, empty for none
     */
    public String reservedPorts() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < reserved.length; i += 2) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(reserved[i]);
            if (reserved[i + 1] != reserved[i]) {
                sb.append('-').append(reserved[i + 1]);
            }
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof EphemeralRange)) {
            return false;
        }
        EphemeralRange that = (EphemeralRange) o;
        return low == that.low && high == that.high && Arrays.equals(reserved, that.reserved);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * low + high) + Arrays.hashCode(reserved);
    }

    /** E.g. {@code 40000-40999 (1000 ports, 10 reserved: 40100-40109)}. */
    @Override
    public String toString() {
        int reservedInRange = reservedInRange();
        String text = low + "-" + high + " (" + size() + " ports";
        return reservedInRange == 0 ? text + ")" : text + ", " + reservedInRange + " reserved: " + reservedPorts() + ")";
    }
}
