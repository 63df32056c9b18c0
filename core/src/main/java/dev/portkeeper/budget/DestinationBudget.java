package dev.portkeeper.budget;

import dev.portkeeper.kernel.TcpState;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * One destination's budget at one sample: the sockets holding a local port of the ephemeral
 * range toward it, by state, against the capacity; the close rate; the forecast; the level.
 * Immutable.
 */
public final class DestinationBudget {
    private final Destination destination;
    private final Map<TcpState, Integer> states;
    private final int used;
    private final int capacity;
    private final double closeRate;
    private final double trend;
    private final double secondsToExhaustion;
    private final BudgetLevel level;
    private final LedgerCounts ledger;

    DestinationBudget(Destination destination, Map<TcpState, Integer> states, int used, int capacity,
            double closeRate, double trend, double secondsToExhaustion, BudgetLevel level, LedgerCounts ledger) {
        this.destination = destination;
        EnumMap<TcpState, Integer> copy = new EnumMap<>(TcpState.class);
        copy.putAll(states);
        this.states = Collections.unmodifiableMap(copy);
        this.used = used;
        this.capacity = capacity;
        this.closeRate = closeRate;
        this.trend = trend;
        this.secondsToExhaustion = secondsToExhaustion;
        this.level = level;
        this.ledger = ledger;
    }

    /** @return the destination */
    public Destination destination() {
        return destination;
    }

    /** @return sockets toward it by state; states with no socket are absent */
    public Map<TcpState, Integer> states() {
        return states;
    }

    /**
     * @param state a state
     * @return the sockets in that state
     */
    public int count(TcpState state) {
        return states.getOrDefault(state, 0);
    }

    /** @return local ports of the range in use toward it, whatever the state */
    public int used() {
        return used;
    }

    /**
     * @return ports it can use: the range, less the reserved ports, the ports held by listeners in it,
     *     and the ports that the attached pools bound before connecting to other destinations
     */
    public int capacity() {
        return capacity;
    }

    /** @return {@code used / capacity} */
    public double usedRatio() {
        return capacity <= 0 ? 1.0 : (double) used / capacity;
    }

    /** @return connections this side closed first per second over the trend window (each leaves a TIME_WAIT here) */
    public double closeRate() {
        return closeRate;
    }

    /** @return TIME_WAIT sockets at steady state at this close rate: rate × 60 s (Little's law) */
    public double steadyStateTimeWait() {
        return closeRate * PortBudgetMonitor.TIME_WAIT_SECONDS;
    }

    /** @return how fast {@link #used()} grows, ports per second over the trend window (negative: shrinks) */
    public double trend() {
        return trend;
    }

    /** @return seconds until every port is in use at the current trend, or empty when it is not heading there */
    public OptionalDouble secondsToExhaustion() {
        return Double.isNaN(secondsToExhaustion) ? OptionalDouble.empty() : OptionalDouble.of(secondsToExhaustion);
    }

    /** @return the level, with hysteresis applied */
    public BudgetLevel level() {
        return level;
    }

    /** @return what the pools attached to the monitor opened and closed toward it */
    public LedgerCounts ledger() {
        return ledger;
    }

    @Override
    public String toString() {
        return destination + " " + level + ": " + used + " of " + capacity + " ports " + states
                + String.format(java.util.Locale.ROOT, ", %.1f closes/s", closeRate)
                + (Double.isNaN(secondsToExhaustion) ? ""
                        : String.format(java.util.Locale.ROOT, ", exhaustion in %.0f s", secondsToExhaustion));
    }
}
