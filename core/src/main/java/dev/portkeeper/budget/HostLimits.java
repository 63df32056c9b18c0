package dev.portkeeper.budget;

import dev.portkeeper.kernel.KernelSysctls;
import dev.portkeeper.kernel.NetStat;
import dev.portkeeper.kernel.ProcessFds;
import dev.portkeeper.kernel.SockStat;
import java.util.List;
import java.util.Locale;

/**
 * The host-wide budgets and their levels: TIME_WAIT sockets against
 * {@code net.ipv4.tcp_max_tw_buckets} (EXHAUSTED once the kernel counts overflows), and this
 * process's file descriptors against their limit. Not thread-safe: the sampler's.
 */
final class HostLimits {
    static final String TW_BUCKETS = "tcp_max_tw_buckets";
    static final String FDS = "file descriptors";

    private final LevelTracker timeWaitBuckets;
    private final LevelTracker fileDescriptors;
    private long lastOverflows = -1;

    HostLimits(BudgetSettings settings) {
        timeWaitBuckets = new LevelTracker(settings);
        fileDescriptors = new LevelTracker(settings);
    }

    /**
     * @param sysctls the sysctls, or null
     * @param sockstat the counters, or null
     * @param netstat the extended counters, or null when not read this sample
     * @param fds this process's descriptors, or null
     */
    HostBudget evaluate(KernelSysctls sysctls, SockStat sockstat, NetStat netstat, ProcessFds fds,
            List<AlertDispatcher.Pending> alerts) {
        long tw = sockstat == null ? -1 : sockstat.tcpTimeWait();
        long max = sysctls == null ? -1 : sysctls.tcpMaxTwBuckets().orElse(-1);
        long overflows = netstat == null ? lastOverflows : netstat.tcpTimeWaitOverflow().orElse(-1);
        boolean overflowing = netstat != null && lastOverflows >= 0 && overflows > lastOverflows;
        lastOverflows = overflows;
        if (tw >= 0 && max > 0) {
            BudgetLevel before = timeWaitBuckets.update((double) tw / max, Double.NaN, overflowing);
            AlertDispatcher.transitions(alerts, TW_BUCKETS, null, before, timeWaitBuckets.level(),
                    (from, to) -> String.format(Locale.ROOT,
                            "TIME_WAIT buckets %s%s: %,d of net.ipv4.tcp_max_tw_buckets %,d in use%s.%s",
                            to.compareTo(from) > 0 ? "" : "back to ", to, tw, max,
                            overflowing ? ", and the kernel is dropping TIME_WAIT" : "", to.compareTo(from) > 0
                                    ? " Past the limit a closing socket skips TIME_WAIT (only TCPTimeWaitOverflow"
                                            + " grows), so a delayed segment can land in a new connection on the same"
                                            + " four-tuple. Reduce the close rate (reuse connections) or raise"
                                            + " tcp_max_tw_buckets."
                                    : ""));
        }
        long open = fds == null ? -1 : fds.fdCount();
        long limit = fds == null ? -1 : fds.fdSoftLimit().orElse(-1);
        if (open >= 0 && limit > 0) {
            BudgetLevel before = fileDescriptors.update((double) open / limit, Double.NaN, false);
            AlertDispatcher.transitions(alerts, FDS, null, before, fileDescriptors.level(),
                    (from, to) -> String.format(Locale.ROOT, "File descriptors %s%s: %,d of %,d open in this process.%s",
                            to.compareTo(from) > 0 ? "" : "back to ", to, open, limit, to.compareTo(from) > 0
                                    ? " Look for connections never closed (CLOSE_WAIT, leak reports), or raise the"
                                            + " limit (ulimit -n, LimitNOFILE)."
                                    : ""));
        }
        return HostBudget.of(tw, max, overflows, timeWaitBuckets.level(), open, limit, fileDescriptors.level());
    }
}
