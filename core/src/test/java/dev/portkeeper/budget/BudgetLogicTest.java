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

    @Test
    void exhaustionIsForecastOnlyWhenTheSteadyStateExceedsTheCapacity() {
        // 20 closes/s x 60 s = 1,200 TIME_WAIT at steady state > 1,000 ports: 800 free at +20/s = 40 s.
        assertThat(Forecast.secondsToExhaustion(200, 1000, 200, 20, 20, 0)).isCloseTo(40, within(1e-9));
        // 10 closes/s levels off at 600: a growing count is no threat.
        assertThat(Forecast.secondsToExhaustion(200, 1000, 200, 10, 10, 0)).isNaN();
        // Unless the other states keep growing: a leak of open connections.
        assertThat(Forecast.secondsToExhaustion(200, 1000, 100, 1, 5, 5)).isCloseTo(160, within(1e-9));
        assertThat(Forecast.secondsToExhaustion(1000, 1000, 900, 0, Double.NaN, Double.NaN)).isZero();
        assertThat(Forecast.secondsToExhaustion(500, 1000, 500, 20, -3, 0)).as("shrinking").isNaN();
        assertThat(Forecast.secondsToExhaustion(500, 1000, 500, 20, Double.NaN, 0)).as("no trend yet").isNaN();
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
