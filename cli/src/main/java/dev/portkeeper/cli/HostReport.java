package dev.portkeeper.cli;

import dev.portkeeper.advice.Finding;
import dev.portkeeper.advice.TuningAdvisor;
import dev.portkeeper.budget.BudgetSnapshot;
import dev.portkeeper.budget.PortBudgetMonitor;
import dev.portkeeper.kernel.KernelRead;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpTable;
import java.util.List;

/**
 * What doctor and watch report at one moment: the monitor's snapshot (its destinations and totals
 * come from one read of the socket tables), the advisor's findings on it and, for doctor, the
 * processes holding CLOSE_WAIT sockets, found in a second read of the table right after (a socket's
 * inode is not in the snapshot). Nothing here changes the host.
 *
 * @param source what was read, e.g. {@code network namespace net:[4026531840]}
 * @param live whether it is this host's {@code /proc} (so "this process" means something)
 * @param closeWait the CLOSE_WAIT owners, or null when not looked for
 */
record HostReport(String source, boolean live, BudgetSnapshot snapshot, List<Finding> findings,
        CloseWaitOwners.Result closeWait) {

    /** One sample of {@code monitor}, with its advice; the CLOSE_WAIT owners come from a second read of the table. */
    static HostReport inspect(PortBudgetMonitor monitor, Procfs procfs, KernelSource source, boolean findOwners) {
        return of(monitor.snapshot(), procfs, source, findOwners);
    }

    /**
     * One sample of {@code monitor} as its sampler takes them (the full tables only as often as
     * their cost allows), with its advice: for {@code watch}, which samples every interval.
     */
    static HostReport watch(PortBudgetMonitor monitor, Procfs procfs, KernelSource source) {
        return of(monitor.sample(), procfs, source, false);
    }

    private static HostReport of(BudgetSnapshot snapshot, Procfs procfs, KernelSource source, boolean findOwners) {
        List<Finding> findings = TuningAdvisor.advise(snapshot);
        CloseWaitOwners.Result owners = null;
        if (findOwners && snapshot.kernelViewAvailable()) {
            KernelRead<TcpTable> table = procfs.tcpTable();
            owners = table.isAvailable() ? CloseWaitOwners.find(procfs, table.get()) : null;
        }
        return new HostReport(source.describe(), source.live(), snapshot, findings, owners);
    }

    /** @return the worst of the budget's level and the findings, UNKNOWN without the kernel view */
    Verdict verdict() {
        return Verdict.of(snapshot, findings);
    }

    /** @return the worst finding's level, OK when there are none or only INFO ones */
    Verdict adviceVerdict() {
        return Verdict.of(findings);
    }
}
