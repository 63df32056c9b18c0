package dev.portkeeper.budget;

import java.time.Duration;
import java.util.Objects;

/**
 * When the monitor samples and when a budget becomes WARN or CRITICAL. Immutable; build with
 * {@link #custom()} or {@link #from(BudgetSettings)}, each setter validating its argument.
 *
 * <table>
 *   <caption>Settings and their defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code warnRatio}</td><td>0.6</td><td>WARN when this share of the capacity is used</td></tr>
 *   <tr><td>{@code criticalRatio}</td><td>0.85</td><td>CRITICAL when this share is used</td></tr>
 *   <tr><td>{@code warnHorizon}</td><td>5 min</td><td>WARN when exhaustion is forecast within this</td></tr>
 *   <tr><td>{@code criticalHorizon}</td><td>60 s</td><td>CRITICAL when exhaustion is forecast within this</td></tr>
 *   <tr><td>{@code hysteresis}</td><td>0.1</td><td>a level is left only once the share used is this much
 *       below its threshold and the forecast is at least (1 + 5 × this) times its horizon away
 *       (1.5 × by default), so that a budget hovering at a threshold does not flap</td></tr>
 *   <tr><td>{@code trendWindow}</td><td>10 s</td><td>the samples a trend and a close rate are measured over</td></tr>
 *   <tr><td>{@code sampleInterval}</td><td>1 s</td><td>how often the cheap counters ({@code /proc/net/sockstat})
 *       are read, and the full tables when under pressure</td></tr>
 *   <tr><td>{@code idleTableInterval}</td><td>10 s</td><td>how often the full tables are read when the
 *       counters show little use (below a quarter of the capacity and every level OK)</td></tr>
 * </table>
 *
 * <p>The same ratios apply to the host-wide budgets: TIME_WAIT sockets against
 * {@code net.ipv4.tcp_max_tw_buckets}, and open file descriptors against their limit.
 */
public final class BudgetSettings {
    private static final BudgetSettings DEFAULTS = new Builder().build();

    private final double warnRatio;
    private final double criticalRatio;
    private final Duration warnHorizon;
    private final Duration criticalHorizon;
    private final double hysteresis;
    private final Duration trendWindow;
    private final Duration sampleInterval;
    private final Duration idleTableInterval;

    private BudgetSettings(Builder b) {
        warnRatio = b.warnRatio;
        criticalRatio = b.criticalRatio;
        warnHorizon = b.warnHorizon;
        criticalHorizon = b.criticalHorizon;
        hysteresis = b.hysteresis;
        trendWindow = b.trendWindow;
        sampleInterval = b.sampleInterval;
        idleTableInterval = b.idleTableInterval;
    }

    /** @return the defaults */
    public static BudgetSettings ofDefaults() {
        return DEFAULTS;
    }

    /** @return a builder holding the defaults */
    public static Builder custom() {
        return new Builder();
    }

    /**
     * @param base settings to start from
     * @return a builder holding a copy of them
     */
    public static Builder from(BudgetSettings base) {
        return new Builder(Objects.requireNonNull(base, "base"));
    }

    /** @return share of capacity used that makes WARN */
    public double warnRatio() {
        return warnRatio;
    }

    /** @return share of capacity used that makes CRITICAL */
    public double criticalRatio() {
        return criticalRatio;
    }

    /** @return forecast horizon that makes WARN */
    public Duration warnHorizon() {
        return warnHorizon;
    }

    /** @return forecast horizon that makes CRITICAL */
    public Duration criticalHorizon() {
        return criticalHorizon;
    }

    /** @return how far below a threshold a level is left */
    public double hysteresis() {
        return hysteresis;
    }

    /** @return the window of trend and close rate */
    public Duration trendWindow() {
        return trendWindow;
    }

    /** @return the sampling period */
    public Duration sampleInterval() {
        return sampleInterval;
    }

    /** @return the full-table period when there is little use */
    public Duration idleTableInterval() {
        return idleTableInterval;
    }

    @Override
    public String toString() {
        return "BudgetSettings{warnRatio=" + warnRatio + ", criticalRatio=" + criticalRatio + ", warnHorizon="
                + warnHorizon + ", criticalHorizon=" + criticalHorizon + ", hysteresis=" + hysteresis
                + ", trendWindow=" + trendWindow + ", sampleInterval=" + sampleInterval + ", idleTableInterval="
                + idleTableInterval + '}';
    }

    /** Builds {@link BudgetSettings}. Not thread-safe. */
    public static final class Builder {
        private static final Duration MAX_HORIZON = Duration.ofHours(24);
        private static final Duration MAX_INTERVAL = Duration.ofHours(1);
        private double warnRatio = 0.6;
        private double criticalRatio = 0.85;
        private Duration warnHorizon = Duration.ofMinutes(5);
        private Duration criticalHorizon = Duration.ofSeconds(60);
        private double hysteresis = 0.1;
        private Duration trendWindow = Duration.ofSeconds(10);
        private Duration sampleInterval = Duration.ofSeconds(1);
        private Duration idleTableInterval = Duration.ofSeconds(10);

        private Builder() {
        }

        private Builder(BudgetSettings s) {
            warnRatio = s.warnRatio;
            criticalRatio = s.criticalRatio;
            warnHorizon = s.warnHorizon;
            criticalHorizon = s.criticalHorizon;
            hysteresis = s.hysteresis;
            trendWindow = s.trendWindow;
            sampleInterval = s.sampleInterval;
            idleTableInterval = s.idleTableInterval;
        }

        /**
         * @param value above 0 and below 1; default 0.6
         * @return this
         */
        public Builder warnRatio(double value) {
            warnRatio = fraction("warnRatio", value);
            return this;
        }

        /**
         * @param value above 0 and below 1; default 0.85
         * @return this
         */
        public Builder criticalRatio(double value) {
            criticalRatio = fraction("criticalRatio", value);
            return this;
        }

        /**
         * @param value at least 1 ms and at most 24 h; default 5 min
         * @return this
         */
        public Builder warnHorizon(Duration value) {
            warnHorizon = between("warnHorizon", value, Duration.ofMillis(1), MAX_HORIZON, "1 ms", "24 h");
            return this;
        }

        /**
         * @param value at least 1 ms and at most 24 h; default 60 s
         * @return this
         */
        public Builder criticalHorizon(Duration value) {
            criticalHorizon = between("criticalHorizon", value, Duration.ofMillis(1), MAX_HORIZON, "1 ms", "24 h");
            return this;
        }

        /**
         * @param value from 0 to below 0.5; default 0.1
         * @return this
         */
        public Builder hysteresis(double value) {
            if (!(value >= 0 && value < 0.5)) {
                throw new IllegalArgumentException("hysteresis must be at least 0 and below 0.5: " + value);
            }
            hysteresis = value;
            return this;
        }

        /**
         * @param value at least 1 s and at most 60 s (the TIME_WAIT length); default 10 s
         * @return this
         */
        public Builder trendWindow(Duration value) {
            trendWindow = between("trendWindow", value, Duration.ofSeconds(1), Duration.ofSeconds(60), "1 s", "60 s");
            return this;
        }

        /**
         * @param value at least 10 ms and at most 1 h; default 1 s
         * @return this
         */
        public Builder sampleInterval(Duration value) {
            sampleInterval = between("sampleInterval", value, Duration.ofMillis(10), MAX_INTERVAL, "10 ms", "1 h");
            return this;
        }

        /**
         * @param value at least 10 ms and at most 1 h; default 10 s
         * @return this
         */
        public Builder idleTableInterval(Duration value) {
            idleTableInterval = between("idleTableInterval", value, Duration.ofMillis(10), MAX_INTERVAL, "10 ms",
                    "1 h");
            return this;
        }

        /**
         * @return the settings
         * @throws IllegalArgumentException if warnRatio is not below criticalRatio, or warnHorizon not above
         *     criticalHorizon
         */
        public BudgetSettings build() {
            if (warnRatio >= criticalRatio) {
                throw new IllegalArgumentException("warnRatio (" + warnRatio + ") must be below criticalRatio ("
                        + criticalRatio + ")");
            }
            if (warnHorizon.compareTo(criticalHorizon) <= 0) {
                throw new IllegalArgumentException("warnHorizon (" + warnHorizon + ") must be longer than criticalHorizon ("
                        + criticalHorizon + ")");
            }
            return new BudgetSettings(this);
        }

        private static double fraction(String name, double value) {
            if (!(value > 0 && value < 1)) {
                throw new IllegalArgumentException(name + " must be above 0 and below 1: " + value);
            }
            return value;
        }

        /**
         * Durations are bounded so that every use ({@code toMillis}, {@code toNanos}, a scheduler's
         * period) is exact: {@code Long.MAX_VALUE} seconds would overflow them at build or later.
         */
        private static Duration between(String name, Duration value, Duration min, Duration max, String minText,
                String maxText) {
            Objects.requireNonNull(value, name);
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + " must be between " + minText + " and " + maxText + ": "
                        + value);
            }
            return value;
        }
    }
}
