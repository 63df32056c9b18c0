package dev.portkeeper.budget;

import java.time.Duration;

/**
 * The time to exhaustion of one destination, as a pure function of what one sample saw.
 *
 * <p>The ports in use change by three flows, each modelled from data rather than from the
 * trend of the total: sockets entering TIME_WAIT (their arrivals, second by second over the
 * last minute, are read from the TIME_WAIT timers or the ledger), the same sockets leaving 60 s
 * later (known exactly: each socket's timer says when), and the other states growing (a leak).
 * The arrival rate over the trend window is fitted to a line, so a rate that keeps rising is
 * extrapolated with its acceleration (for at most 60 s); where the acceleration is not
 * significant (within four standard errors, or under a fifth of the rate over the window) the
 * rate is taken as steady, which gives the steady-state answer: a load whose rate × 60 s fits
 * in the range never runs it out. The crossing of the capacity is found by stepping the flows
 * forward; a rate that falls to nothing has no crossing, so the forecast clears at once.
 */
final class ExhaustionModel {
    /** How far ahead to step the flows; a slower leak is extrapolated linearly past it. */
    static final double HORIZON_SECONDS = 600;
    /** How far ahead an acceleration is believed; the rate is held after it. */
    static final double ACCELERATION_SECONDS = PortBudgetMonitor.TIME_WAIT_SECONDS;
    /** The least growth of the other states over the window that is a leak, not noise. */
    static final int LEAK_MIN_SOCKETS = 5;
    private static final double STEP = 0.5;
    private static final int TW = PortBudgetMonitor.TIME_WAIT_SECONDS;

    private ExhaustionModel() {
    }

    /**
     * The arrival rate fitted over the window.
     *
     * @param rate arrivals per second now
     * @param rateError its standard error
     * @param acceleration change of the rate per second, 0 when not significant
     * @param accelerationError its standard error
     * @param curve the shape
     * @param seconds the seconds of history fitted
     */
    record RateFit(double rate, double rateError, double acceleration, double accelerationError,
            Forecast.Curve curve, int seconds) {
        static final RateFit NONE = new RateFit(0, 0, 0, 0, Forecast.Curve.STEADY, 0);
    }

    /**
     * @param arrivals sockets that entered TIME_WAIT, by age in whole seconds ({@code arrivals[0]}: within
     *     the last second)
     * @param window seconds of history to fit, at least 3
     * @return the fitted rate now
     */
    static RateFit fit(int[] arrivals, int window) {
        // A load that started within the window is fitted from its start: the empty seconds before
        // it are not a rising rate. Two silent seconds mean it stopped: nothing arrives now.
        int run = DestinationModels.arrivalRun(arrivals);
        if (run == 0) {
            return RateFit.NONE;
        }
        int n = Math.min(Math.min(window, Math.max(3, run)),
                Math.min(arrivals.length, TW));
        if (n < 3) {
            return RateFit.NONE;
        }
        double sumX = 0;
        double sumY = 0;
        for (int i = 0; i < n; i++) {
            sumX += -(i + 0.5);
            sumY += arrivals[i];
        }
        double meanX = sumX / n;
        double meanY = sumY / n;
        if (sumY == 0) {
            return RateFit.NONE;
        }
        double sxx = 0;
        double sxy = 0;
        for (int i = 0; i < n; i++) {
            double dx = -(i + 0.5) - meanX;
            sxx += dx * dx;
            sxy += dx * (arrivals[i] - meanY);
        }
        double k = sxy / sxx;
        double residuals = 0;
        for (int i = 0; i < n; i++) {
            double e = arrivals[i] - (meanY + k * (-(i + 0.5) - meanX));
            residuals += e * e;
        }
        double s = Math.sqrt(residuals / (n - 2));
        double kError = s / Math.sqrt(sxx);
        // An acceleration needs half a window of history, four standard errors, and a change of the
        // rate over the fit of at least a fifth of it (and two sockets a second): jitter is none.
        boolean significant = n >= Math.max(5, window / 2) && Math.abs(k) > 4 * kError
                && Math.abs(k) * n >= Math.max(2, 0.2 * meanY);
        if (significant && k > 0) {
            // A rising rate must show in the window before too: a stall and its catch-up (a pause of the
            // clients, or of the machine) make a steep line of ten points, not a rise over twenty.
            int older = Math.min(n, Math.min(arrivals.length, TW) - n);
            double sumOld = 0;
            for (int i = n; i < n + older; i++) {
                sumOld += arrivals[i];
            }
            double meanOld = older == 0 ? 0 : sumOld / older;
            significant = older < n / 2 || meanY - meanOld >= 0.5 * k * n;
        }
        if (!significant) {
            return new RateFit(meanY, s / Math.sqrt(n), 0, kError, Forecast.Curve.STEADY, n);
        }
        double rate = Math.max(0, meanY - k * meanX);
        double rateError = s * Math.sqrt(1.0 / n + meanX * meanX / sxx);
        return new RateFit(rate, rateError, k, kError,
                k > 0 ? Forecast.Curve.ACCELERATING : Forecast.Curve.SLOWING, n);
    }

    /**
     * @param used ports in use now
     * @param capacity ports available
     * @param arrivals the TIME_WAIT sockets present, by age in whole seconds
     * @param fit the arrival rate now
     * @param leakRate growth of the sockets in other states, per second (0 or NaN: none)
     * @param leakError its standard error
     * @param leak what the other states are, when they grow
     * @param window the trend window, reported when the forecast comes from the leak's trend
     * @return the forecast, or null when the flows never fill the range
     */
    static Forecast forecast(int used, int capacity, int[] arrivals, RateFit fit, double leakRate, double leakError,
            Forecast.Growth leak, Duration window) {
        // A leak is growth of at least five sockets over the window, three standard errors clear of noise.
        boolean leaking = !Double.isNaN(leakRate) && leakRate * window.toSeconds() >= LEAK_MIN_SOCKETS
                && (Double.isNaN(leakError) || leakRate > 3 * leakError);
        double g = leaking ? leakRate : 0;
        Forecast.Growth growth = leaking ? leak : Forecast.Growth.TIME_WAIT;
        if (!leaking && fit.seconds() > 0) {
            window = Duration.ofSeconds(fit.seconds());
        }
        if (used >= capacity) {
            return new Forecast(0, 0, 0, window, growth, fit.curve());
        }
        double best = cross(used, capacity, arrivals, fit.rate(), fit.acceleration(), g);
        if (Double.isNaN(best)) {
            return null;
        }
        boolean changing = fit.curve() != Forecast.Curve.STEADY;
        double ge = leaking && !Double.isNaN(leakError) ? 2 * leakError : 0;
        double low = cross(used, capacity, arrivals, fit.rate() + 2 * fit.rateError(),
                fit.acceleration() + (changing ? 2 * fit.accelerationError() : 0), g + ge);
        double high = cross(used, capacity, arrivals, Math.max(0, fit.rate() - 2 * fit.rateError()),
                fit.acceleration() - (changing ? 2 * fit.accelerationError() : 0), Math.max(0, g - ge));
        low = Double.isNaN(low) ? best : Math.min(low, best);
        high = Double.isNaN(high) ? Double.POSITIVE_INFINITY : Math.max(high, best);
        return new Forecast(best, low, high, window, growth, fit.curve());
    }

    /** The first time the flows reach the capacity, or NaN. */
    static double cross(int used, int capacity, int[] arrivals, double rate, double acceleration, double leak) {
        if (rate <= 0 && acceleration <= 0 && leak <= 0) {
            return Double.NaN;
        }
        if (acceleration <= 0 && leak <= 0 && used + rate * TW < capacity) {
            return Double.NaN; // what arrives within a TIME_WAIT length never fills it: the steady state fits
        }
        int steps = (int) (HORIZON_SECONDS / STEP);
        int perTw = (int) (TW / STEP);
        double[] arrived = new double[perTw];
        double inFlight = 0;
        double previous = used;
        int oldest = Math.min(arrivals.length, TW) - 1; // the next bucket to leave: the oldest first
        double expired = 0;
        for (int j = 1; j <= steps; j++) {
            double t = j * STEP;
            double s = Math.min(t - STEP / 2, ACCELERATION_SECONDS);
            double in = Math.max(0, rate + acceleration * s) * STEP;
            int slot = j % perTw;
            inFlight += in - arrived[slot]; // what arrived a TIME_WAIT length ago leaves now
            arrived[slot] = in;
            // A socket of age a (in [a, a+1)) leaves about 60 - a - 0.5 s from now.
            while (oldest >= 0 && TW - oldest - 0.5 <= t) {
                expired += arrivals[oldest--];
            }
            double level = used + inFlight - expired + leak * t;
            if (level >= capacity) {
                return t - STEP + STEP * (capacity - previous) / Math.max(1e-9, level - previous);
            }
            previous = level;
        }
        if (leak > 0 && acceleration <= 0) {
            return HORIZON_SECONDS + (capacity - previous) / leak;
        }
        return Double.NaN;
    }
}
