/**
 * The pool's machinery on Apache Commons Pool 2: the connection factory, the borrow-time and
 * idle checks, eviction, leak tracking. Internal: the types here are public only so that
 * {@code dev.portkeeper} can reach them, and may change in any release. Use
 * {@link dev.portkeeper.ConnectionPool}.
 */
package dev.portkeeper.pool;
