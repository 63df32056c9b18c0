/**
 * Portkeeper core: a pool of long-lived, reused TCP connections that decides where TIME_WAIT
 * lands, and a monitor of the host's ephemeral-port budget.
 *
 * <ul>
 *   <li>{@link dev.portkeeper}: the pool and what its users touch (settings, policies, events,
 *       the port-budget SPI, exceptions).</li>
 *   <li>{@link dev.portkeeper.budget}: the port-budget monitor, its snapshots and alerts.</li>
 *   <li>{@link dev.portkeeper.advice}: the tuning advisor.</li>
 *   <li>{@link dev.portkeeper.kernel}: read-only readers of Linux's procfs (socket tables,
 *       sockstat, netstat, sysctls, this process's descriptors), API for tools such as the CLI.</li>
 *   <li>{@link dev.portkeeper.metrics}: Micrometer binders for a pool and for the port budget,
 *       and the list of meter names; needs Micrometer (optional) for its binders.</li>
 *   <li>{@link dev.portkeeper.resilience}: a Resilience4j circuit breaker per endpoint around
 *       connect; needs Resilience4j (optional).</li>
 * </ul>
 *
 * <p>{@code dev.portkeeper.internal}, the engine, is not exported. Micrometer and Resilience4j are
 * required {@code static}: only the metrics and resilience packages use them, and the rest of the
 * module runs without them; transitively, since the metrics and resilience packages show their
 * types in their signatures (a module that uses those packages reads them too). They are automatic
 * modules (their jars name themselves), which javac would warn about.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.portkeeper.core {
    requires transitive org.slf4j;
    requires jdk.net;
    requires static transitive micrometer.core;
    requires static transitive io.github.resilience4j.circuitbreaker;
    requires static io.github.resilience4j.core;
    requires static io.github.resilience4j.micrometer;

    exports dev.portkeeper;
    exports dev.portkeeper.budget;
    exports dev.portkeeper.advice;
    exports dev.portkeeper.kernel;
    exports dev.portkeeper.metrics;
    exports dev.portkeeper.resilience;
}
