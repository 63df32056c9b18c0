/**
 * The engine behind {@link dev.portkeeper.ConnectionPool}: the borrow loop, the limits, the
 * checks, the churn guard and the closing of connections. Not exported by the module and not an
 * API: nothing outside {@code dev.portkeeper} may use it, and it may change in any release.
 */
package dev.portkeeper.internal;
