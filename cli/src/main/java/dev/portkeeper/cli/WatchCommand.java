package dev.portkeeper.cli;

import dev.portkeeper.budget.BudgetAlert;
import dev.portkeeper.budget.BudgetSettings;
import dev.portkeeper.budget.PortBudgetMonitor;
import dev.portkeeper.kernel.Procfs;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code portkeeper watch}: doctor's view refreshed every interval, like {@code top}, with each
 * destination's close rate, trend and forecast, and the monitor's alerts as they fire.
 */
@Command(name = "watch", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {
            "Samples the ephemeral-port budget of this network namespace every --interval and shows, per"
                    + " destination, the ports in use by state, the close rate (connections this side closed first"
                    + " per second, each leaving a TIME_WAIT for 60 s), the trend and the forecast time to exhaustion,"
                    + " with the port budget monitor's alerts as they fire. On a terminal the screen is redrawn;"
                    + " otherwise each sample follows the last. Stops on Ctrl-C or after --duration. It changes"
                    + " nothing.",
            "",
            "It exits with the verdict of its last sample, as doctor does (the worst of the budget's level and"
                    + " the advisor's findings), or 130 when stopped by Ctrl-C.",
            ""})
final class WatchCommand implements Callable<Integer> {
    private static final Duration MIN_INTERVAL = Duration.ofMillis(100);
    private static final Duration MAX_INTERVAL = Duration.ofHours(1);
    private static final Duration MAX_DURATION = Duration.ofDays(365);
    private static final int ALERTS_ON_SCREEN = 10;
    private static final String CLEAR_SCREEN = "\u001b[H\u001b[2J";

    @Spec
    CommandSpec spec;

    @Mixin
    KernelSource source;

    @Option(names = "--interval", paramLabel = "TIME", defaultValue = "1s", converter = DurationConverter.class,
            description = "Time between samples, 100ms to 1h: a number and a unit, ms, s, m or h"
                    + " (default: ${DEFAULT-VALUE}).")
    TypedDuration intervalOption;

    @Option(names = "--duration", paramLabel = "TIME", converter = DurationConverter.class,
            description = "Stop after this long (e.g. 30s, 5m); default: until Ctrl-C.")
    TypedDuration durationOption;

    @Option(names = "--json", description = "Write one JSON object per sample and line: doctor's fields, time and the"
            + " alerts fired since the line before.")
    boolean json;

    @Option(names = "--no-color", description = "No colour, even on a terminal (also: the NO_COLOR environment variable).")
    boolean noColor;

    @Option(names = "--top", paramLabel = "N", defaultValue = "20",
            description = "Destinations to show, most pressed first; 0 for all (default: ${DEFAULT-VALUE}). --json shows all.")
    int top;

    private final PrintStream out = System.out;

    @Override
    public Integer call() {
        Duration interval = intervalOption.value();
        if (interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0) {
            throw new ParameterException(spec.commandLine(), "--interval must be between 100ms and 1h: "
                    + intervalOption);
        }
        Duration duration = durationOption == null ? null : durationOption.value();
        // At most a year: the count of samples is computed in nanoseconds, which a few centuries overflow.
        if (duration != null
                && (duration.compareTo(Duration.ofMillis(1)) < 0 || duration.compareTo(MAX_DURATION) > 0)) {
            throw new ParameterException(spec.commandLine(), "--duration must be between 1ms and 8760h (a year): "
                    + durationOption);
        }
        if (top < 0) {
            throw new ParameterException(spec.commandLine(), "--top must be 0 (all) or more: " + top);
        }
        Procfs procfs = source.procfs();
        boolean terminal = !json && System.console() != null;
        WatchText text = new WatchText(Style.forTerminal(noColor), top, interval);
        Queue<BudgetAlert> fired = new ConcurrentLinkedQueue<>();
        Deque<BudgetAlert> onScreen = new ArrayDeque<>();
        Stopper stopper = Stopper.onShutdown(Thread.currentThread());
        int status = ExitStatus.UNKNOWN;
        try (PortBudgetMonitor monitor = PortBudgetMonitor.builder().procfs(procfs)
                // Every interval the tables are read as long as that is cheap; past half a percent of a
                // core (about 20,000 sockets at 1 s) less often, the counters still every interval.
                .settings(BudgetSettings.custom().sampleInterval(interval).idleTableInterval(interval).build())
                .alertListener(fired::add).build()) {
            long start = System.nanoTime();
            long samples = duration == null ? Long.MAX_VALUE
                    : Math.max(1, (duration.toNanos() + interval.toNanos() - 1) / interval.toNanos());
            for (long i = 0; i < samples && !stopper.requested(); i++) {
                if (!stopper.sleepUntil(start + i * interval.toNanos())) {
                    break;
                }
                HostReport report = HostReport.watch(monitor, procfs, source);
                List<BudgetAlert> alerts = new ArrayList<>();
                for (BudgetAlert a; (a = fired.poll()) != null;) {
                    alerts.add(a);
                }
                status = report.verdict().exitStatus();
                if (json) {
                    out.println(ReportJson.watch(report, alerts));
                } else if (terminal) {
                    onScreen.addAll(alerts);
                    while (onScreen.size() > ALERTS_ON_SCREEN) {
                        onScreen.removeFirst();
                    }
                    out.print(CLEAR_SCREEN + text.render(report, onScreen, true));
                } else {
                    out.print(text.render(report, alerts, false));
                    out.println();
                }
                out.flush();
                if (out.checkError()) {
                    break; // the reader went away (a closed pipe)
                }
            }
        } finally {
            stopper.finished();
        }
        return status;
    }

    /**
     * Ends the loop on Ctrl-C (or any shutdown): the hook asks the loop to stop, wakes it, and
     * waits a little for it to finish its line, so that the last line is whole.
     */
    static final class Stopper {
        private final Thread loop;
        private final CountDownLatch done = new CountDownLatch(1);
        private volatile boolean requested;

        private Stopper(Thread loop) {
            this.loop = loop;
        }

        static Stopper onShutdown(Thread loop) {
            Stopper s = new Stopper(loop);
            Runtime.getRuntime().addShutdownHook(new Thread(s::stop, "portkeeper-watch-stop"));
            return s;
        }

        private void stop() {
            requested = true;
            LockSupport.unpark(loop);
            try {
                done.await(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        boolean requested() {
            return requested;
        }

        /** @return false if asked to stop while waiting */
        boolean sleepUntil(long deadlineNanos) {
            long left;
            while (!requested && (left = deadlineNanos - System.nanoTime()) > 0) {
                LockSupport.parkNanos(left);
            }
            return !requested;
        }

        void finished() {
            done.countDown();
        }
    }
}
