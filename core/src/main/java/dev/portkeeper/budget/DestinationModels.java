package dev.portkeeper.budget;

import dev.portkeeper.kernel.TcpState;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Each destination's history across samples (trends, level, how long a forecast has stood) and
 * its budget at one sample: the forecast from {@link ExhaustionModel}, the level from
 * {@link LevelTracker}, and the alerts for a level change.
 *
 * <p>A forecast raises the level only once the growth behind it has lasted at least as long as
 * the time it has left, that is once the load has taken about as many ports as remain free, and
 * at least {@link #MIN_GROWTH_SECONDS}: a burst shorter than that is one the range absorbs, and
 * raises nothing (the ratio thresholds still apply). Not thread-safe: the sampler's.
 */
final class DestinationModels {
    private final BudgetSettings settings;
    private final long windowNanos;
    private final int windowSeconds;
    private final Map<Destination, Tracked> tracked = new HashMap<>();

    DestinationModels(BudgetSettings settings) {
        this.settings = settings;
        this.windowNanos = settings.trendWindow().toNanos();
        this.windowSeconds = (int) Math.max(3, settings.trendWindow().toSeconds());
    }

    /** A destination's trends and level across samples. */
    private static final class Tracked {
        final Trend used;
        final Trend other;
        final Trend closeWait;
        final LevelTracker level;
        long lastSeen;
        long exhaustionFailures;
        long growingSince = Long.MIN_VALUE;
        Forecast forecast;
        long forecastAt;

        Tracked(long windowNanos, BudgetSettings settings) {
            used = new Trend(windowNanos);
            other = new Trend(windowNanos);
            closeWait = new Trend(windowNanos);
            level = new LevelTracker(settings);
        }
    }

    /** One destination's budget and its open rate now (for the guard). */
    record Evaluation(DestinationBudget budget, double rate) {
    }

    /**
     * What one sample saw of a destination.
     *
     * @param destination the destination
     * @param states its sockets by state
     * @param capacity ports it can use
     * @param closeRate closes by this side per second over the window
     * @param timeWaitByAge its TIME_WAIT sockets (or the ledger's recent local closes) by age in seconds
     * @param heldHere of its sockets not in TIME_WAIT, those this process holds; empty when unknown
     * @param ledger the ledger's counts
     * @param fresh whether the numbers were read in this sample (else carried from an earlier one)
     */
    record Seen(Destination destination, Map<TcpState, Integer> states, int capacity, double closeRate,
            int[] timeWaitByAge, OptionalInt heldHere, LedgerCounts ledger, boolean fresh) {
        int used() {
            int n = 0;
            for (int v : states.values()) {
                n += v;
            }
            return n;
        }
    }

    Evaluation evaluate(Seen s, long now, List<AlertDispatcher.Pending> alerts) {
        Destination d = s.destination();
        Tracked t = tracked.computeIfAbsent(d, k -> new Tracked(windowNanos, settings));
        int used = s.used();
        int timeWait = s.states().getOrDefault(TcpState.TIME_WAIT, 0);
        int closeWait = s.states().getOrDefault(TcpState.CLOSE_WAIT, 0);
        ExhaustionModel.RateFit fit = ExhaustionModel.fit(s.timeWaitByAge(), windowSeconds);
        if (s.fresh()) {
            t.used.add(now, used);
            t.other.add(now, used - timeWait);
            t.closeWait.add(now, closeWait);
            double leak = t.other.slopePerSecond();
            double cw = t.closeWait.slopePerSecond();
            Forecast.Growth kind = !Double.isNaN(cw) && cw >= 0.5 * leak ? Forecast.Growth.CLOSE_WAIT_LEAK
                    : Forecast.Growth.ESTABLISHED_LEAK;
            t.forecast = ExhaustionModel.forecast(used, s.capacity(), s.timeWaitByAge(), fit, leak,
                    t.other.slopeError(), kind, Duration.ofSeconds(windowSeconds));
            t.forecastAt = now;
        }
        if (used > 0) {
            t.lastSeen = now;
        }
        Forecast forecast = aged(t.forecast, (now - t.forecastAt) / 1e9);
        double lasted = lasted(t, forecast, s.timeWaitByAge(), now);
        double seconds = forecast == null || (forecast.seconds() > lasted || lasted < MIN_GROWTH_SECONDS)
                && forecast.seconds() > 0 ? Double.NaN : forecast.seconds();

        double ratio = s.capacity() <= 0 ? 1.0 : (double) used / s.capacity();
        // A connect that failed for lack of a port since the last sample is exhaustion, whatever the counts say.
        boolean failedForLackOfPorts = s.ledger().portExhaustionFailures() > t.exhaustionFailures;
        t.exhaustionFailures = s.ledger().portExhaustionFailures();
        BudgetLevel before = t.level.update(ratio, seconds, failedForLackOfPorts);
        double trend = t.used.slopePerSecond();
        DestinationBudget budget = new DestinationBudget(d, s.states(), used, s.capacity(), s.closeRate(),
                Double.isNaN(trend) ? 0 : trend, Optional.ofNullable(forecast), t.level.level(), s.ledger(),
                s.heldHere());
        AlertDispatcher.transitions(alerts, d.toString(), d, before, t.level.level(),
                (from, to) -> AlertText.destination(budget, from, to));
        return new Evaluation(budget, Math.max(s.closeRate(), fit.rate()));
    }

    /**
     * A growth shorter than this is a burst, however steep: closes made within a second or two (a
     * batch job's, a restart's) look like a rate that runs any range out at once, and a snapshot
     * cannot tell them from the start of a load. The ratio thresholds still apply to it.
     */
    static final double MIN_GROWTH_SECONDS = 3;

    /** The forecast made {@code elapsed} seconds ago, as seen now. */
    private static Forecast aged(Forecast f, double elapsed) {
        if (f == null || elapsed <= 0) {
            return f;
        }
        return new Forecast(Math.max(0, f.seconds() - elapsed), Math.max(0, f.lowSeconds() - elapsed),
                Math.max(0, f.highSeconds() - elapsed), f.window(), f.growth(), f.curve());
    }

    /**
     * How long the growth behind the forecast has lasted, in seconds: since the forecast first
     * stood, backdated by the run of seconds with TIME_WAIT arrivals before it (or, for a leak,
     * half the window its trend took to show).
     */
    private double lasted(Tracked t, Forecast forecast, int[] byAge, long now) {
        if (forecast == null) {
            t.growingSince = Long.MIN_VALUE;
            return 0;
        }
        if (t.growingSince == Long.MIN_VALUE) {
            double back = forecast.isLeak() ? windowSeconds / 2.0 : arrivalRun(byAge);
            t.growingSince = now - (long) (back * 1e9);
        }
        return (now - t.growingSince) / 1e9;
    }

    /** Seconds back from now with TIME_WAIT arrivals in each (one empty second is tolerated). */
    static int arrivalRun(int[] byAge) {
        int run = 0;
        int empty = 0;
        for (int a = 0; a < byAge.length && empty < 2; a++) {
            if (byAge[a] > 0) {
                run = a + 1;
                empty = 0;
            } else {
                empty++;
            }
        }
        return run;
    }

    /** Drops the history of destinations gone quiet for a whole window at level OK. */
    void forget(Set<Destination> present, long now) {
        tracked.entrySet().removeIf(e -> !present.contains(e.getKey()) && e.getValue().level.level() == BudgetLevel.OK
                && now - e.getValue().lastSeen > windowNanos);
    }

    Set<Destination> trackedDestinations() {
        return tracked.keySet();
    }

    /** The alert texts of a destination. */
    static final class AlertText {
        private AlertText() {
        }

        static String destination(DestinationBudget b, BudgetLevel before, BudgetLevel to) {
            StringBuilder sb = new StringBuilder();
            boolean raised = to.compareTo(before) > 0;
            sb.append("Port budget ").append(raised ? "" : "back to ").append(to).append(" for ")
                    .append(b.destination()).append(String.format(Locale.ROOT,
                            ": %,d of %,d ephemeral ports in use (", b.used(), b.capacity()));
            String sep = "";
            for (Map.Entry<TcpState, Integer> e : b.states().entrySet()) {
                sb.append(sep).append(e.getKey()).append(' ').append(String.format(Locale.ROOT, "%,d", e.getValue()));
                sep = ", ";
            }
            sb.append(String.format(Locale.ROOT, "), %.1f closes/s by this host", b.closeRate()));
            Optional<Forecast> f = b.forecast();
            f.ifPresent(x -> sb.append(", exhaustion forecast in ").append(x.text()));
            sb.append('.');
            if (f.isPresent() && f.get().isLeak()) {
                sb.append(leak(b, f.get()));
            }
            if (raised && (f.isEmpty() || !f.get().isLeak())) {
                sb.append(" Reuse connections to it (a pool with long-lived connections; look for code that opens a"
                        + " connection per request), widen net.ipv4.ip_local_port_range, or set net.ipv4.tcp_tw_reuse=1"
                        + " (needs tcp_timestamps; reuses a TIME_WAIT four-tuple after tcp_tw_reuse_delay).");
            }
            return sb.toString();
        }

        private static String leak(DestinationBudget b, Forecast f) {
            boolean closeWait = f.growth() == Forecast.Growth.CLOSE_WAIT_LEAK;
            int held = b.used() - b.count(TcpState.TIME_WAIT);
            String what = closeWait
                    ? " A leak: CLOSE_WAIT keeps growing (the peer closed these connections and their owner never did)."
                    : " A leak: open connections keep growing (opened and never closed or given back).";
            String who;
            if (b.heldByThisProcess().isEmpty()) {
                who = " Their owner is unknown (this process's descriptors could not be read); `portkeeper doctor`"
                        + " names it.";
            } else if (b.heldByThisProcess().getAsInt() > 0) {
                who = String.format(Locale.ROOT, " This process (pid %d) holds %,d of the %,d: look for a connection"
                        + " not closed after the peer's EOF, or not given back to its pool (leak reports).",
                        ProcessHandle.current().pid(), b.heldByThisProcess().getAsInt(), held);
            } else {
                who = String.format(Locale.ROOT, " This process (pid %d) holds none of them: another process does;"
                        + " `portkeeper doctor` names it.", ProcessHandle.current().pid());
            }
            return what + who;
        }
    }
}
