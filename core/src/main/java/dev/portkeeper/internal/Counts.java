package dev.portkeeper.internal;

/**
 * The engine's counts for an endpoint or the whole pool.
 *
 * @param active lent
 * @param idle at rest in the pool
 * @param pending being opened
 * @param waiting borrowers waiting
 * @param max the limit that applies
 */
public record Counts(int active, int idle, int pending, int waiting, int max) {
}
