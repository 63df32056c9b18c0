package dev.portkeeper.budget;

import dev.portkeeper.kernel.EphemeralRange;
import dev.portkeeper.kernel.ListeningPorts;
import dev.portkeeper.kernel.TcpSocket;
import dev.portkeeper.kernel.TcpState;
import dev.portkeeper.kernel.TcpTable;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * One pass over the kernel's socket table: totals by state, the listeners inside the ephemeral
 * range, and per destination the client-side sockets (local port in the range, not a listener's
 * port) by state, with how many entered TIME_WAIT within the trend window, read from the
 * TIME_WAIT timers (time left out of 60 s).
 */
final class KernelAggregate {
    final Map<TcpState, Integer> totals = new EnumMap<>(TcpState.class);
    final Map<Destination, EnumMap<TcpState, Integer>> states = new HashMap<>();
    final Map<Destination, Integer> recentTimeWait = new HashMap<>();
    int listenersInRange;

    static KernelAggregate of(TcpTable table, EphemeralRange range, int windowSeconds) {
        KernelAggregate a = new KernelAggregate();
        for (TcpSocket s : table.sockets()) {
            a.totals.merge(s.state(), 1, Integer::sum);
        }
        // Every listener's port marks server sides; only those the range would hand out reduce the capacity.
        ListeningPorts listenerPorts = ListeningPorts.of(table);
        a.listenersInRange = listenerPorts.ephemeralCount(range);
        long recentMillis = (PortBudgetMonitor.TIME_WAIT_SECONDS - windowSeconds) * 1000L;
        for (TcpSocket s : table.sockets()) {
            int port = s.localPort();
            if (s.state() == TcpState.LISTEN || s.remotePort() == 0 || !range.isEphemeral(port) || listenerPorts.contains(port)) {
                continue;
            }
            Destination d = Destination.of(s.localAddress(), s.remoteAddress(), s.remotePort());
            a.states.computeIfAbsent(d, k -> new EnumMap<>(TcpState.class)).merge(s.state(), 1, Integer::sum);
            if (s.state() == TcpState.TIME_WAIT && s.timerJiffies() * 10 > recentMillis) {
                a.recentTimeWait.merge(d, 1, Integer::sum);
            }
        }
        return a;
    }
}
