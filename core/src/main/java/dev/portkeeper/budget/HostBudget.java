package dev.portkeeper.budget;

import java.util.OptionalLong;

/**
 * The host-wide limits next to the per-destination ones: TIME_WAIT sockets against
 * {@code net.ipv4.tcp_max_tw_buckets} (past it a closing socket skips TIME_WAIT and the kernel
 * only counts {@code TCPTimeWaitOverflow}), and this process's file descriptors against their
 * limit. A value the kernel view does not give is empty. A value.
 *
 * @param timeWait time-wait sockets host-wide ({@code sockstat}'s {@code tw}: TIME_WAIT and FIN_WAIT2 minisockets)
 * @param maxTimeWaitBuckets {@code net.ipv4.tcp_max_tw_buckets}
 * @param timeWaitOverflows {@code TcpExt: TCPTimeWaitOverflow} since boot: closes that skipped TIME_WAIT
 * @param timeWaitLevel the level of the TIME_WAIT bucket budget; EXHAUSTED once overflows grow
 * @param fds this process's open file descriptors
 * @param fdLimit their soft limit ({@code RLIMIT_NOFILE})
 * @param fdLevel the level of the file-descriptor budget
 */
public record HostBudget(OptionalLong timeWait, OptionalLong maxTimeWaitBuckets, OptionalLong timeWaitOverflows,
        BudgetLevel timeWaitLevel, OptionalLong fds, OptionalLong fdLimit, BudgetLevel fdLevel) {

    /** From raw values, negative meaning unknown. */
    static HostBudget of(long timeWait, long maxTimeWaitBuckets, long timeWaitOverflows, BudgetLevel timeWaitLevel,
            long fds, long fdLimit, BudgetLevel fdLevel) {
        return new HostBudget(known(timeWait), known(maxTimeWaitBuckets), known(timeWaitOverflows), timeWaitLevel,
                known(fds), known(fdLimit), fdLevel);
    }

    private static OptionalLong known(long v) {
        return v < 0 ? OptionalLong.empty() : OptionalLong.of(v);
    }

    @Override
    public String toString() {
        return "timeWait=" + text(timeWait) + "/" + text(maxTimeWaitBuckets) + " (" + timeWaitLevel + ", overflows "
                + text(timeWaitOverflows) + "), fds=" + text(fds) + "/" + text(fdLimit) + " (" + fdLevel + ")";
    }

    private static String text(OptionalLong v) {
        return v.isPresent() ? Long.toString(v.getAsLong()) : "-1";
    }
}
