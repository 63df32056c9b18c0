package dev.portkeeper.cli;

/** What one demo phase did; the fields are what {@code --json} prints. */
final class DemoPhase {
    final String name;
    final int requests;
    final double seconds;
    final int failures;
    final int connectionsOpened;
    final int timeWaitCreated;

    DemoPhase(String name, int requests, double seconds, int failures, int connectionsOpened, int timeWaitCreated) {
        this.name = name;
        this.requests = requests;
        this.seconds = seconds;
        this.failures = failures;
        this.connectionsOpened = connectionsOpened;
        this.timeWaitCreated = timeWaitCreated;
    }

    double throughput() {
        return seconds > 0 ? requests / seconds : 0;
    }

    /** @return TIME_WAIT sockets created per second: the rate at which ports are tied up for 60 s */
    double closeRate() {
        return seconds > 0 && timeWaitCreated > 0 ? timeWaitCreated / seconds : 0;
    }

    String toJson() {
        return String.format(java.util.Locale.ROOT,
                "{\"requests\":%d,\"seconds\":%.3f,\"throughput\":%.1f,\"timeWaitCreated\":%s,\"failures\":%d,"
                        + "\"connectionsOpened\":%d}",
                requests, seconds, throughput(), timeWaitCreated < 0 ? "null" : Integer.toString(timeWaitCreated),
                failures, connectionsOpened);
    }
}
