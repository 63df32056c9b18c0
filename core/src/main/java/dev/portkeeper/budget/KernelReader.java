package dev.portkeeper.budget;

import dev.portkeeper.kernel.EphemeralRange;
import dev.portkeeper.kernel.KernelRead;
import dev.portkeeper.kernel.KernelSysctls;
import dev.portkeeper.kernel.NetStat;
import dev.portkeeper.kernel.ProcessFds;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.SockStat;
import dev.portkeeper.kernel.TcpTable;

/**
 * Reads the kernel for one sample: the counters every time; the sysctls, the socket tables, the
 * extended counters and this process's descriptors when {@link TableSchedule} says so (or when
 * forced), keeping the last full read for the samples in between. Not thread-safe: the sampler's.
 */
final class KernelReader {
    private final Procfs procfs;
    private final TableSchedule schedule;
    private KernelSysctls sysctls;
    private KernelAggregate aggregate;
    private ProcessFds fds;

    /**
     * One sample's view of the kernel.
     *
     * @param range the ephemeral range
     * @param sysctls the sysctls (from the last full read), or null
     * @param sockstat the counters, or null
     * @param netstat the extended counters when read in this sample, else null
     * @param aggregate the last table read, or null without the kernel view
     * @param fds this process's descriptors (from the last full read), or null
     * @param fresh whether the tables were read in this sample
     * @param unavailableReason why there is no kernel view, or null
     */
    record Reading(EphemeralRange range, KernelSysctls sysctls, SockStat sockstat, NetStat netstat,
            KernelAggregate aggregate, ProcessFds fds, boolean fresh, String unavailableReason) {
    }

    KernelReader(Procfs procfs, BudgetSettings settings) {
        this.procfs = procfs;
        this.schedule = new TableSchedule(settings);
    }

    /**
     * @param now the ticker's time
     * @param force read the tables whatever the schedule says
     * @param urgent exhaustion may be near
     * @param pressure a level is up or a forecast stands
     */
    Reading read(long now, boolean force, boolean urgent, boolean pressure) {
        SockStat sockstat = procfs.sockStat().toOptional().orElse(null);
        long sockets = sockstat == null ? -1 : sockstat.tcpInUse() + sockstat.tcpTimeWait();
        EphemeralRange known = range();
        NetStat netstat = null;
        boolean fresh = false;
        String reason = null;
        if (force || schedule.due(now, sockets, known.capacity(), urgent, pressure)) {
            // The thread's CPU time for the read (the kernel writing the tables as text, and their
            // parsing); where the kernel does not say, the elapsed time, which is never less.
            long cpu0 = ThreadCpu.nanos();
            long wall0 = System.nanoTime();
            KernelRead<KernelSysctls> read = procfs.sysctls();
            sysctls = read.toOptional().orElse(null);
            EphemeralRange range = range();
            KernelRead<TcpTable> table = procfs.tcpTable();
            if (table.isAvailable()) {
                fds = procfs.processFds().toOptional().orElse(null);
                aggregate = KernelAggregate.of(table.get(), range, fds);
                fresh = true;
            } else {
                reason = table.unavailableReason().orElse("unknown");
                aggregate = null;
            }
            netstat = procfs.netStat().toOptional().orElse(null);
            long cpu = ThreadCpu.nanos();
            schedule.tablesRead(now, cpu0 >= 0 && cpu >= cpu0 ? cpu - cpu0 : System.nanoTime() - wall0, sockets);
        } else if (aggregate == null) {
            reason = procfs.unavailableReason().orElse("socket tables not read");
        }
        if (aggregate == null && reason == null) {
            reason = procfs.unavailableReason().orElse("socket tables not read");
        }
        return new Reading(range(), sysctls, sockstat, netstat, aggregate, fds, fresh, reason);
    }

    private EphemeralRange range() {
        return sysctls == null ? EphemeralRange.LINUX_DEFAULT
                : sysctls.ephemeralRange().orElse(EphemeralRange.LINUX_DEFAULT);
    }

    /** @return what the last table read cost, CPU nanoseconds (elapsed where the CPU time is unknown) */
    long lastTableCostNanos() {
        return schedule.lastCostNanos();
    }
}
