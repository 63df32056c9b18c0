package dev.portkeeper.cli;

import dev.portkeeper.advice.Finding;
import dev.portkeeper.budget.BudgetAlert;
import dev.portkeeper.budget.BudgetSnapshot;
import dev.portkeeper.budget.Destination;
import dev.portkeeper.budget.DestinationBudget;
import dev.portkeeper.budget.Forecast;
import dev.portkeeper.kernel.EphemeralRange;
import dev.portkeeper.kernel.TcpState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The JSON of doctor (one object) and watch (one object per line: doctor's fields, {@code time}
 * and the {@code alerts} fired since the line before). The field names are an interface for
 * scripts: change them only with the README.
 */
final class ReportJson {
    private ReportJson() {
    }

    static String doctor(HostReport report) {
        return Json.write(fields(report));
    }

    static String watch(HostReport report, List<BudgetAlert> alerts) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("time", report.snapshot().time().toString());
        out.putAll(fields(report));
        List<Object> list = new ArrayList<>();
        for (BudgetAlert a : alerts) {
            list.add(alert(a));
        }
        out.put("alerts", list);
        return Json.write(out);
    }

    static Map<String, Object> alert(BudgetAlert a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", a.time().toString());
        m.put("subject", a.subject());
        m.put("from", a.from().name());
        m.put("to", a.to().name());
        m.put("message", a.message());
        return m;
    }

    static String kernelView(BudgetSnapshot s) {
        return s.kernelUnavailableReason().map(r -> "unavailable: " + r).orElse("available");
    }

    private static Map<String, Object> fields(HostReport report) {
        BudgetSnapshot s = report.snapshot();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kernelView", kernelView(s));
        EphemeralRange r = s.range();
        Map<String, Object> range = new LinkedHashMap<>();
        range.put("low", r.low());
        range.put("high", r.high());
        range.put("reserved", r.reservedInRange());
        range.put("capacity", s.capacity());
        out.put("ephemeralRange", range);
        out.put("sysctls", SysctlValues.of(s.sysctls()));
        List<Object> destinations = new ArrayList<>();
        for (DestinationBudget d : s.destinations()) {
            destinations.add(destination(d));
        }
        out.put("destinations", destinations);
        out.put("totals", states(s.totals()));
        List<Object> advice = new ArrayList<>();
        for (Finding f : report.findings()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", f.id());
            m.put("severity", f.severity().name());
            m.put("text", f.text());
            advice.add(m);
        }
        out.put("advice", advice);
        return out;
    }

    private static Map<String, Object> destination(DestinationBudget d) {
        Destination dest = d.destination();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("local", Texts.address(dest.local()));
        m.put("remote", Texts.address(dest.remote()));
        m.put("remotePort", dest.remotePort());
        m.put("states", states(d.states()));
        m.put("used", d.used());
        m.put("capacity", d.capacity());
        m.put("level", d.level().name());
        OptionalDouble seconds = d.secondsToExhaustion();
        m.put("secondsToExhaustion", seconds.isPresent() ? Math.round(seconds.getAsDouble() * 10) / 10.0 : null);
        m.put("forecast", d.forecast().map(ReportJson::forecast).orElse(null));
        return m;
    }

    /** How sure the forecast is: its range, the window it used, what fills the range and the rate's shape. */
    private static Map<String, Object> forecast(Forecast f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seconds", Math.round(f.seconds() * 10) / 10.0);
        m.put("lowSeconds", Math.round(f.lowSeconds() * 10) / 10.0);
        m.put("highSeconds", Double.isInfinite(f.highSeconds()) ? null : Math.round(f.highSeconds() * 10) / 10.0);
        m.put("windowSeconds", f.window().toSeconds());
        m.put("growth", f.growth().name());
        m.put("curve", f.curve().name());
        return m;
    }

    /** States with at least one socket, in the kernel's order, named as {@code ss} does in upper case. */
    private static Map<String, Object> states(Map<TcpState, Integer> counts) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (TcpState state : TcpState.values()) {
            int n = counts.getOrDefault(state, 0);
            if (n > 0) {
                m.put(state.name(), n);
            }
        }
        return m;
    }
}
