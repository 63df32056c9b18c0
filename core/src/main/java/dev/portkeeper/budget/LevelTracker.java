package dev.portkeeper.budget;

/**
 * One budget's level with hysteresis: it rises as soon as a threshold is crossed, and falls
 * only once the measure is clear of the threshold by the hysteresis, so that a budget hovering
 * at a threshold raises one alert, not one per sample. Not thread-safe.
 */
final class LevelTracker {
    private final BudgetSettings settings;
    private BudgetLevel level = BudgetLevel.OK;

    LevelTracker(BudgetSettings settings) {
        this.settings = settings;
    }

    BudgetLevel level() {
        return level;
    }

    /**
     * @param ratio share of the capacity used
     * @param secondsToExhaustion forecast, NaN for none
     * @param exhausted whether exhaustion was seen (a failed connect, an overflow)
     * @return the level before this update
     */
    BudgetLevel update(double ratio, double secondsToExhaustion, boolean exhausted) {
        BudgetLevel before = level;
        BudgetLevel strict = classify(settings, ratio, secondsToExhaustion, exhausted, 0, 1);
        if (strict.compareTo(level) > 0) {
            level = strict;
        } else {
            double h = settings.hysteresis();
            BudgetLevel relaxed = classify(settings, ratio, secondsToExhaustion, exhausted, h, 1 + 5 * h);
            if (relaxed.compareTo(level) < 0) {
                level = relaxed;
            }
        }
        return before;
    }

    /**
     * The level for a measure, with thresholds moved by {@code ratioShift} (down) and horizons
     * scaled by {@code horizonScale} (out): with them, a level is kept longer than it is entered.
     */
    static BudgetLevel classify(BudgetSettings s, double ratio, double seconds, boolean exhausted,
            double ratioShift, double horizonScale) {
        if (exhausted || ratio >= 1.0 || seconds == 0) {
            return BudgetLevel.EXHAUSTED;
        }
        boolean forecast = !Double.isNaN(seconds);
        if (ratio >= s.criticalRatio() - ratioShift
                || forecast && seconds <= s.criticalHorizon().toMillis() / 1000.0 * horizonScale) {
            return BudgetLevel.CRITICAL;
        }
        if (ratio >= s.warnRatio() - ratioShift
                || forecast && seconds <= s.warnHorizon().toMillis() / 1000.0 * horizonScale) {
            return BudgetLevel.WARN;
        }
        return BudgetLevel.OK;
    }
}
