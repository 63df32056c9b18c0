package dev.portkeeper.kernel;

/**
 * The state of a TCP socket as the kernel reports it in the {@code st} column of
 * {@code /proc/net/tcp} and {@code /proc/net/tcp6}.
 *
 * <p>Constant names are the kernel's ({@code include/net/tcp_states.h}), which {@code ss}
 * prints with hyphens ({@code TIME-WAIT} is {@link #TIME_WAIT}); {@code ss} abbreviates
 * three: {@code ESTAB}, {@code UNCONN} for {@link #CLOSE}, and {@code FIN-WAIT-1}/{@code -2}.
 *
 * <p>{@link #FIN_WAIT2} also covers the FIN_WAIT2 time-wait mini-sockets an orphaned
 * close leaves behind: they have inode 0 and a running timer, like {@link #TIME_WAIT}.
 */
public enum TcpState {
    /** {@code 01}: open in both directions. */
    ESTABLISHED(0x01),
    /** {@code 02}: {@code connect()} sent SYN, waiting for SYN-ACK. */
    SYN_SENT(0x02),
    /** {@code 03}: a server-side handshake in progress (full socket). */
    SYN_RECV(0x03),
    /** {@code 04}: this side closed first and sent FIN, not yet acknowledged. */
    FIN_WAIT1(0x04),
    /** {@code 05}: this side's FIN was acknowledged; waiting for the peer's FIN. */
    FIN_WAIT2(0x05),
    /** {@code 06}: this side closed first; the four-tuple is held for 60 s. */
    TIME_WAIT(0x06),
    /** {@code 07}: closed. */
    CLOSE(0x07),
    /** {@code 08}: the peer sent FIN and this side has not called {@code close()}: a leak if it lasts. */
    CLOSE_WAIT(0x08),
    /** {@code 09}: this side closed after the peer; waiting for the last ACK. */
    LAST_ACK(0x09),
    /** {@code 0A}: a listening socket. */
    LISTEN(0x0A),
    /** {@code 0B}: both sides closed at the same time. */
    CLOSING(0x0B),
    /** {@code 0C}: a request socket of a listener (SYN received, handshake not done). */
    NEW_SYN_RECV(0x0C);

    private static final TcpState[] BY_CODE = new TcpState[0x0D];

    static {
        for (TcpState state : values()) {
            BY_CODE[state.code] = state;
        }
    }

    private final int code;

    TcpState(int code) {
        this.code = code;
    }

    /**
     * Returns the kernel's code for this state, as in the {@code st} column.
     *
     * @return the code, {@code 0x01} to {@code 0x0C}
     */
    public int code() {
        return code;
    }

    /**
     * Returns the state with the given kernel code.
     *
     * @param code the code from the {@code st} column, e.g. {@code 0x06}
     * @return the state
     * @throws IllegalArgumentException if no state has this code
     */
    public static TcpState fromCode(int code) {
        TcpState state = byCodeOrNull(code);
        if (state == null) {
            throw new IllegalArgumentException("unknown TCP state code: 0x" + Integer.toHexString(code));
        }
        return state;
    }

    /** The parser's lookup: an unknown code is a skipped line there, not an exception. */
    static TcpState byCodeOrNull(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
