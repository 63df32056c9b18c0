package dev.portkeeper.cli;

import static dev.portkeeper.cli.TextTable.Align.LEFT;
import static dev.portkeeper.cli.TextTable.Align.RIGHT;

import dev.portkeeper.advice.Finding;
import dev.portkeeper.budget.BudgetLevel;
import dev.portkeeper.budget.BudgetSnapshot;
import dev.portkeeper.budget.DestinationBudget;
import dev.portkeeper.budget.HostBudget;
import dev.portkeeper.kernel.EphemeralRange;
import dev.portkeeper.kernel.KernelSysctls;
import dev.portkeeper.kernel.TcpState;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** The human form of doctor's report: sections of aligned tables, for a terminal 100 columns wide. */
final class DoctorText {
    static final int WIDTH = 100;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z")
            .withZone(ZoneId.systemDefault());
    private static final List<TcpState> SHOWN = List.of(TcpState.TIME_WAIT, TcpState.CLOSE_WAIT, TcpState.ESTABLISHED);

    private final Style style;
    private final int top;

    /** @param top destinations to list, 0 for all */
    DoctorText(Style style, int top) {
        this.style = style;
        this.top = top;
    }

    String render(HostReport report) {
        BudgetSnapshot s = report.snapshot();
        StringBuilder sb = new StringBuilder();
        sb.append(style.bold("Portkeeper doctor")).append(": ").append(report.source()).append(", ")
                .append(TIME.format(s.time())).append('\n');
        BudgetLevel level = s.level();
        Verdict verdict = report.verdict();
        int exit = verdict.exitStatus();
        if (s.kernelViewDoubtful()) {
            sb.append("Kernel view ").append(style.level(BudgetLevel.CRITICAL, "doubtful")).append(": ")
                    .append(ReportJson.doubt(s)).append(" (exit status ").append(exit).append(": could not tell)\n");
        } else if (s.kernelViewAvailable()) {
            sb.append("Verdict ").append(style.level(levelOf(verdict), verdict.name())).append(" (exit status ")
                    .append(exit).append("): port budget ").append(style.level(level, level.name()))
                    .append(", advice ").append(report.adviceVerdict().name()).append('\n');
        } else {
            sb.append("Kernel view ").append(style.level(BudgetLevel.CRITICAL, "unavailable")).append(": ")
                    .append(s.kernelUnavailableReason().orElse("?")).append(" (exit status ").append(exit)
                    .append(": could not tell)\n");
        }
        sb.append('\n');
        range(sb, s);
        sysctls(sb, s);
        destinations(sb, s);
        totals(sb, s);
        closeWait(sb, report);
        host(sb, report);
        advice(sb, report.findings());
        return sb.toString();
    }

    /** The colour of a verdict: that of the budget level of the same name. */
    static BudgetLevel levelOf(Verdict verdict) {
        switch (verdict) {
            case OK:
                return BudgetLevel.OK;
            case WARN:
                return BudgetLevel.WARN;
            default:
                return BudgetLevel.CRITICAL;
        }
    }

    private String heading(String text) {
        return style.bold(text) + "\n";
    }

    private void range(StringBuilder sb, BudgetSnapshot s) {
        EphemeralRange r = s.range();
        boolean read = s.sysctls().flatMap(KernelSysctls::ephemeralRange).isPresent();
        sb.append(heading("Ephemeral ports"));
        TextTable t = new TextTable("  ").column("", LEFT).column("", LEFT);
        t.row("range", r.low() + "-" + r.high() + ": " + Texts.count(r.size()) + " ports"
                + (read ? "" : " (assumed: Linux's default; " + SysctlValues.PORT_RANGE + " could not be read)"));
        String reservedUnread = s.sysctls().map(k -> k.unavailable().get(SysctlValues.RESERVED_PORTS)).orElse(null);
        t.row("reserved", Texts.count(r.reservedInRange()) + " in the range"
                + (r.reservedPorts().isEmpty() ? "" : " (" + SysctlValues.RESERVED_PORTS + " " + r.reservedPorts() + ")")
                + (reservedUnread == null || !read ? "" : " (" + SysctlValues.RESERVED_PORTS + " "
                        + unavailable(reservedUnread) + ": the capacity may be overstated)"));
        t.row("held by listeners", Texts.count(s.listenersInRange()) + " in the range");
        t.row("per destination", Texts.count(s.capacity())
                + " ports: connections (TIME_WAIT included) from one address to one remote address and port");
        sb.append(withoutHeader(t)).append('\n');
    }

    /** A table used for label/value pairs: its (empty) header line dropped. */
    private static String withoutHeader(TextTable t) {
        String text = t.render(x -> x);
        return text.substring(text.indexOf('\n') + 1);
    }

    private void sysctls(StringBuilder sb, BudgetSnapshot s) {
        sb.append(heading("Sysctls"));
        Optional<KernelSysctls> read = s.sysctls();
        if (read.isEmpty()) {
            sb.append("  could not be read (").append(s.kernelUnavailableReason().orElse("no sys/net/ipv4"))
                    .append(")\n\n");
            return;
        }
        Map<String, Object> values = SysctlValues.of(read);
        TextTable t = new TextTable("  ").column("", LEFT).column("", RIGHT).column("", LEFT);
        for (Map.Entry<String, Object> e : values.entrySet()) {
            String name = e.getKey();
            if (name.equals(SysctlValues.PORT_RANGE) || name.equals(SysctlValues.RESERVED_PORTS)) {
                continue;
            }
            Object v = e.getValue();
            String why = v == null ? unavailable(read.get().unavailable().get(name))
                    : meaning(name, ((Number) v).longValue(), read.get());
            t.row(name, v == null ? "-" : String.valueOf(v), style.dim(why));
        }
        sb.append(withoutHeader(t)).append('\n');
    }

    /** The reason without the file's path, which the name already says: {@code no such file}. */
    private static String unavailable(String reason) {
        if (reason == null) {
            return "not read";
        }
        if (reason.startsWith("invalid '")) {
            return reason; // the value, which the reader already cut to a printable length
        }
        int colon = reason.lastIndexOf(": ");
        return "unavailable: " + (colon < 0 ? reason : reason.substring(colon + 2));
    }

    private static String meaning(String name, long v, KernelSysctls s) {
        switch (name) {
            case SysctlValues.TW_REUSE:
                return v == 0 ? "off" : v == 1 ? "on: connect() may reuse a TIME_WAIT four-tuple"
                        : v == 2 ? "loopback only (the default)" : "";
            case SysctlValues.TW_REUSE_DELAY:
                return "ms: the age a TIME_WAIT socket must reach before tcp_tw_reuse may take it over";
            case SysctlValues.TIMESTAMPS:
                return v == 0 ? "off: tcp_tw_reuse does nothing without timestamps" : "on";
            case SysctlValues.MAX_TW_BUCKETS:
                return "most TIME_WAIT sockets; past it a close skips TIME_WAIT";
            case SysctlValues.FIN_TIMEOUT:
                return "s, for an orphaned FIN_WAIT2 only; TIME_WAIT always lasts 60 s";
            case SysctlValues.KEEPALIVE_TIME: {
                long total = v + s.tcpKeepaliveInterval().map(d -> d.getSeconds()).orElse(75L)
                        * s.tcpKeepaliveProbes().orElse(9);
                return "s idle before the first probe; a dead peer is found after " + Texts.seconds(total);
            }
            case SysctlValues.KEEPALIVE_INTVL:
                return "s between probes";
            case SysctlValues.KEEPALIVE_PROBES:
                return "unanswered probes before the connection is dropped";
            case SysctlValues.SOMAXCONN:
                return "cap on a listener's accept backlog";
            default:
                return "";
        }
    }

    private void destinations(StringBuilder sb, BudgetSnapshot s) {
        sb.append(heading("Destinations")).append(style.dim(
                "  client-side sockets (local port in the range) per local address, remote address and port;"
                        + " most pressed first")).append('\n');
        List<DestinationBudget> all = s.destinations();
        if (all.isEmpty()) {
            sb.append("  none: no socket holds a port of the range\n\n");
            return;
        }
        TextTable t = new TextTable("  ").column("LEVEL", LEFT).column("LOCAL", LEFT).column("REMOTE", LEFT)
                .column("TIME_WAIT", RIGHT).column("CLOSE_WAIT", RIGHT).column("ESTABLISHED", RIGHT)
                .column("OTHER", RIGHT).column("USED", RIGHT).column("CAPACITY", RIGHT).column("USE", RIGHT)
                .column("CLOSES/S", RIGHT).column("EXHAUSTION", LEFT);
        int shown = top == 0 ? all.size() : Math.min(top, all.size());
        for (DestinationBudget d : all.subList(0, shown)) {
            int other = d.used();
            for (TcpState state : SHOWN) {
                other -= d.count(state);
            }
            t.row(TextTable.cell(d.level().name(), x -> style.level(d.level(), x)),
                    Texts.address(d.destination().local()), d.destination().remoteText(),
                    Texts.count(d.count(TcpState.TIME_WAIT)), Texts.count(d.count(TcpState.CLOSE_WAIT)),
                    Texts.count(d.count(TcpState.ESTABLISHED)), Texts.count(other), Texts.count(d.used()),
                    Texts.count(d.capacity()), Texts.percent(d.usedRatio()), Texts.rate(d.closeRate()),
                    d.secondsToExhaustion().isPresent() ? "in " + Texts.seconds(d.secondsToExhaustion().getAsDouble())
                            : "-");
        }
        sb.append(t.render(style::bold));
        if (shown < all.size()) {
            sb.append("  ... and ").append(Texts.count(all.size() - shown))
                    .append(" more (--top 0 lists them all)\n");
        }
        sb.append('\n');
    }

    private void totals(StringBuilder sb, BudgetSnapshot s) {
        Map<TcpState, Integer> totals = s.totals();
        if (totals.isEmpty()) {
            return;
        }
        int sum = totals.values().stream().mapToInt(Integer::intValue).sum();
        List<String> parts = new ArrayList<>();
        totals.entrySet().stream().filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<TcpState, Integer>comparingByValue().reversed())
                .forEach(e -> parts.add(e.getKey().name() + " " + Texts.count(e.getValue())));
        sb.append(heading("All TCP sockets"));
        sb.append(Texts.wrap(Texts.count(sum) + ": " + String.join(", ", parts), WIDTH, "  ", "  ")).append('\n');
    }

    private void closeWait(StringBuilder sb, HostReport report) {
        CloseWaitOwners.Result r = report.closeWait();
        if (r == null || r.closeWait() == 0) {
            return;
        }
        sb.append(heading("CLOSE_WAIT by process"));
        sb.append(style.dim("  the peer closed and the process never called close(): each one is that process's leak"))
                .append('\n');
        if (!r.owners().isEmpty()) {
            TextTable t = new TextTable("  ").column("PID", RIGHT).column("COMMAND", LEFT)
                    .column("CLOSE_WAIT", RIGHT).column("FDS", RIGHT).column("FD LIMIT", RIGHT).column("TOWARD", LEFT);
            for (CloseWaitOwners.Owner o : r.owners()) {
                List<String> toward = new ArrayList<>();
                o.byRemote().forEach((remote, n) -> toward.add(remote + " (" + n + ")"));
                t.row(Long.toString(o.pid()), o.command() + (o.self() ? " (this process)" : ""),
                        Texts.count(o.closeWait()), Texts.count(o.fds()),
                        o.fdLimit() < 0 ? "?" : o.fdLimit() == Long.MAX_VALUE ? "unlimited" : Texts.count(o.fdLimit()),
                        String.join(", ", toward));
            }
            sb.append(t.render(style::bold));
        }
        if (r.unattributed() > 0) {
            String why = !report.live() ? "a procfs tree without the processes' fd directories"
                    : r.processesUnreadable() > 0 ? Texts.count(r.processesUnreadable())
                            + " processes' /proc/<pid>/fd could not be read (run as root or as their owner)"
                            : "no process's descriptors refer to them";
            sb.append(Texts.wrap(Texts.count(r.unattributed()) + " of " + Texts.count(r.closeWait())
                    + " CLOSE_WAIT sockets without a known owner: " + why
                    + (r.stoppedEarly() == null ? "" : "; the scan " + r.stoppedEarly()) + ".", WIDTH, "  ", "  "));
        }
        sb.append('\n');
    }

    private void host(StringBuilder sb, HostReport report) {
        HostBudget h = report.snapshot().host();
        sb.append(heading("Host limits"));
        TextTable t = new TextTable("  ").column("", LEFT).column("", LEFT).column("", LEFT).column("", LEFT);
        OptionalLong tw = h.timeWait();
        OptionalLong max = h.maxTimeWaitBuckets();
        String twText = tw.isPresent() && max.isPresent() && max.getAsLong() > 0
                ? Texts.count(tw.getAsLong()) + " of " + Texts.count(max.getAsLong()) + " (tcp_max_tw_buckets), "
                        + Texts.percent((double) tw.getAsLong() / max.getAsLong())
                : tw.isPresent() ? Texts.count(tw.getAsLong()) + " (tcp_max_tw_buckets unknown)" : "unknown";
        String overflows = h.timeWaitOverflows().isPresent()
                ? "TCPTimeWaitOverflow " + Texts.count(h.timeWaitOverflows().getAsLong()) + " since boot"
                : "TCPTimeWaitOverflow unknown";
        t.row("time-wait sockets", twText, TextTable.cell(h.timeWaitLevel().name(),
                x -> style.level(h.timeWaitLevel(), x)), style.dim(overflows));
        OptionalLong fds = h.fds();
        OptionalLong limit = h.fdLimit();
        String fdText = fds.isPresent() && limit.isPresent()
                ? Texts.count(fds.getAsLong()) + " of " + (limit.getAsLong() == Long.MAX_VALUE ? "unlimited"
                        : Texts.count(limit.getAsLong()))
                : "unknown";
        t.row("file descriptors", fdText, TextTable.cell(h.fdLevel().name(), x -> style.level(h.fdLevel(), x)),
                style.dim(report.live() ? "this process; see CLOSE_WAIT by process for others"
                        : "this process's, not the capture's"));
        sb.append(withoutHeader(t)).append('\n');
    }

    private void advice(StringBuilder sb, List<Finding> findings) {
        sb.append(heading("Advice"));
        if (findings.isEmpty()) {
            sb.append("  nothing to change\n");
            return;
        }
        String indent = " ".repeat(18);
        for (Finding f : findings) {
            sb.append("  ").append(style.severity(f.severity(), String.format("%-8s", f.severity().name())))
                    .append(style.bold(f.id())).append('\n');
            sb.append(Texts.wrap(f.seen(), WIDTH, "          Seen    ", indent));
            sb.append(Texts.wrap(f.change(), WIDTH, "          Change  ", indent));
            sb.append(Texts.wrap(f.why(), WIDTH, "          Why     ", indent));
            sb.append(Texts.wrap(f.caveat(), WIDTH, "          Caveat  ", indent));
        }
    }
}
