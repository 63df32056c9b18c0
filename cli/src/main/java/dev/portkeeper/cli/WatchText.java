package dev.portkeeper.cli;

import static dev.portkeeper.cli.TextTable.Align.LEFT;
import static dev.portkeeper.cli.TextTable.Align.RIGHT;

import dev.portkeeper.advice.Finding;
import dev.portkeeper.budget.BudgetAlert;
import dev.portkeeper.budget.BudgetLevel;
import dev.portkeeper.budget.BudgetSnapshot;
import dev.portkeeper.budget.DestinationBudget;
import dev.portkeeper.budget.HostBudget;
import dev.portkeeper.kernel.EphemeralRange;
import dev.portkeeper.kernel.TcpState;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/** One frame of {@code watch}: the budget per destination with its close rate, trend and forecast, and the alerts. */
final class WatchText {
    static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private final Style style;
    private final int top;
    private final Duration interval;

    WatchText(Style style, int top, Duration interval) {
        this.style = style;
        this.top = top;
        this.interval = interval;
    }

    /** @param alerts the alerts to show: the latest few on a terminal, those of this sample otherwise */
    String render(HostReport report, Collection<BudgetAlert> alerts, boolean terminal) {
        BudgetSnapshot s = report.snapshot();
        StringBuilder sb = new StringBuilder();
        sb.append(style.bold("Portkeeper watch")).append(": ").append(report.source()).append(", ")
                .append(CLOCK.format(s.time())).append(", every ").append(Texts.duration(interval)).append(terminal ? " (Ctrl-C to stop)" : "")
                .append('\n');
        if (s.kernelViewDoubtful()) {
            sb.append("Kernel view ").append(style.level(BudgetLevel.CRITICAL, "doubtful")).append(": ")
                    .append(ReportJson.doubt(s));
        } else if (s.kernelViewAvailable()) {
            Verdict verdict = report.verdict();
            sb.append("Verdict ").append(style.level(DoctorText.levelOf(verdict), verdict.name()))
                    .append(" (budget ").append(s.level().name()).append(", advice ")
                    .append(report.adviceVerdict().name()).append(')');
        } else {
            sb.append("Kernel view ").append(style.level(BudgetLevel.CRITICAL, "unavailable")).append(": ")
                    .append(s.kernelUnavailableReason().orElse("?"));
        }
        EphemeralRange r = s.range();
        sb.append("   range ").append(r.low()).append('-').append(r.high()).append(": ")
                .append(Texts.count(s.capacity())).append(" ports per destination");
        HostBudget h = s.host();
        if (h.timeWait().isPresent() && h.maxTimeWaitBuckets().isPresent()) {
            // sockstat's count (TIME_WAIT and FIN_WAIT2 minisockets), not the table's: say which
            sb.append("   tw buckets ").append(Texts.count(h.timeWait().getAsLong())).append(" of ")
                    .append(Texts.count(h.maxTimeWaitBuckets().getAsLong()));
        }
        sb.append('\n');
        if (!s.totals().isEmpty()) {
            List<String> parts = new ArrayList<>();
            s.totals().entrySet().stream().filter(e -> e.getValue() > 0)
                    .sorted(Map.Entry.<TcpState, Integer>comparingByValue().reversed())
                    .forEach(e -> parts.add(e.getKey().name() + " " + Texts.count(e.getValue())));
            sb.append(Texts.wrap("All TCP sockets: " + String.join(", ", parts), DoctorText.WIDTH, "", "  "));
        }
        sb.append('\n');
        destinations(sb, s.destinations());
        sb.append('\n');
        if (!alerts.isEmpty()) {
            sb.append(style.bold(terminal ? "Alerts, latest last" : "Alerts")).append('\n');
            for (BudgetAlert a : alerts) {
                String change = a.from() + " -> " + a.to();
                sb.append("  ").append(CLOCK.format(a.time())).append("  ")
                        .append(style.level(a.isRaised() ? a.to() : BudgetLevel.OK, String.format("%-20s", change)))
                        .append(Texts.firstSentence(a.message())).append('\n');
            }
            sb.append('\n');
        }
        if (!report.findings().isEmpty()) {
            List<String> ids = new ArrayList<>();
            for (Finding f : report.findings()) {
                ids.add(style.severity(f.severity(), f.id()));
            }
            sb.append(Texts.wrap("Advice: " + String.join(", ", ids) + style.dim(" (portkeeper doctor explains)"),
                    DoctorText.WIDTH, "", "  "));
        }
        return sb.toString();
    }

    private void destinations(StringBuilder sb, List<DestinationBudget> all) {
        if (all.isEmpty()) {
            sb.append("No socket holds a port of the range.\n");
            return;
        }
        TextTable t = new TextTable("").column("LEVEL", LEFT).column("LOCAL", LEFT).column("REMOTE", LEFT)
                .column("USED", RIGHT).column("CAPACITY", RIGHT).column("USE", RIGHT).column("TIME_WAIT", RIGHT)
                .column("CLOSE_WAIT", RIGHT).column("ESTABLISHED", RIGHT).column("CLOSES/S", RIGHT)
                .column("TREND/S", RIGHT).column("EXHAUSTION", LEFT);
        int shown = top == 0 ? all.size() : Math.min(top, all.size());
        for (DestinationBudget d : all.subList(0, shown)) {
            OptionalDouble seconds = d.secondsToExhaustion();
            t.row(TextTable.cell(d.level().name(), x -> style.level(d.level(), x)),
                    Texts.address(d.destination().local()), d.destination().remoteText(), Texts.count(d.used()),
                    Texts.count(d.capacity()), Texts.percent(d.usedRatio()), Texts.count(d.count(TcpState.TIME_WAIT)),
                    Texts.count(d.count(TcpState.CLOSE_WAIT)), Texts.count(d.count(TcpState.ESTABLISHED)),
                    Texts.rate(d.closeRate()), String.format(java.util.Locale.ROOT, "%+.1f", d.trend()),
                    seconds.isPresent() ? "in " + Texts.seconds(seconds.getAsDouble()) : "-");
        }
        sb.append(t.render(style::bold));
        if (shown < all.size()) {
            sb.append("... and ").append(Texts.count(all.size() - shown)).append(" more (--top 0 lists them all)\n");
        }
    }
}
