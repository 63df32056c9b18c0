package dev.portkeeper.budget;

import dev.portkeeper.kernel.TcpState;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * One destination's budget at one sample: the sockets holding a local port of the ephemeral
 * range toward it, by state, against the capacity; the close rate; the forecast and how sure it
 * is; the level. A value.
 *
 * @param destination the destination
 * @param states sockets toward it by state; states with no socket are absent
 * @param used local ports of the range in use toward it, whatever the state
 * @param capacity ports it can use: the range, less the reserved ports, the ports held by listeners in it,
 *     and the ports that the attached pools bound before connecting to other destinations
 * @param closeRate connections this side closed first per second over the trend window (each leaves a
 *     TIME_WAIT here)
 * @param trend how fast {@link #used()} grows, ports per second over the trend window (negative: shrinks)
 * @param forecast when it runs out, if it is heading there
 * @param level the level, with hysteresis applied
 * @param ledger what the pools attached to the monitor opened and closed toward it
 * @param heldByThisProcess of its sockets not in TIME_WAIT, those this process holds (its file descriptors);
 *     empty when unknown
 */
public record DestinationBudget(Destination destination, Map<TcpState, Integer> states, int used, int capacity,
        double closeRate, double trend, Optional<Forecast> forecast, BudgetLevel level, LedgerCounts ledger,
        OptionalInt heldByThisProcess) {
    /**
     * Copies the states.
     *
     * @param destination see the record's description
     * @param states see the record's description
     * @param used see the record's description
     * @param capacity see the record's description
     * @param closeRate see the record's description
     * @param trend see the record's description
     * @param forecast see the record's description
     * @param level see the record's description
     * @param ledger see the record's description
     * @param heldByThisProcess see the record's description
     */
    public DestinationBudget {
        EnumMap<TcpState, Integer> copy = new EnumMap<>(TcpState.class);
        copy.putAll(states);
        states = Collections.unmodifiableMap(copy);
    }

    /**
     * @param state a state
     * @return the sockets in that state
     */
    public int count(TcpState state) {
        return states.getOrDefault(state, 0);
    }

    /** @return {@code used / capacity} */
    public double usedRatio() {
        return capacity <= 0 ? 1.0 : (double) used / capacity;
    }

    /** @return TIME_WAIT sockets at steady state at this close rate: rate × 60 s (Little's law) */
    public double steadyStateTimeWait() {
        return closeRate * PortBudgetMonitor.TIME_WAIT_SECONDS;
    }

    /** @return seconds until every port is in use, or empty when it is not heading there; see {@link #forecast()} */
    public OptionalDouble secondsToExhaustion() {
        return forecast.map(f -> OptionalDouble.of(f.seconds())).orElse(OptionalDouble.empty());
    }

    @Override
    public String toString() {
        return destination + " " + level + ": " + used + " of " + capacity + " ports " + states
                + String.format(Locale.ROOT, ", %.1f closes/s", closeRate)
                + forecast.map(f -> ", exhaustion in " + f.text() + (f.isLeak() ? " (" + f.growth() + ")" : ""))
                        .orElse("");
    }
}
