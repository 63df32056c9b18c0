package dev.portkeeper.kernel;

import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The sysctls that decide the port budget and the life of closed connections, as read from
 * {@code /proc/sys} of this network namespace. Nothing here changes them.
 *
 * <p>Each value is read on its own: one that is absent (an older kernel has no
 * {@code tcp_tw_reuse_delay}), unreadable, malformed or outside the values the kernel accepts is
 * empty, and {@link #unavailable()} says why; it takes no other value with it.
 *
 * <p>Immutable and thread-safe.
 */
public final class KernelSysctls {

    static final String IP_LOCAL_PORT_RANGE = "net.ipv4.ip_local_port_range";
    static final String IP_LOCAL_RESERVED_PORTS = "net.ipv4.ip_local_reserved_ports";
    static final String TCP_TW_REUSE = "net.ipv4.tcp_tw_reuse";
    static final String TCP_TW_REUSE_DELAY = "net.ipv4.tcp_tw_reuse_delay";
    static final String TCP_TIMESTAMPS = "net.ipv4.tcp_timestamps";
    static final String TCP_MAX_TW_BUCKETS = "net.ipv4.tcp_max_tw_buckets";
    static final String TCP_FIN_TIMEOUT = "net.ipv4.tcp_fin_timeout";
    static final String TCP_KEEPALIVE_TIME = "net.ipv4.tcp_keepalive_time";
    static final String TCP_KEEPALIVE_INTVL = "net.ipv4.tcp_keepalive_intvl";
    static final String TCP_KEEPALIVE_PROBES = "net.ipv4.tcp_keepalive_probes";
    static final String SOMAXCONN = "net.core.somaxconn";

    /** Every sysctl read, in the order reported. */
    static final List<String> NAMES = List.of(IP_LOCAL_PORT_RANGE, IP_LOCAL_RESERVED_PORTS, TCP_TW_REUSE,
            TCP_TW_REUSE_DELAY, TCP_TIMESTAMPS, TCP_MAX_TW_BUCKETS, TCP_FIN_TIMEOUT, TCP_KEEPALIVE_TIME,
            TCP_KEEPALIVE_INTVL, TCP_KEEPALIVE_PROBES, SOMAXCONN);

    private final EphemeralRange ephemeralRange;
    private final Map<String, Long> numbers;
    private final Map<String, String> unavailable;

    private KernelSysctls(EphemeralRange ephemeralRange, Map<String, Long> numbers, Map<String, String> unavailable) {
        this.ephemeralRange = ephemeralRange;
        this.numbers = numbers;
        this.unavailable = unavailable;
    }

    /**
     * The values the kernel accepts for each numeric sysctl, as {min, max}: its
     * {@code proc_dou8vec_minmax} ones are 0-2 or 0-255, the {@code proc_dointvec} ones fit a
     * non-negative int. A number outside is not something this kernel prints, so it is invalid
     * rather than wrapped ({@code 4294967297} is not a {@code tcp_tw_reuse} of 1).
     */
    private static final Map<String, long[]> RANGES = Map.of(
            TCP_TW_REUSE, new long[] {0, 2},
            TCP_TW_REUSE_DELAY, new long[] {0, Integer.MAX_VALUE},
            TCP_TIMESTAMPS, new long[] {0, 2},
            TCP_MAX_TW_BUCKETS, new long[] {0, Integer.MAX_VALUE},
            TCP_FIN_TIMEOUT, new long[] {0, Integer.MAX_VALUE},
            TCP_KEEPALIVE_TIME, new long[] {0, Integer.MAX_VALUE},
            TCP_KEEPALIVE_INTVL, new long[] {0, Integer.MAX_VALUE},
            TCP_KEEPALIVE_PROBES, new long[] {0, 255},
            SOMAXCONN, new long[] {0, Integer.MAX_VALUE});

    /**
     * Parses raw file contents. Each value stands or falls on its own: a malformed or
     * out-of-range one is listed in {@link #unavailable()} as {@code "invalid '...': why"} and
     * takes nothing else with it (a malformed {@code ip_local_reserved_ports} leaves the range
     * without reserved ports).
     *
     * @param raw sysctl name to file content, for the files that could be read
     * @param unreadable sysctl name to why it could not be read
     */
    static KernelSysctls parse(Map<String, String> raw, Map<String, String> unreadable) {
        Map<String, String> unavailable = new LinkedHashMap<>(unreadable);
        EphemeralRange range = null;
        String portRange = raw.get(IP_LOCAL_PORT_RANGE);
        if (portRange != null) {
            try {
                range = EphemeralRange.parse(portRange, "");
            } catch (IllegalArgumentException e) {
                unavailable.put(IP_LOCAL_PORT_RANGE, invalid(portRange, e.getMessage()));
            }
        }
        String reservedPorts = raw.get(IP_LOCAL_RESERVED_PORTS);
        if (reservedPorts != null) {
            try {
                EphemeralRange withReserved = EphemeralRange.of(range == null ? 1 : range.low(),
                        range == null ? 1 : range.high(), reservedPorts);
                // Without the reserved list the range is still right, only its capacity may be overstated.
                range = range == null ? null : withReserved;
            } catch (IllegalArgumentException e) {
                unavailable.put(IP_LOCAL_RESERVED_PORTS, invalid(reservedPorts, e.getMessage()));
            }
        }
        Map<String, Long> numbers = new HashMap<>();
        for (String name : NAMES) {
            String value = raw.get(name);
            long[] allowed = RANGES.get(name);
            if (value == null || allowed == null) {
                continue;
            }
            String text = value.trim();
            long number;
            try {
                number = Long.parseLong(text);
            } catch (NumberFormatException e) {
                unavailable.put(name, invalid(text, text.matches("-?[0-9]+") ? "out of range " + allowed[0] + "-"
                        + allowed[1] : "not a number"));
                continue;
            }
            if (number < allowed[0] || number > allowed[1]) {
                unavailable.put(name, invalid(text, "out of range " + allowed[0] + "-" + allowed[1]));
            } else {
                numbers.put(name, number);
            }
        }
        return new KernelSysctls(range, Map.copyOf(numbers), Collections.unmodifiableMap(unavailable));
    }

    /** E.g. {@code invalid '4294967297': out of range 0-2}; long or unprintable text is cut, since the file may hold anything. */
    private static String invalid(String value, String why) {
        return "invalid '" + printable(value.trim()) + "': " + printable(why);
    }

    private static String printable(String text) {
        StringBuilder shown = new StringBuilder(Math.min(text.length(), 64));
        for (int i = 0; i < text.length() && i < 60; i++) {
            char c = text.charAt(i);
            shown.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return text.length() > 60 ? shown.append("...").toString() : shown.toString();
    }

    /**
     * Returns {@code ip_local_port_range} with {@code ip_local_reserved_ports}.
     *
     * @return the range, or empty if {@code ip_local_port_range} is unavailable
     */
    public Optional<EphemeralRange> ephemeralRange() {
        return Optional.ofNullable(ephemeralRange);
    }

    /**
     * Returns {@code tcp_tw_reuse}: 0 off, 1 on, 2 on for loopback only (the default). When
     * on and {@code tcp_timestamps} is on, {@code connect()} may take over a TIME_WAIT
     * four-tuple older than {@link #tcpTwReuseDelay()}.
     *
     * @return the mode, or empty if unavailable
     */
    public OptionalInt tcpTwReuse() {
        return optionalInt(TCP_TW_REUSE);
    }

    /**
     * Returns {@code tcp_tw_reuse_delay}: how old a TIME_WAIT socket must be before
     * {@code tcp_tw_reuse} may take it over (1 s by default). Older kernels have no such
     * sysctl and use a fixed delay of about one second.
     *
     * @return the delay, or empty if unavailable
     */
    public Optional<Duration> tcpTwReuseDelay() {
        return duration(TCP_TW_REUSE_DELAY, false);
    }

    /**
     * Returns {@code tcp_timestamps}: 0 off, 1 on with random offsets (the default), 2 on
     * without. {@code tcp_tw_reuse} needs it on.
     *
     * @return the mode, or empty if unavailable
     */
    public OptionalInt tcpTimestamps() {
        return optionalInt(TCP_TIMESTAMPS);
    }

    /**
     * Returns {@code tcp_max_tw_buckets}: the most time-wait mini-sockets (see
     * {@link SockStat#tcpTimeWait()}); past it a close skips TIME_WAIT and only
     * {@link NetStat#tcpTimeWaitOverflow()} grows.
     *
     * @return the limit, or empty if unavailable
     */
    public OptionalInt tcpMaxTwBuckets() {
        return optionalInt(TCP_MAX_TW_BUCKETS);
    }

    /**
     * Returns {@code tcp_fin_timeout}: how long an orphaned FIN_WAIT2 socket waits for the
     * peer's FIN. It does not change the 60 s of TIME_WAIT.
     *
     * @return the timeout, or empty if unavailable
     */
    public Optional<Duration> tcpFinTimeout() {
        return duration(TCP_FIN_TIMEOUT, true);
    }

    /**
     * Returns {@code tcp_keepalive_time}: idle time before the first keepalive probe, for
     * sockets with {@code SO_KEEPALIVE} and no per-socket setting.
     *
     * @return the time, or empty if unavailable
     */
    public Optional<Duration> tcpKeepaliveTime() {
        return duration(TCP_KEEPALIVE_TIME, true);
    }

    /**
     * Returns {@code tcp_keepalive_intvl}: time between keepalive probes.
     *
     * @return the interval, or empty if unavailable
     */
    public Optional<Duration> tcpKeepaliveInterval() {
        return duration(TCP_KEEPALIVE_INTVL, true);
    }

    /**
     * Returns {@code tcp_keepalive_probes}: unanswered probes before the connection is dropped.
     *
     * @return the count, or empty if unavailable
     */
    public OptionalInt tcpKeepaliveProbes() {
        return optionalInt(TCP_KEEPALIVE_PROBES);
    }

    /**
     * Returns {@code net.core.somaxconn}: the cap on a listener's accept backlog.
     *
     * @return the cap, or empty if unavailable
     */
    public OptionalInt somaxconn() {
        return optionalInt(SOMAXCONN);
    }

    /**
     * Returns the sysctls that could not be read or parsed, with the reason, e.g.
     * {@code net.ipv4.tcp_tw_reuse_delay -> "/proc/sys/net/ipv4/tcp_tw_reuse_delay: no such file"}
     * or {@code net.ipv4.tcp_tw_reuse -> "invalid '4294967297': out of range 0-2"}.
     * A missing or invalid {@code ip_local_reserved_ports} leaves {@link #ephemeralRange()}
     * without reserved ports.
     *
     * @return an unmodifiable map keyed by sysctl name, empty when all were read
     */
    public Map<String, String> unavailable() {
        return unavailable;
    }

    private OptionalInt optionalInt(String name) {
        OptionalLong value = optionalLong(name);
        return value.isPresent() ? OptionalInt.of((int) value.getAsLong()) : OptionalInt.empty();
    }

    private OptionalLong optionalLong(String name) {
        Long value = numbers.get(name);
        return value == null ? OptionalLong.empty() : OptionalLong.of(value);
    }

    private Optional<Duration> duration(String name, boolean seconds) {
        OptionalLong value = optionalLong(name);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(seconds ? Duration.ofSeconds(value.getAsLong()) : Duration.ofMillis(value.getAsLong()));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("KernelSysctls{ephemeralRange=").append(ephemeralRange);
        for (String name : NAMES) {
            Long value = numbers.get(name);
            if (value != null) {
                sb.append(", ").append(name.substring(name.lastIndexOf('.') + 1)).append('=').append(value);
            }
        }
        if (!unavailable.isEmpty()) {
            sb.append(", unavailable=").append(unavailable.keySet());
        }
        return sb.append('}').toString();
    }
}
