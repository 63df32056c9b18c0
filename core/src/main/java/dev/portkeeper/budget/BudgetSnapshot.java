package dev.portkeeper.budget;

import dev.portkeeper.kernel.EphemeralRange;
import dev.portkeeper.kernel.KernelSysctls;
import dev.portkeeper.kernel.TcpState;
import dev.portkeeper.kernel.TcpTable;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The port budget at one moment: the kernel's view (when it can be read), every destination
 * sorted by pressure, the host-wide limits, and the worst level. A value.
 *
 * @param time when it was taken
 * @param kernelUnavailableReason why the kernel's view is unavailable, if it is
 * @param range the ephemeral range, as the kernel reports it (or Linux's default when it cannot be read)
 * @param listenersInRange distinct ports inside the range held by listeners (and so unavailable to connect())
 * @param totals every TCP socket of the host's (network namespace's) tables by state; empty without the kernel view
 * @param destinations the destinations, most pressed first (level, then share used)
 * @param host the host-wide limits
 * @param sysctls the sysctls read for this sample, if they could be read
 * @param skippedLines lines of the socket tables the parser skipped as malformed (see
 *     {@link dev.portkeeper.kernel.TcpTable#skippedLines()}); 0 without the kernel view
 */
public record BudgetSnapshot(Instant time, Optional<String> kernelUnavailableReason, EphemeralRange range,
        int listenersInRange, Map<TcpState, Integer> totals, List<DestinationBudget> destinations, HostBudget host,
        Optional<KernelSysctls> sysctls, int skippedLines) {
    /**
     * A snapshot whose tables had no skipped line.
     *
     * @param time see the record's description
     * @param kernelUnavailableReason see the record's description
     * @param range see the record's description
     * @param listenersInRange see the record's description
     * @param totals see the record's description
     * @param destinations see the record's description
     * @param host see the record's description
     * @param sysctls see the record's description
     */
    public BudgetSnapshot(Instant time, Optional<String> kernelUnavailableReason, EphemeralRange range,
            int listenersInRange, Map<TcpState, Integer> totals, List<DestinationBudget> destinations,
            HostBudget host, Optional<KernelSysctls> sysctls) {
        this(time, kernelUnavailableReason, range, listenersInRange, totals, destinations, host, sysctls, 0);
    }

    /**
     * Copies the collections.
     *
     * @param time see the record's description
     * @param kernelUnavailableReason see the record's description
     * @param range see the record's description
     * @param listenersInRange see the record's description
     * @param totals see the record's description
     * @param destinations see the record's description
     * @param host see the record's description
     * @param sysctls see the record's description
     * @param skippedLines see the record's description
     */
    public BudgetSnapshot {
        EnumMap<TcpState, Integer> copy = new EnumMap<>(TcpState.class);
        copy.putAll(totals);
        totals = Collections.unmodifiableMap(copy);
        destinations = List.copyOf(destinations);
    }

    /** @return whether the kernel's socket tables were read; if not, the numbers come from the pool's ledger */
    public boolean kernelViewAvailable() {
        return kernelUnavailableReason.isEmpty();
    }

    /**
     * Tells whether the socket tables were read but so many of their lines were skipped as
     * malformed (more than 1 %, see {@link dev.portkeeper.kernel.TcpTable#isDoubtful()}) that
     * sockets may be missing from every count: a caller should not call such a snapshot OK.
     *
     * @return whether the kernel view is available but doubtful
     */
    public boolean kernelViewDoubtful() {
        long sockets = 0;
        for (int n : totals.values()) {
            sockets += n;
        }
        return kernelViewAvailable() && TcpTable.isDoubtful(skippedLines, sockets);
    }

    /** @return ports a destination can use: the range, less reserved ports and listeners in it */
    public int capacity() {
        return Math.max(0, range.capacity() - listenersInRange);
    }

    /**
     * @param destination a destination
     * @return its budget, if it has sockets or ledger entries
     */
    public Optional<DestinationBudget> destination(Destination destination) {
        return destinations.stream().filter(d -> d.destination().equals(destination)).findFirst();
    }

    /**
     * Returns the worst level of all destinations and host budgets; EXHAUSTED when the capacity
     * is 0 (every port of the range reserved or listened on: {@code connect()} has no port to
     * pick for any destination).
     *
     * @return the level
     */
    public BudgetLevel level() {
        BudgetLevel worst = host.timeWaitLevel().max(host.fdLevel());
        if (capacity() == 0) {
            worst = BudgetLevel.EXHAUSTED;
        }
        for (DestinationBudget d : destinations) {
            worst = worst.max(d.level());
        }
        return worst;
    }

    @Override
    public String toString() {
        return "BudgetSnapshot{" + time + ", " + level() + ", kernel view "
                + kernelUnavailableReason.map(r -> "unavailable: " + r).orElse("available")
                + (skippedLines > 0 ? " (" + skippedLines + " lines skipped)" : "")
                + ", range " + range + ", capacity " + capacity() + ", destinations " + destinations + ", host " + host
                + '}';
    }
}
