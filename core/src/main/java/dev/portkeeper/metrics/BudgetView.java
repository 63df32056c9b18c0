package dev.portkeeper.metrics;

import dev.portkeeper.budget.BudgetSnapshot;
import dev.portkeeper.budget.DestinationBudget;
import dev.portkeeper.budget.HostBudget;
import dev.portkeeper.kernel.KernelRead;
import dev.portkeeper.kernel.ProcessFds;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpSocket;
import dev.portkeeper.kernel.TcpState;
import dev.portkeeper.kernel.TcpTable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What the budget gauges show, from one sample: the only place that reads the budget monitor's
 * types, so that a change there is adapted here. Destinations are keyed by their tag
 * ({@code host:port}); the values the sample does not give are NaN.
 */
record BudgetView(double kernelView, Map<String, Row> destinations, double closeWait, double fds, double fdMax,
        double timeWait, double timeWaitMax, double timeWaitOverflows) {

    /** A read that failed: every gauge NaN, the destination meters kept as they were. */
    static final BudgetView FAILED = new BudgetView(Double.NaN, null, Double.NaN, Double.NaN, Double.NaN,
            Double.NaN, Double.NaN, Double.NaN);

    /** One destination's (or {@code other}'s) values. */
    record Row(String destination, double established, double timeWait, double closeWait, double other,
            double capacity, double closeRate, double eta, int level, double usedRatio) {

        double used() {
            return established + timeWait + closeWait + other;
        }

        Row plus(Row o, String name, boolean keepCapacity) {
            return new Row(name, established + o.established, timeWait + o.timeWait, closeWait + o.closeWait,
                    other + o.other, keepCapacity ? capacity + o.capacity : Double.NaN, closeRate + o.closeRate,
                    Math.min(eta, o.eta), Math.max(level, o.level), Math.max(usedRatio, o.usedRatio));
        }
    }

    boolean failed() {
        return destinations == null;
    }

    /**
     * The view of a snapshot: destinations summed over local addresses per {@code host:port}, the
     * most pressed {@code top} kept (level, then share used, then ports used), the rest summed as
     * {@code other}.
     */
    static BudgetView of(BudgetSnapshot s, double closeWaitHeld, int top) {
        Map<String, Row> byRemote = new LinkedHashMap<>();
        for (DestinationBudget d : s.destinations()) {
            Row r = row(d);
            byRemote.merge(r.destination(), r, (a, b) -> a.plus(b, a.destination(), true));
        }
        HostBudget h = s.host();
        return new BudgetView(s.kernelViewAvailable() ? 1 : 0, top(new ArrayList<>(byRemote.values()), top),
                closeWaitHeld, nan(h.fds()), unlimited(nan(h.fdLimit())), nan(h.timeWait()), nan(h.maxTimeWaitBuckets()),
                nan(h.timeWaitOverflows()));
    }

    private static Row row(DestinationBudget d) {
        int established = 0;
        int timeWait = 0;
        int closeWait = 0;
        int other = 0;
        for (Map.Entry<TcpState, Integer> e : d.states().entrySet()) {
            switch (e.getKey()) {
                case ESTABLISHED -> established += e.getValue();
                case TIME_WAIT -> timeWait += e.getValue();
                case CLOSE_WAIT -> closeWait += e.getValue();
                default -> other += e.getValue();
            }
        }
        return new Row(d.destination().remoteText(), established, timeWait, closeWait, other, d.capacity(),
                d.closeRate(), d.secondsToExhaustion().orElse(Double.POSITIVE_INFINITY), d.level().ordinal(),
                d.usedRatio());
    }

    static Map<String, Row> top(List<Row> rows, int top) {
        rows.sort(Comparator.comparingInt(Row::level).reversed()
                .thenComparing(Comparator.comparingDouble(Row::usedRatio).reversed())
                .thenComparing(Comparator.comparingDouble(Row::used).reversed())
                .thenComparing(Row::destination));
        Map<String, Row> out = new LinkedHashMap<>();
        Row rest = null;
        for (Row r : rows) {
            if (out.size() < top && !r.destination().equals(PoolMetrics.OTHER)) {
                out.put(r.destination(), r);
            } else {
                rest = rest == null ? r.plus(new Row(PoolMetrics.OTHER, 0, 0, 0, 0, 0, 0, Double.POSITIVE_INFINITY, 0, 0),
                        PoolMetrics.OTHER, false) : rest.plus(r, PoolMetrics.OTHER, false);
            }
        }
        if (rest != null) {
            out.put(PoolMetrics.OTHER, rest);
        }
        return out;
    }

    /**
     * CLOSE_WAIT sockets owned by this process: the socket table's CLOSE_WAIT sockets whose inode is
     * one of this process's descriptors. Read only when the snapshot shows CLOSE_WAIT at all, so a
     * healthy host pays nothing for it. NaN when either read fails.
     */
    static double closeWaitHeld(BudgetSnapshot s, Procfs procfs) {
        if (!s.kernelViewAvailable()) {
            return Double.NaN;
        }
        if (s.totals().getOrDefault(TcpState.CLOSE_WAIT, 0) == 0) {
            return 0;
        }
        KernelRead<ProcessFds> fds = procfs.processFds();
        KernelRead<TcpTable> table = procfs.tcpTable();
        if (!fds.isAvailable() || !table.isAvailable()) {
            return Double.NaN;
        }
        ProcessFds own = fds.get();
        int n = 0;
        for (TcpSocket socket : table.get().sockets()) {
            if (socket.state() == TcpState.CLOSE_WAIT && own.ownsSocket(socket.inode())) {
                n++;
            }
        }
        return n;
    }

    private static double unlimited(double limit) {
        return limit == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : limit;
    }

    private static double nan(OptionalLong v) {
        return v.isPresent() ? v.getAsLong() : Double.NaN;
    }
}
