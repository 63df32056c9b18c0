package dev.portkeeper.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portkeeper.advice.Finding;
import dev.portkeeper.budget.BudgetAlert;
import dev.portkeeper.budget.BudgetSnapshot;
import dev.portkeeper.budget.Destination;
import dev.portkeeper.budget.DestinationBudget;
import dev.portkeeper.budget.Forecast;
import dev.portkeeper.budget.HostBudget;
import dev.portkeeper.kernel.EphemeralRange;
import dev.portkeeper.kernel.TcpState;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * The JSON of doctor (one object) and watch (one object per line: {@code time}, doctor's fields and
 * the {@code alerts} fired since the line before). The field names are an interface for scripts:
 * change them only with the README and docs/cli.md. A number that is not known is {@code null}.
 */
final class ReportJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private ReportJson() {
    }

    static String doctor(HostReport report) {
        ObjectNode out = MAPPER.createObjectNode();
        fields(out, report);
        return write(out);
    }

    static String watch(HostReport report, List<BudgetAlert> alerts) {
        ObjectNode out = MAPPER.createObjectNode();
        fields(out, report);
        ArrayNode list = out.putArray("alerts");
        for (BudgetAlert a : alerts) {
            list.add(alert(a));
        }
        return write(out);
    }

    /** One line of compact JSON. */
    static String write(ObjectNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // a tree of plain nodes always writes
        }
    }

    static ObjectNode alert(BudgetAlert a) {
        ObjectNode m = MAPPER.createObjectNode();
        m.put("time", a.time().toString());
        m.put("subject", a.subject());
        m.put("from", a.from().name());
        m.put("to", a.to().name());
        m.put("message", a.message());
        return m;
    }

    static String kernelView(BudgetSnapshot s) {
        return s.kernelUnavailableReason().map(r -> "unavailable: " + r).orElse(s.kernelViewDoubtful()
                ? "doubtful: " + doubt(s) : "available");
    }

    /** Why a table that was read is not trusted, e.g. {@code 412 of 412 lines of net/tcp and net/tcp6 malformed}. */
    static String doubt(BudgetSnapshot s) {
        long sockets = s.totals().values().stream().mapToLong(Integer::longValue).sum();
        return s.skippedLines() + " of " + (sockets + s.skippedLines())
                + " lines of net/tcp and net/tcp6 malformed, sockets may be missing";
    }

    private static void fields(ObjectNode out, HostReport report) {
        BudgetSnapshot s = report.snapshot();
        out.put("time", s.time().toString());
        out.put("source", report.source());
        out.put("verdict", report.verdict().name());
        out.put("exitStatus", report.verdict().exitStatus());
        out.put("level", s.level().name());
        out.put("adviceLevel", report.adviceVerdict().name());
        out.put("kernelView", kernelView(s));
        out.put("skippedLines", s.skippedLines());
        EphemeralRange r = s.range();
        ObjectNode range = out.putObject("ephemeralRange");
        range.put("low", r.low());
        range.put("high", r.high());
        range.put("reserved", r.reservedInRange());
        range.put("listeners", s.listenersInRange());
        range.put("capacity", s.capacity());
        ObjectNode sysctls = out.putObject("sysctls");
        for (Map.Entry<String, Object> e : SysctlValues.of(s.sysctls()).entrySet()) {
            sysctls.putPOJO(e.getKey(), e.getValue());
        }
        ArrayNode destinations = out.putArray("destinations");
        for (DestinationBudget d : s.destinations()) {
            destinations.add(destination(d));
        }
        out.set("totals", states(s.totals()));
        out.set("host", host(s.host()));
        if (report.closeWait() != null) {
            out.set("closeWait", closeWait(report.closeWait()));
        } else {
            out.putNull("closeWait");
        }
        ArrayNode advice = out.putArray("advice");
        for (Finding f : report.findings()) {
            ObjectNode m = advice.addObject();
            m.put("id", f.id());
            m.put("severity", f.severity().name());
            m.put("text", f.text());
            m.put("seen", f.seen());
            m.put("change", f.change());
            m.put("why", f.why());
            m.put("caveat", f.caveat());
        }
    }

    private static ObjectNode destination(DestinationBudget d) {
        Destination dest = d.destination();
        ObjectNode m = MAPPER.createObjectNode();
        m.put("local", Texts.address(dest.local()));
        m.put("remote", Texts.address(dest.remote()));
        m.put("remotePort", dest.remotePort());
        m.set("states", states(d.states()));
        m.put("used", d.used());
        m.put("capacity", d.capacity());
        m.put("level", d.level().name());
        m.set("closesPerSecond", number(d.closeRate(), 100));
        m.set("trendPerSecond", number(d.trend(), 100));
        OptionalDouble seconds = d.secondsToExhaustion();
        m.set("secondsToExhaustion", seconds.isPresent() ? number(seconds.getAsDouble(), 10) : m.nullNode());
        m.set("forecast", d.forecast().isPresent() ? forecast(d.forecast().get()) : m.nullNode());
        return m;
    }

    /** How sure the forecast is: its range, the window it used, what fills the range and the rate's shape. */
    private static ObjectNode forecast(Forecast f) {
        ObjectNode m = MAPPER.createObjectNode();
        m.set("seconds", number(f.seconds(), 10));
        m.set("lowSeconds", number(f.lowSeconds(), 10));
        m.set("highSeconds", Double.isInfinite(f.highSeconds()) ? m.nullNode() : number(f.highSeconds(), 10));
        m.put("windowSeconds", f.window().toSeconds());
        m.put("growth", f.growth().name());
        m.put("curve", f.curve().name());
        return m;
    }

    private static ObjectNode host(HostBudget h) {
        ObjectNode m = MAPPER.createObjectNode();
        m.set("timeWait", number(h.timeWait()));
        m.set("maxTimeWaitBuckets", number(h.maxTimeWaitBuckets()));
        m.set("timeWaitOverflows", number(h.timeWaitOverflows()));
        m.put("timeWaitLevel", h.timeWaitLevel().name());
        m.set("fds", number(h.fds()));
        OptionalLong limit = h.fdLimit();
        m.set("fdLimit", limit.isPresent() && limit.getAsLong() == Long.MAX_VALUE ? m.nullNode() : number(limit));
        m.put("fdLimitUnlimited", limit.isPresent() && limit.getAsLong() == Long.MAX_VALUE);
        m.put("fdLevel", h.fdLevel().name());
        return m;
    }

    private static ObjectNode closeWait(CloseWaitOwners.Result r) {
        ObjectNode m = MAPPER.createObjectNode();
        m.put("total", r.closeWait());
        m.put("unattributed", r.unattributed());
        m.put("processesScanned", r.processesScanned());
        m.put("processesUnreadable", r.processesUnreadable());
        if (r.stoppedEarly() == null) {
            m.putNull("stoppedEarly");
        } else {
            m.put("stoppedEarly", r.stoppedEarly());
        }
        ArrayNode owners = m.putArray("owners");
        for (CloseWaitOwners.Owner o : r.owners()) {
            ObjectNode n = owners.addObject();
            n.put("pid", o.pid());
            n.put("command", o.command());
            n.put("self", o.self());
            n.put("closeWait", o.closeWait());
            ObjectNode toward = n.putObject("toward");
            o.byRemote().forEach(toward::put);
            n.put("fds", o.fds());
            if (o.fdLimit() < 0 || o.fdLimit() == Long.MAX_VALUE) {
                n.putNull("fdLimit");
            } else {
                n.put("fdLimit", o.fdLimit());
            }
        }
        return m;
    }

    /** States with at least one socket, in the kernel's order, named as {@code ss} does in upper case. */
    private static ObjectNode states(Map<TcpState, Integer> counts) {
        ObjectNode m = MAPPER.createObjectNode();
        for (TcpState state : TcpState.values()) {
            int n = counts.getOrDefault(state, 0);
            if (n > 0) {
                m.put(state.name(), n);
            }
        }
        return m;
    }

    /** Rounded to {@code 1/scale}; NaN and infinities, which JSON has no form for, as null. */
    static com.fasterxml.jackson.databind.JsonNode number(double value, int scale) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return MAPPER.nullNode();
        }
        return MAPPER.getNodeFactory().numberNode(Math.round(value * scale) / (double) scale);
    }

    private static com.fasterxml.jackson.databind.JsonNode number(OptionalLong value) {
        return value.isPresent() ? MAPPER.getNodeFactory().numberNode(value.getAsLong()) : MAPPER.nullNode();
    }
}
