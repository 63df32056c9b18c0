package dev.portkeeper.internal;

import dev.portkeeper.kernel.EphemeralRange;
import dev.portkeeper.kernel.KernelRead;
import dev.portkeeper.kernel.KernelSysctls;
import dev.portkeeper.kernel.ListeningPorts;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpSocket;
import dev.portkeeper.kernel.TcpState;
import dev.portkeeper.kernel.TcpTable;
import java.net.InetSocketAddress;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads, at a connect failure, what holds the ports toward the destination: the range and its
 * capacity, and the client-side sockets toward that remote address by state. Under exhaustion
 * many connects fail at once, so one reading per destination serves every failure within a
 * second. Thread-safe.
 */
public final class PortUsageReader {
    private static final long REUSE_NANOS = 1_000_000_000L;

    private final Procfs procfs;
    private final Map<InetSocketAddress, Reading> recent = new ConcurrentHashMap<>();

    private static final class Reading {
        final long at;
        final PortUsage usage;

        Reading(long at, PortUsage usage) {
            this.at = at;
            this.usage = usage;
        }
    }

    /**
     * What the kernel showed about one destination's ports at a failure.
     *
     * @param rangeLow the range's lower bound, 0 when unknown
     * @param rangeHigh the range's upper bound, 0 when unknown
     * @param capacity its usable ports
     * @param states sockets toward the destination by state name, most first
     * @param kernelUnavailableReason null when the numbers come from the kernel
     */
    public record PortUsage(int rangeLow, int rangeHigh, int capacity, Map<String, Integer> states,
            String kernelUnavailableReason) {
        /** Copies the states. */
        public PortUsage {
            states = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(states));
        }

        static PortUsage unavailable(String reason) {
            return new PortUsage(0, 0, 0, Map.of(), reason);
        }
    }

    /** @param procfs where to read the kernel */
    public PortUsageReader(Procfs procfs) {
        this.procfs = procfs;
    }

    /**
     * @param remote the destination connect() was given (resolved)
     * @return what the kernel shows of its ports now (or within the last second)
     */
    public PortUsage read(InetSocketAddress remote) {
        long now = System.nanoTime();
        Reading r = recent.get(remote);
        if (r != null && now - r.at < REUSE_NANOS) {
            return r.usage;
        }
        PortUsage usage = readNow(remote);
        if (recent.size() > 1024) {
            recent.clear();
        }
        recent.put(remote, new Reading(now, usage));
        return usage;
    }

    private PortUsage readNow(InetSocketAddress remote) {
        KernelRead<TcpTable> table = procfs.tcpTable();
        if (!table.isAvailable()) {
            return PortUsage.unavailable(table.unavailableReason().orElse("unknown"));
        }
        KernelRead<KernelSysctls> sysctls = procfs.sysctls();
        EphemeralRange range = sysctls.toOptional().flatMap(KernelSysctls::ephemeralRange)
                .orElse(EphemeralRange.LINUX_DEFAULT);
        ListeningPorts listeners = ListeningPorts.of(table.get());
        int listenersInRange = listeners.ephemeralCount(range);
        Map<TcpState, Integer> counts = new EnumMap<>(TcpState.class);
        for (TcpSocket s : table.get().withRemote(remote)) {
            if (range.isEphemeral(s.localPort()) && !listeners.contains(s.localPort())) {
                counts.merge(s.state(), 1, Integer::sum);
            }
        }
        Map<String, Integer> states = new LinkedHashMap<>();
        counts.entrySet().stream().sorted(Map.Entry.<TcpState, Integer>comparingByValue().reversed())
                .forEach(e -> states.put(e.getKey().name(), e.getValue()));
        return new PortUsage(range.low(), range.high(), Math.max(0, range.capacity() - listenersInRange), states, null);
    }
}
