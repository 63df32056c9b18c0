package dev.portkeeper.budget;

import dev.portkeeper.kernel.EphemeralRange;
import dev.portkeeper.kernel.ListeningPorts;
import dev.portkeeper.kernel.ProcessFds;
import dev.portkeeper.kernel.TcpSocket;
import dev.portkeeper.kernel.TcpState;
import dev.portkeeper.kernel.TcpTable;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * One pass over the kernel's socket table: totals by state, the listeners inside the ephemeral
 * range, and per destination the client-side sockets (local port in the range, not a listener's
 * port) by state; when each TIME_WAIT socket entered TIME_WAIT, by age in whole seconds, read
 * from its timer (time left out of 60 s); and how many of the others this process holds.
 */
final class KernelAggregate {
    private static final int TW = PortBudgetMonitor.TIME_WAIT_SECONDS;

    final Map<TcpState, Integer> totals = new EnumMap<>(TcpState.class);
    final Map<Destination, EnumMap<TcpState, Integer>> states = new HashMap<>();
    final Map<Destination, int[]> timeWaitByAge = new HashMap<>();
    final Map<Destination, Integer> heldHere = new HashMap<>();
    final boolean ownershipKnown;
    int listenersInRange;
    /** Lines of the tables skipped as malformed. */
    int skippedLines;

    private KernelAggregate(boolean ownershipKnown) {
        this.ownershipKnown = ownershipKnown;
    }

    /**
     * @param table the socket tables
     * @param range the ephemeral range
     * @param fds this process's descriptors, or null when unknown
     */
    static KernelAggregate of(TcpTable table, EphemeralRange range, ProcessFds fds) {
        KernelAggregate a = new KernelAggregate(fds != null);
        a.skippedLines = table.skippedLines();
        // Every listener's port marks server sides; only those the range would hand out reduce the capacity.
        ListeningPorts listenerPorts = ListeningPorts.of(table);
        a.listenersInRange = listenerPorts.ephemeralCount(range);
        for (TcpSocket s : table.sockets()) {
            TcpState state = s.state();
            a.totals.merge(state, 1, Integer::sum);
            int port = s.localPort();
            if (state == TcpState.LISTEN || s.remotePort() == 0 || !range.isEphemeral(port)
                    || listenerPorts.contains(port)) {
                continue;
            }
            Destination d = Destination.of(s.localAddress(), s.remoteAddress(), s.remotePort());
            a.states.computeIfAbsent(d, k -> new EnumMap<>(TcpState.class)).merge(state, 1, Integer::sum);
            if (state == TcpState.TIME_WAIT) {
                // timer in 1/100 s; age = 60 s less the time left
                long age = (TW * 100L - s.timerJiffies()) / 100;
                int at = (int) Math.max(0, Math.min(TW - 1, age));
                a.timeWaitByAge.computeIfAbsent(d, k -> new int[TW])[at]++;
            } else if (fds != null && s.inode() != 0 && fds.ownsSocket(s.inode())) {
                a.heldHere.merge(d, 1, Integer::sum);
            }
        }
        return a;
    }

    /** @return TIME_WAIT sockets toward {@code d} by age in whole seconds */
    int[] timeWaitByAge(Destination d) {
        int[] ages = timeWaitByAge.get(d);
        return ages == null ? new int[TW] : ages;
    }
}
