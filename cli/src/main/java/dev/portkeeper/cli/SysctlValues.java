package dev.portkeeper.cli;

import dev.portkeeper.kernel.EphemeralRange;
import dev.portkeeper.kernel.KernelSysctls;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The sysctls that decide the port budget, by their full names, with the values as
 * {@code sysctl} prints them: numbers, and the two port lists as text. A sysctl that could not
 * be read is {@code null}.
 */
final class SysctlValues {
    static final String PORT_RANGE = "net.ipv4.ip_local_port_range";
    static final String RESERVED_PORTS = "net.ipv4.ip_local_reserved_ports";
    static final String TW_REUSE = "net.ipv4.tcp_tw_reuse";
    static final String TW_REUSE_DELAY = "net.ipv4.tcp_tw_reuse_delay";
    static final String TIMESTAMPS = "net.ipv4.tcp_timestamps";
    static final String MAX_TW_BUCKETS = "net.ipv4.tcp_max_tw_buckets";
    static final String FIN_TIMEOUT = "net.ipv4.tcp_fin_timeout";
    static final String KEEPALIVE_TIME = "net.ipv4.tcp_keepalive_time";
    static final String KEEPALIVE_INTVL = "net.ipv4.tcp_keepalive_intvl";
    static final String KEEPALIVE_PROBES = "net.ipv4.tcp_keepalive_probes";
    static final String SOMAXCONN = "net.core.somaxconn";

    private SysctlValues() {
    }

    /** @return name to value, in a stable order; empty when the sysctls could not be read at all */
    static Map<String, Object> of(Optional<KernelSysctls> read) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (read.isEmpty()) {
            return out;
        }
        KernelSysctls s = read.get();
        Optional<EphemeralRange> range = s.ephemeralRange();
        out.put(PORT_RANGE, range.map(r -> r.low() + " " + r.high()).orElse(null));
        out.put(RESERVED_PORTS, range.isEmpty() || s.unavailable().containsKey(RESERVED_PORTS) ? null
                : range.get().reservedPorts());
        out.put(TW_REUSE, number(s.tcpTwReuse()));
        out.put(TW_REUSE_DELAY, s.tcpTwReuseDelay().map(Duration::toMillis).orElse(null));
        out.put(TIMESTAMPS, number(s.tcpTimestamps()));
        out.put(MAX_TW_BUCKETS, number(s.tcpMaxTwBuckets()));
        out.put(FIN_TIMEOUT, s.tcpFinTimeout().map(Duration::getSeconds).orElse(null));
        out.put(KEEPALIVE_TIME, s.tcpKeepaliveTime().map(Duration::getSeconds).orElse(null));
        out.put(KEEPALIVE_INTVL, s.tcpKeepaliveInterval().map(Duration::getSeconds).orElse(null));
        out.put(KEEPALIVE_PROBES, number(s.tcpKeepaliveProbes()));
        out.put(SOMAXCONN, number(s.somaxconn()));
        return out;
    }

    private static Integer number(OptionalInt v) {
        return v.isPresent() ? v.getAsInt() : null;
    }
}
