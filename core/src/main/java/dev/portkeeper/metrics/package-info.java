/**
 * Micrometer binders: {@link dev.portkeeper.metrics.PoolMetrics} for a pool (a listener and a
 * binder in one), {@link dev.portkeeper.metrics.PortBudgetMetrics} for the port budget monitor,
 * and {@link dev.portkeeper.metrics.PortkeeperMeter}, the list of every meter's name, type, unit
 * and tags.
 *
 * <p>Micrometer is an optional dependency of portkeeper-core: add {@code io.micrometer:micrometer-core}
 * to use the binders. {@code PortkeeperMeter} needs no Micrometer, and nothing else in core refers
 * to this package's binders.
 */
package dev.portkeeper.metrics;
