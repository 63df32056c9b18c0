package dev.portkeeper.pool;

/**
 * The deadline of the borrow running on this thread, for the churn guard, which waits inside
 * Commons Pool's create call and so cannot be handed it as an argument. Set only while the guard
 * is on; 0 (do not wait) for creates outside a borrow, such as topping up min idle.
 */
final class BorrowDeadline {
    private static final ThreadLocal<long[]> DEADLINE = ThreadLocal.withInitial(() -> new long[1]);

    private BorrowDeadline() {
    }

    static void set(long deadline) {
        DEADLINE.get()[0] = deadline;
    }

    static long get() {
        return DEADLINE.get()[0];
    }

    static void clear() {
        DEADLINE.get()[0] = 0;
    }
}
