package dev.portkeeper.kernel;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The extended counters of {@code /proc/net/netstat}, which come as pairs of lines, names
 * then values:
 * <pre>
 * TcpExt: SyncookiesSent SyncookiesRecv ... TW TWRecycled TWKilled ...
 * TcpExt: 0 0 ... 36 0 0 ...
 * </pre>
 * The counters are cumulative since the network namespace was created; a rate comes from
 * two reads. The set of counters grows with kernel versions, hence {@link OptionalLong}.
 * Accessors are named after the kernel's counters so that they can be looked up.
 *
 * <p>Immutable and thread-safe.
 */
public final class NetStat {

    private static final String TCP_EXT = "TcpExt";

    private final Map<String, Map<String, Long>> sections;

    private NetStat(Map<String, Map<String, Long>> sections) {
        this.sections = sections;
    }

    /**
     * Parses the text. A pair whose lines differ in length keeps the counters both have; an
     * unpaired line or a value that is not a number is ignored.
     */
    static NetStat parse(String text) {
        Map<String, Map<String, Long>> sections = new LinkedHashMap<>();
        String[] lines = text.split("\n");
        for (int i = 0; i + 1 < lines.length; i++) {
            String[] names = lines[i].trim().split("\\s+");
            String[] values = lines[i + 1].trim().split("\\s+");
            if (names.length < 2 || !names[0].endsWith(":") || !names[0].equals(values[0])) {
                continue;
            }
            Map<String, Long> section = new LinkedHashMap<>();
            for (int k = 1; k < Math.min(names.length, values.length); k++) {
                Long value = parseCounter(values[k]);
                if (value != null) {
                    section.put(names[k], value);
                }
            }
            sections.put(names[0].substring(0, names[0].length() - 1), Collections.unmodifiableMap(section));
            i++;
        }
        return new NetStat(Collections.unmodifiableMap(sections));
    }

    private static Long parseCounter(String token) {
        try {
            // Counters are unsigned 64-bit; one past Long.MAX_VALUE is rare but legal.
            return token.startsWith("-") ? Long.parseLong(token) : Long.parseUnsignedLong(token);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Returns a {@code TcpExt} counter by its kernel name, e.g. {@code "TCPTimeWaitOverflow"}.
     *
     * @param name the name as in the header line
     * @return the value, or empty if this kernel does not report it
     */
    public OptionalLong get(String name) {
        return get(TCP_EXT, name);
    }

    /**
     * Returns a counter of any section, e.g. {@code get("IpExt", "InOctets")}.
     *
     * @param section the line prefix without its colon
     * @param name the name as in the header line
     * @return the value, or empty if absent
     */
    public OptionalLong get(String section, String name) {
        Objects.requireNonNull(name, "name");
        Long value = sections.getOrDefault(section, Map.of()).get(name);
        return value == null ? OptionalLong.empty() : OptionalLong.of(value);
    }

    /**
     * Returns the counters of the {@code TcpExt} section in the kernel's order.
     *
     * @return an unmodifiable map, empty if the section is absent
     */
    public Map<String, Long> tcpExt() {
        return sections.getOrDefault(TCP_EXT, Map.of());
    }

    /**
     * Returns {@code TCPTimeWaitOverflow}: closes that skipped TIME_WAIT because
     * {@code tcp_max_tw_buckets} was reached. Current kernels log nothing when it happens;
     * this counter is the only trace.
     *
     * @return the counter, or empty if absent
     */
    public OptionalLong tcpTimeWaitOverflow() {
        return get("TCPTimeWaitOverflow");
    }

    /**
     * Returns {@code TW}: time-wait mini-sockets (TIME_WAIT and FIN_WAIT2) given a timer of
     * more than 4 s. Current kernels count them when the timer starts, older ones when it
     * ran out; either way its growth is a rate of connections this side closed first.
     *
     * @return the counter, or empty if absent
     */
    public OptionalLong tw() {
        return get("TW");
    }

    /**
     * Returns {@code TWRecycled}: TIME_WAIT four-tuples a new {@code connect()} took over
     * through {@code tcp_tw_reuse} (the name is from the removed {@code tcp_tw_recycle}).
     *
     * @return the counter, or empty if absent
     */
    public OptionalLong twRecycled() {
        return get("TWRecycled");
    }

    /**
     * Returns {@code TWKilled}: time-wait mini-sockets given a short timer (4 s or less),
     * e.g. FIN_WAIT2 ones under a small {@code tcp_fin_timeout}.
     *
     * @return the counter, or empty if absent
     */
    public OptionalLong twKilled() {
        return get("TWKilled");
    }

    /**
     * Returns {@code ListenOverflows}: connections dropped because a listener's accept queue
     * was full (its backlog, capped by {@code somaxconn}).
     *
     * @return the counter, or empty if absent
     */
    public OptionalLong listenOverflows() {
        return get("ListenOverflows");
    }

    /**
     * Returns {@code ListenDrops}: SYNs a listener dropped for any reason, overflows included.
     *
     * @return the counter, or empty if absent
     */
    public OptionalLong listenDrops() {
        return get("ListenDrops");
    }

    @Override
    public String toString() {
        return "NetStat{sections=" + sections.keySet() + ", TcpExt counters=" + tcpExt().size() + '}';
    }
}
