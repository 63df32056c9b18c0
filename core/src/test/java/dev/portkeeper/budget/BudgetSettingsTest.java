package dev.portkeeper.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input for every {@link BudgetSettings} value, each at and past its bounds: refused at once,
 * by a message naming the field and its allowed range; the bounds themselves are accepted and a
 * monitor runs with them.
 */
class BudgetSettingsTest {
    private static final Duration HUGE = Duration.ofSeconds(Long.MAX_VALUE);

    static Stream<Arguments> refused() {
        return Stream.of(
                bad("warnRatio", "above 0 and below 1", b -> b.warnRatio(0)),
                bad("warnRatio", "above 0 and below 1", b -> b.warnRatio(-0.1)),
                bad("warnRatio", "above 0 and below 1", b -> b.warnRatio(1)),
                bad("warnRatio", "above 0 and below 1", b -> b.warnRatio(Double.NaN)),
                bad("warnRatio", "above 0 and below 1", b -> b.warnRatio(Double.POSITIVE_INFINITY)),
                bad("criticalRatio", "above 0 and below 1", b -> b.criticalRatio(1.0000001)),
                bad("criticalRatio", "above 0 and below 1", b -> b.criticalRatio(Double.NEGATIVE_INFINITY)),
                bad("hysteresis", "at least 0 and below 0.5", b -> b.hysteresis(-Double.MIN_VALUE)),
                bad("hysteresis", "at least 0 and below 0.5", b -> b.hysteresis(0.5)),
                bad("hysteresis", "at least 0 and below 0.5", b -> b.hysteresis(Double.NaN)),
                bad("warnHorizon", "between 1 ms and 24 h", b -> b.warnHorizon(HUGE)),
                bad("warnHorizon", "between 1 ms and 24 h", b -> b.warnHorizon(Duration.ofHours(24).plusNanos(1))),
                bad("warnHorizon", "between 1 ms and 24 h", b -> b.warnHorizon(Duration.ZERO)),
                bad("warnHorizon", "between 1 ms and 24 h", b -> b.warnHorizon(Duration.ofNanos(999_999))),
                bad("criticalHorizon", "between 1 ms and 24 h", b -> b.criticalHorizon(HUGE)),
                bad("criticalHorizon", "between 1 ms and 24 h", b -> b.criticalHorizon(Duration.ofSeconds(-1))),
                bad("trendWindow", "between 1 s and 60 s", b -> b.trendWindow(HUGE)),
                bad("trendWindow", "between 1 s and 60 s", b -> b.trendWindow(Duration.ofMillis(999))),
                bad("trendWindow", "between 1 s and 60 s", b -> b.trendWindow(Duration.ofSeconds(Long.MIN_VALUE))),
                bad("sampleInterval", "between 10 ms and 1 h", b -> b.sampleInterval(HUGE)),
                bad("sampleInterval", "between 10 ms and 1 h", b -> b.sampleInterval(Duration.ofMillis(9))),
                bad("sampleInterval", "between 10 ms and 1 h", b -> b.sampleInterval(Duration.ZERO)),
                bad("sampleInterval", "between 10 ms and 1 h", b -> b.sampleInterval(Duration.ofMillis(-10))),
                bad("idleTableInterval", "between 10 ms and 1 h", b -> b.idleTableInterval(HUGE)),
                bad("idleTableInterval", "between 10 ms and 1 h", b -> b.idleTableInterval(Duration.ofHours(1).plusMillis(1))),
                bad("idleTableInterval", "between 10 ms and 1 h", b -> b.idleTableInterval(Duration.ZERO)),
                bad("idleTableInterval", "between 10 ms and 1 h", b -> b.idleTableInterval(Duration.ofNanos(-1))));
    }

    private static Arguments bad(String field, String range, Consumer<BudgetSettings.Builder> setter) {
        return Arguments.of(field, range, setter);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusedWithTheFieldAndItsRange(String field, String range, Consumer<BudgetSettings.Builder> setter) {
        assertThatThrownBy(() -> setter.accept(BudgetSettings.custom())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(field + " must be " + range + ": ");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void nullIsRefusedWithTheFieldsName(String field, String range, Consumer<BudgetSettings.Builder> setter) {
        BudgetSettings.Builder b = BudgetSettings.custom();
        Runnable setNull;
        switch (field) {
            case "warnHorizon" -> setNull = () -> b.warnHorizon(null);
            case "criticalHorizon" -> setNull = () -> b.criticalHorizon(null);
            case "trendWindow" -> setNull = () -> b.trendWindow(null);
            case "sampleInterval" -> setNull = () -> b.sampleInterval(null);
            case "idleTableInterval" -> setNull = () -> b.idleTableInterval(null);
            default -> {
                return; // a double cannot be null
            }
        }
        assertThatThrownBy(setNull::run).isInstanceOf(NullPointerException.class).hasMessage(field);
    }

    @org.junit.jupiter.api.Test
    void theBoundsThemselvesAreAcceptedAndUsable() {
        BudgetSettings low = BudgetSettings.custom().warnRatio(Double.MIN_VALUE).criticalRatio(Math.nextDown(1.0))
                .hysteresis(0).criticalHorizon(Duration.ofMillis(1)).warnHorizon(Duration.ofMillis(2))
                .trendWindow(Duration.ofSeconds(1)).sampleInterval(Duration.ofMillis(10))
                .idleTableInterval(Duration.ofMillis(10)).build();
        BudgetSettings high = BudgetSettings.custom().hysteresis(Math.nextDown(0.5))
                .criticalHorizon(Duration.ofHours(24).minusMillis(1)).warnHorizon(Duration.ofHours(24))
                .trendWindow(Duration.ofSeconds(60)).sampleInterval(Duration.ofHours(1))
                .idleTableInterval(Duration.ofHours(1)).build();
        for (BudgetSettings s : new BudgetSettings[] {low, high}) {
            try (PortBudgetMonitor monitor = PortBudgetMonitor.builder().settings(s)
                    .procfs(dev.portkeeper.kernel.Procfs.at(java.nio.file.Path.of("/nonexistent"))).build()) {
                assertThat(monitor.snapshot().level()).isEqualTo(BudgetLevel.OK);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void theCrossChecksNameBothFields() {
        assertThatThrownBy(() -> BudgetSettings.custom().warnRatio(0.9).criticalRatio(0.9).build())
                .hasMessageContaining("warnRatio").hasMessageContaining("criticalRatio");
        assertThatThrownBy(() -> BudgetSettings.custom().warnHorizon(Duration.ofMinutes(1))
                .criticalHorizon(Duration.ofMinutes(1)).build())
                .hasMessageContaining("warnHorizon").hasMessageContaining("criticalHorizon");
    }
}
