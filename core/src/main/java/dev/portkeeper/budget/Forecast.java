package dev.portkeeper.budget;

/**
 * When a destination runs out of ports, as a pure function of one sample and its trends.
 *
 * <p>TIME_WAIT sockets last 60 s, so at a steady close rate their number levels off at
 * rate × 60 s (Little's law). Exhaustion is forecast only when that steady state, plus the
 * sockets in other states, exceeds the capacity, or when the other states themselves keep
 * growing (a leak); the time left is then the free ports over the growth of the ports in use.
 * A burst that the steady state can absorb raises no forecast.
 */
final class Forecast {
    private Forecast() {
    }

    /**
     * @param used ports in use now
     * @param capacity ports available
     * @param timeWait of {@code used}, those in TIME_WAIT
     * @param closeRate sockets entering TIME_WAIT per second
     * @param usedTrend growth of {@code used} per second (NaN if unknown)
     * @param otherTrend growth of the non-TIME_WAIT part per second (NaN if unknown)
     * @return seconds to exhaustion, 0 when exhausted, NaN when not heading there
     */
    static double secondsToExhaustion(int used, int capacity, int timeWait, double closeRate, double usedTrend,
            double otherTrend) {
        if (used >= capacity) {
            return 0;
        }
        if (Double.isNaN(usedTrend) || usedTrend <= 0) {
            return Double.NaN;
        }
        double steady = (used - timeWait) + closeRate * PortBudgetMonitor.TIME_WAIT_SECONDS;
        boolean leaking = !Double.isNaN(otherTrend) && otherTrend > 0.1;
        if (steady <= capacity && !leaking) {
            return Double.NaN;
        }
        return (capacity - used) / usedTrend;
    }
}
