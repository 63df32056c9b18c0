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
 * </ul>
 *
 * <p>{@code dev.portkeeper.internal}, the engine, is not exported.
 */
module dev.portkeeper.core {
    requires transitive org.slf4j;
    requires jdk.net;

    exports dev.portkeeper;
    exports dev.portkeeper.budget;
    exports dev.portkeeper.advice;
    exports dev.portkeeper.kernel;
}
