package dev.portkeeper.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portkeeper.budget.BudgetLevel;
import dev.portkeeper.budget.BudgetSnapshot;
import dev.portkeeper.budget.Destination;
import dev.portkeeper.budget.DestinationBudget;
import dev.portkeeper.budget.Forecast;
import dev.portkeeper.budget.HostBudget;
import dev.portkeeper.budget.LedgerCounts;
import dev.portkeeper.kernel.EphemeralRange;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpState;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** The status from the worst budget level, and the details, on snapshots made for each level. */
class PortkeeperHealthIndicatorTest {
    @TempDir
    Path noProc;

    @Test
    void okIsUp() throws Exception {
        Health health = health(BudgetLevel.OK, BudgetLevel.CRITICAL);
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).doesNotContainKey("warning").containsEntry("level", BudgetLevel.OK);
    }

    @Test
    void warnIsUpWithAWarning() throws Exception {
        Health health = health(BudgetLevel.WARN, BudgetLevel.CRITICAL);
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat((String) health.getDetails().get("warning")).startsWith("Port budget WARN: ")
                .contains("10.0.0.5 -> 10.0.0.9:11211");
    }

    @Test
    void criticalAndExhaustedAreDownByDefault() throws Exception {
        assertThat(health(BudgetLevel.CRITICAL, BudgetLevel.CRITICAL).getStatus()).isEqualTo(Status.DOWN);
        assertThat(health(BudgetLevel.EXHAUSTED, BudgetLevel.CRITICAL).getStatus()).isEqualTo(Status.DOWN);
    }

    @Test
    void downAtIsConfigurable() throws Exception {
        assertThat(health(BudgetLevel.CRITICAL, BudgetLevel.EXHAUSTED).getStatus()).isEqualTo(Status.UP);
        assertThat(health(BudgetLevel.EXHAUSTED, BudgetLevel.EXHAUSTED).getStatus()).isEqualTo(Status.DOWN);
        assertThat(health(BudgetLevel.WARN, BudgetLevel.WARN).getStatus()).isEqualTo(Status.DOWN);
    }

    @Test
    void detailsPerDestinationAndForTheHost() throws Exception {
        Map<String, Object> details = health(BudgetLevel.CRITICAL, BudgetLevel.CRITICAL).getDetails();
        assertThat(details).containsEntry("kernelView", true).containsEntry("capacity", 28_232)
                .containsEntry("ephemeralRange", "32768-60999").containsEntry("destinationCount", 1);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> destinations = (List<Map<String, Object>>) details.get("destinations");
        assertThat(destinations).singleElement().satisfies(d -> {
            assertThat(d).containsEntry("destination", "10.0.0.5 -> 10.0.0.9:11211").containsEntry("used", 25_000)
                    .containsEntry("capacity", 28_232).containsEntry("level", BudgetLevel.CRITICAL)
                    .containsEntry("secondsToExhaustion", 42L).containsEntry("heldByThisProcess", 3)
                    .containsEntry("closeRate", 400.0);
            assertThat(d.get("states")).isEqualTo(Map.of("TIME_WAIT", 24_990, "ESTABLISHED", 10));
            @SuppressWarnings("unchecked")
            Map<String, Object> forecast = (Map<String, Object>) d.get("forecast");
            assertThat(forecast).containsEntry("lowSeconds", 36L).containsEntry("highSeconds", 51L)
                    .containsEntry("growth", Forecast.Growth.TIME_WAIT);
        });
        assertThat(details.get("fileDescriptors")).isEqualTo(Map.of("used", 120L, "limit", 1_024L,
                "level", BudgetLevel.OK));
        assertThat(details.get("timeWait")).isEqualTo(Map.of("sockets", 25_000L, "maxBuckets", 262_144L,
                "overflows", 0L, "level", BudgetLevel.OK));
        // No procfs here: the count of CLOSE_WAIT sockets held says why it is missing.
        assertThat((String) details.get("closeWaitHeld")).startsWith("unavailable: ");
    }

    private Health health(BudgetLevel level, BudgetLevel downAt) throws Exception {
        DestinationBudget destination = new DestinationBudget(
                Destination.of(InetAddress.getByName("10.0.0.5"), InetAddress.getByName("10.0.0.9"), 11211),
                Map.of(TcpState.TIME_WAIT, 24_990, TcpState.ESTABLISHED, 10), 25_000, 28_232, 400.0, 50.0,
                Optional.of(new Forecast(42, 36, 51, Duration.ofSeconds(10), Forecast.Growth.TIME_WAIT,
                        Forecast.Curve.STEADY)),
                level, new LedgerCounts(0, 0, 0, 0, 0, 0, 0, 0), OptionalInt.of(3));
        BudgetSnapshot snapshot = new BudgetSnapshot(Instant.EPOCH, Optional.empty(), EphemeralRange.LINUX_DEFAULT, 0,
                Map.of(TcpState.TIME_WAIT, 24_990), List.of(destination),
                new HostBudget(OptionalLong.of(25_000), OptionalLong.of(262_144), OptionalLong.of(0), BudgetLevel.OK,
                        OptionalLong.of(120), OptionalLong.of(1_024), BudgetLevel.OK),
                Optional.empty());
        return new PortkeeperHealthIndicator(() -> snapshot, List.of(), downAt, 10, Procfs.at(noProc)).health();
    }
}
