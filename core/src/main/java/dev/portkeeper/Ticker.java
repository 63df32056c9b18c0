package dev.portkeeper;

/**
 * A source of monotonic time in nanoseconds, as {@link System#nanoTime()} gives.
 *
 * <p>The pool reads it for every decision that depends on time: a connection's age and
 * lifetime, how long it has been idle, how long it has been borrowed (leak detection).
 * The default is {@link #system()}; tests pass a fake one and move it by hand, so that
 * they need no sleeps. Implementations must be thread-safe and never go backwards.
 */
@FunctionalInterface
public interface Ticker {

    /** @return the current reading in nanoseconds; only differences between readings matter */
    long nanos();

    /** @return the ticker backed by {@link System#nanoTime()} */
    static Ticker system() {
        return System::nanoTime;
    }
}
