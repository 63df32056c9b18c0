package dev.portkeeper.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure parts of the budget: trend, forecast, levels with hysteresis, settings. */
class BudgetLogicTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void trendIsTheLeastSquaresSlopeOverTheWindow() {
        Trend t = new Trend(10 * SECOND);
        t.add(0, 100);
        assertThat(t.slopePerSecond()).as("one sample is no trend").isNaN();
        for (int s = 1; s <= 30; s++) {
            t.add(s * SECOND, 100 + 20 * s + (s % 2 == 0 ? 3 : -3));
        }
        assertThat(t.slopePerSecond()).isCloseTo(20, within(1.0));
        for (int s = 31; s <= 45; s++) {
            t.add(s * SECOND, 700);
        }
        assertThat(t.slopePerSecond()).as("older samples left the window").isCloseTo(0, within(1e-9));
    }

    @Test
    void trendNeedsSamplesSpanningAFifthOfTheWindow() {
        Trend t = new Trend(10 * SECOND);
        t.add(0, 1);
        t.add(SECOND, 5);
        assertThat(t.slopePerSecond()).isNaN();
        t.add(2 * SECOND, 9);
        assertThat(t.slopePerSecond()).isCloseTo(4, within(1e-9));
    }

    /** TIME_WAIT arrivals by age: {@code rate(age)} sockets entered TIME_WAIT {@code age} whole seconds ago. */
    private static int[] arrivals(int seconds, java.util.function.IntUnaryOperator rate) {
        int[] byAge = new int[60];
        for (int age = 0; age < Math.min(60, seconds); age++) {
            byAge[age] = rate.applyAsInt(age);
        }
        return byAge;
    }

    private static Forecast forecast(int used, int[] byAge, double leak) {
        return ExhaustionModel.forecast(used, 1000, byAge, ExhaustionModel.fit(byAge, 10), leak, 0,
                Forecast.Growth.CLOSE_WAIT_LEAK, Duration.ofSeconds(10));
    }

    @Test
    void aSteadyRateIsForecastOnlyWhenItsSteadyStateExceedsTheCapacity() {
        // 20 closes/s for 10 s: 200 in TIME_WAIT, 20/s x 60 s = 1,200 at steady state > 1,000: 800 free at 20/s.
        Forecast f = forecast(200, arrivals(10, a -> 20), 0);
        assertThat(f.seconds()).isCloseTo(40, within(0.01));
        assertThat(f.curve()).isEqualTo(Forecast.Curve.STEADY);
        assertThat(f.growth()).isEqualTo(Forecast.Growth.TIME_WAIT);
        assertThat(f.lowSeconds()).isCloseTo(40, within(0.01)).as("no noise, no doubt");
        assertThat(f.highSeconds()).isCloseTo(40, within(0.01));
        assertThat(f.window()).isEqualTo(Duration.ofSeconds(10));
        // 10 closes/s levels off at 600: no threat, however long it lasts.
        assertThat(forecast(200, arrivals(20, a -> 10), 0)).isNull();
        assertThat(forecast(1000, arrivals(10, a -> 0), 0).seconds()).as("exhausted").isZero();
        // At steady state (a full minute of arrivals), what leaves balances what comes: 333/s x 60 s in 28,232.
        int[] minute = arrivals(60, a -> 333);
        assertThat(ExhaustionModel.forecast(19_980, 28_232, minute, ExhaustionModel.fit(minute, 10), 0, 0,
                Forecast.Growth.TIME_WAIT, Duration.ofSeconds(10))).isNull();
        // 500/s into a range whose oldest 333/s are leaving: 28,232 - 19,980 = 8,252 more at +167/s net, ~50 s.
        int[] faster = arrivals(60, a -> a < 10 ? 500 : 333);
        Forecast f2 = ExhaustionModel.forecast(21_650, 28_232, faster, ExhaustionModel.fit(faster, 10), 0, 0,
                Forecast.Growth.TIME_WAIT, Duration.ofSeconds(10));
        assertThat(f2.seconds()).isCloseTo((28_232 - 21_650) / 167.0, within(1.5));
    }

    @Test
    void aRisingRateIsExtrapolatedWithItsAcceleration() {
        // The rate rose by 1/s each second for 20 s: 5/s at the start, 25/s now; 300 ports in use.
        int[] ramp = arrivals(20, a -> 25 - a);
        int used = 0;
        for (int v : ramp) {
            used += v;
        }
        Forecast f = forecast(used, ramp, 0);
        // used(t) = 290 + 25.5 t + t^2/2 (the fit's rate is the middle of the last second) = 1000: t ~ 20.5 s
        double truth = (-25.5 + Math.sqrt(25.5 * 25.5 + 2 * (1000 - used))) ;
        assertThat(f.curve()).isEqualTo(Forecast.Curve.ACCELERATING);
        assertThat(f.seconds()).isCloseTo(truth, within(1.0));
        // The steady reading (25/s from 290) would say 28 s: the acceleration is what brings it closer.
        assertThat(f.seconds()).isLessThan((1000 - used) / 25.0 - 3);
    }

    @Test
    void aFallingRateOrASilenceAfterABurstClearsTheForecast() {
        // 40/s for 10 s, then 2 s of silence.
        int[] afterBurst = arrivals(12, a -> a < 2 ? 0 : 40);
        assertThat(forecast(400, afterBurst, 0)).isNull();
        // A rate falling fast: no crossing.
        assertThat(forecast(400, arrivals(10, a -> 10 + 6 * a), 0)).isNull();
    }

    @Test
    void otherStatesGrowingAreALeakForecastLinearly() {
        // 100 in CLOSE_WAIT growing 5/s, no TIME_WAIT: 900 free / 5 per s.
        Forecast f = forecast(100, arrivals(0, a -> 0), 5);
        assertThat(f.seconds()).isCloseTo(180, within(0.01));
        assertThat(f.isLeak()).isTrue();
        assertThat(f.growth()).isEqualTo(Forecast.Growth.CLOSE_WAIT_LEAK);
        assertThat(f.text()).contains("180 s").contains("10 s window");
        // Below 0.1/s it is noise.
        assertThat(forecast(100, arrivals(0, a -> 0), 0.05)).isNull();
    }

    @Test
    void aLevelRisesAtOnceAndFallsOnlyPastTheHysteresis() {
        LevelTracker t = new LevelTracker(BudgetSettings.ofDefaults());
        List<BudgetLevel> seen = new ArrayList<>();
        double[] ratios = {0.2, 0.59, 0.61, 0.58, 0.61, 0.52, 0.86, 0.80, 0.76, 0.74, 0.60, 0.49, 0.3};
        for (double r : ratios) {
            t.update(r, Double.NaN, false);
            seen.add(t.level());
        }
        assertThat(seen).containsExactly(BudgetLevel.OK, BudgetLevel.OK, BudgetLevel.WARN, BudgetLevel.WARN,
                BudgetLevel.WARN, BudgetLevel.WARN, BudgetLevel.CRITICAL, BudgetLevel.CRITICAL,
                BudgetLevel.CRITICAL, BudgetLevel.WARN, BudgetLevel.WARN, BudgetLevel.OK, BudgetLevel.OK);
    }

    @Test
    void aForecastRaisesTheLevelAndMustMoveWellAwayToLowerIt() {
        LevelTracker t = new LevelTracker(BudgetSettings.ofDefaults());
        t.update(0.1, 45, false);
        assertThat(t.level()).isEqualTo(BudgetLevel.CRITICAL);
        t.update(0.1, 80, false);
        assertThat(t.level()).as("80 s is within 1.5 x the 60 s horizon").isEqualTo(BudgetLevel.CRITICAL);
        t.update(0.1, 100, false);
        assertThat(t.level()).isEqualTo(BudgetLevel.WARN);
        t.update(0.1, Double.NaN, false);
        assertThat(t.level()).isEqualTo(BudgetLevel.OK);
        t.update(0.1, Double.NaN, true);
        assertThat(t.level()).isEqualTo(BudgetLevel.EXHAUSTED);
        t.update(1.0, Double.NaN, false);
        assertThat(t.level()).isEqualTo(BudgetLevel.EXHAUSTED);
    }

    @Test
    void settingsAreValidated() {
        assertThatThrownBy(() -> BudgetSettings.custom().warnRatio(0.9).build())
                .hasMessage("warnRatio (0.9) must be below criticalRatio (0.85)");
        assertThatThrownBy(() -> BudgetSettings.custom().warnHorizon(Duration.ofSeconds(30)).build())
                .hasMessage("warnHorizon (PT30S) must be longer than criticalHorizon (PT1M)");
        assertThatThrownBy(() -> BudgetSettings.custom().trendWindow(Duration.ofSeconds(61)))
                .hasMessage("trendWindow must be between 1 s and 60 s: PT1M1S");
        assertThatThrownBy(() -> BudgetSettings.custom().criticalRatio(1.0))
                .hasMessage("criticalRatio must be above 0 and below 1: 1.0");
        assertThat(BudgetSettings.from(BudgetSettings.ofDefaults()).build())
                .hasToString(BudgetSettings.ofDefaults().toString());
    }

    @Test
    void destinationsUnmapV4MappedAddressesAndPrintLikeSs() throws Exception {
        Destination mapped = Destination.of(InetAddress.getByName("::ffff:10.0.0.1"),
                InetAddress.getByName("::ffff:10.0.0.9"), 11211);
        Destination plain = Destination.of(InetAddress.getByName("10.0.0.1"), InetAddress.getByName("10.0.0.9"), 11211);
        assertThat(mapped).isEqualTo(plain).hasToString("10.0.0.1 -> 10.0.0.9:11211");
        assertThat(Destination.of(InetAddress.getByName("::1"), InetAddress.getByName("::1"), 8080))
                .hasToString("[::1] -> [::1]:8080");
        assertThat(Destination.of(InetAddress.getByName("2001:db8::1"), InetAddress.getByName("2001:db8:0:0:1:0:0:1"), 80)
                .remoteText()).isEqualTo("[2001:db8::1:0:0:1]:80");
    }
}
