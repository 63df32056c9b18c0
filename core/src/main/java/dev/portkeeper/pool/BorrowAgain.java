package dev.portkeeper.pool;

/**
 * Thrown out of the factory's create when the churn guard saw a connection given back while the
 * borrower waited to open one: the borrow goes round again and takes that connection instead of
 * spending a port. Internal; never reaches the caller.
 */
final class BorrowAgain extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final BorrowAgain INSTANCE = new BorrowAgain();

    private BorrowAgain() {
        super("borrow again: a connection was given back", null, false, false);
    }
}
