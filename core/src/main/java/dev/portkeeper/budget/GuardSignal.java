package dev.portkeeper.budget;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The churn guard's signal, per destination: the opens per second the range sustains, held for
 * as long as the pool would otherwise run the range down.
 *
 * <p>The hold starts when the destination is above OK or its current open rate × 60 s plus the
 * ports in use exceeds the capacity (what that rate leaves in TIME_WAIT does not fit). It then
 * gives the rate that keeps the range at {@code warnRatio - hysteresis} of its capacity (half, by
 * default), never more than the free ports / 60 s, so that a guarded pool settles below WARN
 * instead of rising into it. It holds while the pool uses what it is given, and lets go only once
 * the rate has stayed under half of it for a whole trend window (the demand really fell): a
 * guard that let go as soon as the pressure eased would churn straight back into it. The holds
 * are updated by the sampler and read by the pools. Thread-safe.
 */
final class GuardSignal {
    private final double target;
    private final long windowNanos;
    private final Map<Destination, Hold> holds = new ConcurrentHashMap<>();

    private record Hold(double rate, long quietSince) {
    }

    GuardSignal(BudgetSettings settings) {
        this.target = Math.max(0.1, settings.warnRatio() - settings.hysteresis());
        this.windowNanos = settings.trendWindow().toNanos();
    }

    /**
     * @param b the destination's budget in this sample
     * @param rate its open (close) rate now, per second
     * @param now the ticker's time
     */
    void update(DestinationBudget b, double rate, long now) {
        int other = b.used() - b.count(dev.portkeeper.kernel.TcpState.TIME_WAIT);
        int free = Math.max(0, b.capacity() - b.used());
        double sustained = Math.max(0, Math.min(free, target * b.capacity() - other))
                / PortBudgetMonitor.TIME_WAIT_SECONDS;
        boolean pressure = b.level() != BudgetLevel.OK
                || rate * PortBudgetMonitor.TIME_WAIT_SECONDS + b.used() > b.capacity();
        Hold h = holds.get(b.destination());
        if (pressure) {
            holds.put(b.destination(), new Hold(sustained, Long.MIN_VALUE));
        } else if (h != null) {
            if (rate >= 0.5 * Math.max(h.rate(), 1e-9)) {
                holds.put(b.destination(), new Hold(sustained, Long.MIN_VALUE));
            } else if (h.quietSince() == Long.MIN_VALUE) {
                holds.put(b.destination(), new Hold(sustained, now));
            } else if (now - h.quietSince() >= windowNanos) {
                holds.remove(b.destination());
            } else {
                holds.put(b.destination(), new Hold(sustained, h.quietSince()));
            }
        }
    }

    /** @return the sustained opens per second for {@code d}, or -1 when it is not held */
    double rate(Destination d) {
        Hold h = d == null ? null : holds.get(d);
        return h == null ? -1 : h.rate();
    }

    /** Forgets the holds of destinations no longer tracked. */
    void retain(Set<Destination> tracked) {
        holds.keySet().retainAll(tracked);
    }
}
