package dev.portkeeper.cli;

import dev.portkeeper.kernel.EphemeralRange;
import dev.portkeeper.kernel.KernelRead;
import dev.portkeeper.kernel.KernelSysctls;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpSocket;
import dev.portkeeper.kernel.TcpState;
import dev.portkeeper.kernel.TcpTable;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * Counts, from the kernel's own tables, the client-side sockets toward one server address.
 * Each demo phase gets a server on a port of its own, so whatever points at that port was left
 * by that phase.
 */
final class KernelCounts {
    private static final long SETTLE_NANOS = 3_000_000_000L;

    private final Procfs procfs;
    private final EphemeralRange range;

    KernelCounts(Procfs procfs) {
        this.procfs = procfs;
        this.range = procfs.sysctls().toOptional().flatMap(KernelSysctls::ephemeralRange)
                .orElse(EphemeralRange.LINUX_DEFAULT);
    }

    /** @return why the kernel's tables cannot be read here, if they cannot */
    Optional<String> unavailableReason() {
        return procfs.tcpTable().unavailableReason();
    }

    /** @return the ephemeral range of this network namespace (Linux's default when it cannot be read) */
    EphemeralRange range() {
        return range;
    }

    /**
     * Counts distinct ports, not lines: the kernel prints its socket table in pieces, and a socket
     * table that changes between two pieces can print a socket twice (under load the demo counted
     * 5 and 7 ports for the pool's 4 connections, in 2 runs of 4).
     *
     * @return the local ports of the ephemeral range held toward {@code server}, in any state
     *     (TIME_WAIT included), or -1 when the kernel's tables are unavailable
     */
    int portsInUse(InetSocketAddress server) {
        KernelRead<TcpTable> read = procfs.tcpTable();
        if (!read.isAvailable()) {
            return -1;
        }
        java.util.BitSet ports = new java.util.BitSet(65_536);
        for (TcpSocket s : read.get().withRemote(server)) {
            if (range.isEphemeral(s.localPort())) {
                ports.set(s.localPort());
            }
        }
        return ports.cardinality();
    }

    /**
     * Waits (at most 3 s) until no client socket toward {@code server} is still closing, then
     * counts those in TIME_WAIT.
     *
     * @return the count, or -1 when the kernel's tables are unavailable
     */
    int settledTimeWait(InetSocketAddress server) {
        long deadline = System.nanoTime() + SETTLE_NANOS;
        while (true) {
            KernelRead<TcpTable> read = procfs.tcpTable();
            if (!read.isAvailable()) {
                return -1;
            }
            int timeWait = 0;
            int closing = 0;
            for (TcpSocket s : read.get().withRemote(server)) {
                if (s.state() == TcpState.TIME_WAIT) {
                    timeWait++;
                } else if (s.state() == TcpState.FIN_WAIT1 || s.state() == TcpState.FIN_WAIT2) {
                    closing++;
                }
            }
            if (closing == 0 || System.nanoTime() - deadline > 0) {
                return timeWait;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return timeWait;
            }
        }
    }
}
