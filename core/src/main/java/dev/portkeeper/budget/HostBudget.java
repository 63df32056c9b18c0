package dev.portkeeper.budget;

import java.util.OptionalLong;

/**
 * The host-wide limits next to the per-destination ones: TIME_WAIT sockets against
 * {@code net.ipv4.tcp_max_tw_buckets} (past it a closing socket skips TIME_WAIT and the kernel
 * only counts {@code TCPTimeWaitOverflow}), and this process's file descriptors against their
 * limit. A value the kernel view does not give is empty. Immutable.
 */
public final class HostBudget {
    private final long timeWait;
    private final long maxTimeWaitBuckets;
    private final long timeWaitOverflows;
    private final BudgetLevel timeWaitLevel;
    private final long fds;
    private final long fdLimit;
    private final BudgetLevel fdLevel;

    HostBudget(long timeWait, long maxTimeWaitBuckets, long timeWaitOverflows, BudgetLevel timeWaitLevel, long fds,
            long fdLimit, BudgetLevel fdLevel) {
        this.timeWait = timeWait;
        this.maxTimeWaitBuckets = maxTimeWaitBuckets;
        this.timeWaitOverflows = timeWaitOverflows;
        this.timeWaitLevel = timeWaitLevel;
        this.fds = fds;
        this.fdLimit = fdLimit;
        this.fdLevel = fdLevel;
    }

    private static OptionalLong known(long v) {
        return v < 0 ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** @return time-wait sockets host-wide ({@code sockstat}'s {@code tw}: TIME_WAIT and FIN_WAIT2 minisockets) */
    public OptionalLong timeWait() {
        return known(timeWait);
    }

    /** @return {@code net.ipv4.tcp_max_tw_buckets} */
    public OptionalLong maxTimeWaitBuckets() {
        return known(maxTimeWaitBuckets);
    }

    /** @return {@code TcpExt: TCPTimeWaitOverflow} since boot: closes that skipped TIME_WAIT for lack of buckets */
    public OptionalLong timeWaitOverflows() {
        return known(timeWaitOverflows);
    }

    /** @return the level of the TIME_WAIT bucket budget; EXHAUSTED once overflows grow */
    public BudgetLevel timeWaitLevel() {
        return timeWaitLevel;
    }

    /** @return this process's open file descriptors */
    public OptionalLong fds() {
        return known(fds);
    }

    /** @return its soft limit ({@code RLIMIT_NOFILE}) */
    public OptionalLong fdLimit() {
        return known(fdLimit);
    }

    /** @return the level of the file-descriptor budget */
    public BudgetLevel fdLevel() {
        return fdLevel;
    }

    @Override
    public String toString() {
        return "timeWait=" + timeWait + "/" + maxTimeWaitBuckets + " (" + timeWaitLevel + ", overflows "
                + timeWaitOverflows + "), fds=" + fds + "/" + fdLimit + " (" + fdLevel + ")";
    }
}
