package dev.portkeeper.budget;

/**
 * The slope of a series over a sliding time window, by least squares: robust to the jitter of
 * sampling times and to one noisy sample. A fixed ring of samples; not thread-safe.
 */
final class Trend {
    private static final int CAPACITY = 256;

    private final long windowNanos;
    private final long[] times = new long[CAPACITY];
    private final double[] values = new double[CAPACITY];
    private int start;
    private int size;

    Trend(long windowNanos) {
        this.windowNanos = windowNanos;
    }

    void add(long now, double value) {
        while (size > 0 && now - times[start] > windowNanos) {
            start = (start + 1) % CAPACITY;
            size--;
        }
        if (size == CAPACITY) {
            start = (start + 1) % CAPACITY;
            size--;
        }
        int at = (start + size) % CAPACITY;
        times[at] = now;
        values[at] = value;
        size++;
    }

    /**
     * @return units per second over the window, or NaN until the samples span at least a fifth of
     *     the window (one sample says nothing of a trend)
     */
    double slopePerSecond() {
        return fit()[0];
    }

    /** @return the standard error of {@link #slopePerSecond()}, NaN when there is no slope */
    double slopeError() {
        return fit()[1];
    }

    private double[] fit() {
        double[] none = {Double.NaN, Double.NaN};
        if (size < 2) {
            return none;
        }
        long t0 = times[start];
        long span = times[(start + size - 1) % CAPACITY] - t0;
        if (span < windowNanos / 5) {
            return none;
        }
        double sumT = 0;
        double sumV = 0;
        for (int i = 0; i < size; i++) {
            int at = (start + i) % CAPACITY;
            sumT += (times[at] - t0) / 1e9;
            sumV += values[at];
        }
        double meanT = sumT / size;
        double meanV = sumV / size;
        double num = 0;
        double den = 0;
        for (int i = 0; i < size; i++) {
            int at = (start + i) % CAPACITY;
            double dt = (times[at] - t0) / 1e9 - meanT;
            num += dt * (values[at] - meanV);
            den += dt * dt;
        }
        if (den == 0) {
            return none;
        }
        double slope = num / den;
        double residuals = 0;
        for (int i = 0; i < size; i++) {
            int at = (start + i) % CAPACITY;
            double e = values[at] - (meanV + slope * ((times[at] - t0) / 1e9 - meanT));
            residuals += e * e;
        }
        double error = size > 2 ? Math.sqrt(residuals / (size - 2) / den) : Double.POSITIVE_INFINITY;
        return new double[] {slope, error};
    }
}
