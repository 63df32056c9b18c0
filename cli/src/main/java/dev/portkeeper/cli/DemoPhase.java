package dev.portkeeper.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** What one demo phase did; the fields are what {@code --json} prints. */
final class DemoPhase {
    final String name;
    final int requests;
    final double seconds;
    final int failures;
    final String firstFailure;
    final int connectionsOpened;
    final int timeWaitCreated;
    final int peakPortsInUse;

    /**
     * @param firstFailure the first failure's exception as text, or null
     * @param timeWaitCreated -1 when the kernel's tables are unavailable
     * @param peakPortsInUse -1 when the kernel's tables are unavailable
     */
    DemoPhase(String name, int requests, double seconds, int failures, String firstFailure, int connectionsOpened,
            int timeWaitCreated, int peakPortsInUse) {
        this.name = name;
        this.requests = requests;
        this.seconds = seconds;
        this.failures = failures;
        this.firstFailure = firstFailure;
        this.connectionsOpened = connectionsOpened;
        this.timeWaitCreated = timeWaitCreated;
        this.peakPortsInUse = peakPortsInUse;
    }

    /** @return requests answered per second (failed ones not counted) */
    double throughput() {
        return seconds > 0 ? (requests - failures) / seconds : 0;
    }

    /** @return TIME_WAIT sockets created per second: the rate at which ports are tied up for 60 s */
    double closeRate() {
        return seconds > 0 && timeWaitCreated > 0 ? timeWaitCreated / seconds : 0;
    }

    ObjectNode toJson() {
        ObjectNode m = ReportJson.MAPPER.createObjectNode();
        m.put("requests", requests);
        m.set("seconds", ReportJson.number(seconds, 1000));
        m.set("throughput", ReportJson.number(throughput(), 10));
        m.put("timeWaitCreated", timeWaitCreated < 0 ? null : timeWaitCreated);
        m.put("failures", failures);
        m.put("connectionsOpened", connectionsOpened);
        m.put("peakPortsInUse", peakPortsInUse < 0 ? null : peakPortsInUse);
        m.put("firstFailure", firstFailure);
        return m;
    }
}
