package dev.portkeeper.budget;

import java.time.Duration;
import java.util.Locale;

/**
 * When a destination is forecast to run out of ports, and how sure the forecast is.
 *
 * <p>{@code seconds} is the best estimate; {@code lowSeconds} and {@code highSeconds} bound it
 * with the fitted rate and acceleration moved by two standard errors each way
 * ({@code highSeconds} is infinite when the slower reading never runs out). The fit used the
 * last {@code window} of the arrivals. A value.
 *
 * @param seconds time to exhaustion, 0 when exhausted
 * @param lowSeconds the soonest it is likely
 * @param highSeconds the latest it is likely; {@link Double#POSITIVE_INFINITY} when the slow side never runs out
 * @param window how much history the fit used
 * @param growth what is filling the range
 * @param curve the shape of the rate the forecast extrapolates
 */
public record Forecast(double seconds, double lowSeconds, double highSeconds, Duration window, Growth growth,
        Curve curve) {
    /** What fills the range. */
    public enum Growth {
        /** Connections this side closed first: each holds its port 60 s in TIME_WAIT. */
        TIME_WAIT,
        /** Sockets the peer closed and this side never closed: a leak, held until the owner closes them. */
        CLOSE_WAIT_LEAK,
        /** Connections opened and kept open, growing without end: a leak or an unbounded pool. */
        ESTABLISHED_LEAK
    }

    /** The shape of the rate that the forecast extrapolates. */
    public enum Curve {
        /** No significant change of the rate over the window: the steady-state answer. */
        STEADY,
        /** The rate grows: the forecast extrapolates the acceleration (for at most 60 s). */
        ACCELERATING,
        /** The rate falls. */
        SLOWING
    }

    /** @return whether the growth is a leak (sockets not in TIME_WAIT) rather than churn */
    public boolean isLeak() {
        return growth != Growth.TIME_WAIT;
    }

    /** @return e.g. {@code 42 s (36-51 s, accelerating, 10 s window)} */
    public String text() {
        String high = Double.isInfinite(highSeconds) ? "never" : String.format(Locale.ROOT, "%.0f s", highSeconds);
        return String.format(Locale.ROOT, "%.0f s (%.0f s to %s, %s, %d s window)", seconds, lowSeconds, high,
                curve.name().toLowerCase(Locale.ROOT), window.toSeconds());
    }

    @Override
    public String toString() {
        return text();
    }
}
