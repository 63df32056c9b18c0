package dev.portkeeper.budget;

import dev.portkeeper.kernel.EphemeralRange;
import dev.portkeeper.kernel.KernelSysctls;
import dev.portkeeper.kernel.TcpState;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The port budget at one moment: the kernel's view (when it can be read), every destination
 * sorted by pressure, the host-wide limits, and the worst level. Immutable.
 */
public final class BudgetSnapshot {
    private final Instant time;
    private final String kernelUnavailableReason;
    private final EphemeralRange range;
    private final int listenersInRange;
    private final Map<TcpState, Integer> totals;
    private final List<DestinationBudget> destinations;
    private final HostBudget host;
    private final KernelSysctls sysctls;

    BudgetSnapshot(Instant time, String kernelUnavailableReason, EphemeralRange range, int listenersInRange,
            Map<TcpState, Integer> totals, List<DestinationBudget> destinations, HostBudget host,
            KernelSysctls sysctls) {
        this.time = time;
        this.kernelUnavailableReason = kernelUnavailableReason;
        this.range = range;
        this.listenersInRange = listenersInRange;
        EnumMap<TcpState, Integer> copy = new EnumMap<>(TcpState.class);
        copy.putAll(totals);
        this.totals = Collections.unmodifiableMap(copy);
        this.destinations = List.copyOf(destinations);
        this.host = host;
        this.sysctls = sysctls;
    }

    /** @return the sysctls read for this sample, if they could be read */
    public Optional<KernelSysctls> sysctls() {
        return Optional.ofNullable(sysctls);
    }

    /** @return when it was taken */
    public Instant time() {
        return time;
    }

    /** @return whether the kernel's socket tables were read; if not, the numbers come from the pool's ledger */
    public boolean kernelViewAvailable() {
        return kernelUnavailableReason == null;
    }

    /** @return why the kernel's view is unavailable, if it is */
    public Optional<String> kernelUnavailableReason() {
        return Optional.ofNullable(kernelUnavailableReason);
    }

    /** @return the ephemeral range, as the kernel reports it (or Linux's default when it cannot be read) */
    public EphemeralRange range() {
        return range;
    }

    /** @return distinct ports inside the range held by listeners (and so unavailable to connect()) */
    public int listenersInRange() {
        return listenersInRange;
    }

    /** @return ports a destination can use: the range, less reserved ports and listeners in it */
    public int capacity() {
        return Math.max(0, range.capacity() - listenersInRange);
    }

    /** @return every TCP socket of the host's (network namespace's) tables by state; empty without the kernel view */
    public Map<TcpState, Integer> totals() {
        return totals;
    }

    /** @return the destinations, most pressed first (level, then share used) */
    public List<DestinationBudget> destinations() {
        return destinations;
    }

    /**
     * @param destination a destination
     * @return its budget, if it has sockets or ledger entries
     */
    public Optional<DestinationBudget> destination(Destination destination) {
        return destinations.stream().filter(d -> d.destination().equals(destination)).findFirst();
    }

    /** @return the host-wide limits */
    public HostBudget host() {
        return host;
    }

    /** @return the worst level of all destinations and host budgets */
    public BudgetLevel level() {
        BudgetLevel worst = host.timeWaitLevel().max(host.fdLevel());
        for (DestinationBudget d : destinations) {
            worst = worst.max(d.level());
        }
        return worst;
    }

    @Override
    public String toString() {
        return "BudgetSnapshot{" + time + ", " + level() + ", kernel view "
                + (kernelUnavailableReason == null ? "available" : "unavailable: " + kernelUnavailableReason)
                + ", range " + range + ", capacity " + capacity() + ", destinations " + destinations + ", host " + host
                + '}';
    }
}
