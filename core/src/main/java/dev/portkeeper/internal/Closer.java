package dev.portkeeper.internal;

import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the connections the engine retires with their endpoint's {@link CloseRule}, falls back
 * to a graceful close where the strategy cannot apply, and reports each close once, with the
 * side that closed first and the fallback if there was one.
 *
 * <p>PEER_FIRST and ABORT_WHEN_IDLE apply only to a connection at rest (idle in the pool, or given
 * back in step), that the non-blocking check finds open with nothing unread, the protocol layer's
 * buffer included. A connection whose end is already known (the peer's FIN or a reset was seen)
 * is simply closed. A connection taken from a borrower blocked in I/O is aborted without any
 * inspection, which would wait on the blocked call's locks. Thread-safe.
 *
 * @param <K> the key type
 */
final class Closer<K> {
    private static final Logger LOG = LoggerFactory.getLogger(Closer.class);

    private final String poolName;
    private final Events<K> events;
    private final java.util.function.Consumer<Conn<K>> released;
    private final PeerCloseReaper reaper;
    private final LongAdder closedLocal = new LongAdder();
    private final LongAdder closedPeer = new LongAdder();
    private final LongAdder closedReset = new LongAdder();
    private final LongAdder peerCloseFallbacks = new LongAdder();
    private final LongAdder abortFallbacks = new LongAdder();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    Closer(String poolName, Events<K> events, java.util.function.Consumer<Conn<K>> released) {
        this.poolName = poolName;
        this.events = events;
        this.released = released;
        this.reaper = new PeerCloseReaper(poolName);
    }

    /**
     * Closes at once with a reset, touching none of the socket's locks: for a connection whose
     * borrower may be blocked in a read or write. Never throws.
     */
    void abort(Conn<K> c, Cause cause) {
        c.detachForClose();
        CloseRule rule = c.closeRule();
        Fallback fallback = rule.mode() == CloseMode.GRACEFUL || rule.mode() == CloseMode.ABORT_WHEN_IDLE ? null
                : Fallback.NOT_IDLE;
        if (fallback != null) {
            countFallback(rule.mode());
        }
        closed(c, cause, SocketClosing.abort(c.channel()), fallback);
    }

    /** Writes nothing: the protocol has already asked the peer to close. */
    private static final CloseRequest ALREADY_ASKED = new CloseRequest() {
        @Override
        public String name() {
            return "the protocol's own close request";
        }

        @Override
        public void write(java.io.OutputStream out) {
            // asked already, in the protocol's last request
        }

        @Override
        public int maxReplyBytes() {
            return 0;
        }
    };

    /**
     * Closes a connection whose peer was asked to close by its protocol: waits for the peer's FIN
     * on the close thread (at most the rule's peer-close timeout), then closes. Never throws.
     */
    void closeAfterPeer(Conn<K> c) {
        int held = c.heldBytes();
        c.detachForClose();
        SocketChannel channel = c.channel();
        if (held > 0 || SocketInspector.unreadBytes(channel) > 0) {
            // Bytes left unread: the protocol was not in step, and waiting for a FIN would lose them silently.
            fellBack(c, Cause.RETIRED, Fallback.UNREAD_BYTES, Math.max(0, SocketInspector.unreadBytes(channel)) + held,
                    CloseMode.PEER_FIRST);
            closed(c, Cause.RETIRED, SocketClosing.closeGracefully(channel), Fallback.UNREAD_BYTES, CloseMode.PEER_FIRST);
            return;
        }
        reaper.closePeerFirst(channel, ALREADY_ASKED, Duration.ofNanos(c.closeRule().peerCloseTimeoutNanos()),
                outcome -> peerClosed(c, Cause.RETIRED, ALREADY_ASKED, outcome));
    }

    /**
     * Closes a retired connection; for PEER_FIRST the close finishes on the close thread. Never
     * throws.
     *
     * @param c the connection, held by the caller and used by no one
     * @param cause why
     * @param known who closed first if that was already seen (the peer's FIN), else null
     * @param atRest whether it was idle, or given back in step; false for an invalidated or broken one
     */
    void close(Conn<K> c, Cause cause, Side known, boolean atRest) {
        int held = c.heldBytes();
        c.detachForClose();
        SocketChannel channel = c.channel();
        if (known != null || !channel.isOpen()) {
            SocketClosing.closeGracefully(channel);
            closed(c, cause, known != null ? known : Side.LOCAL, null);
            return;
        }
        CloseRule rule = c.closeRule();
        CloseMode mode = rule.mode();
        if (mode == CloseMode.GRACEFUL) {
            closed(c, cause, SocketClosing.closeGracefully(channel), null);
            return;
        }
        if (!atRest) {
            fellBack(c, cause, Fallback.NOT_IDLE, 0);
            closed(c, cause, SocketClosing.closeGracefully(channel), Fallback.NOT_IDLE);
            return;
        }
        int unread = SocketInspector.unreadBytes(channel);
        if (unread > 0 || held > 0 || cause == Cause.STRAY_BYTES) {
            fellBack(c, cause, Fallback.UNREAD_BYTES, Math.max(0, unread) + held);
            closed(c, cause, SocketClosing.closeGracefully(channel), Fallback.UNREAD_BYTES);
            return;
        }
        Probe look = SocketInspector.look(channel, java.nio.ByteBuffer.allocate(1));
        if (look == Probe.FAILED || look == Probe.PEER_CLOSED) {
            // Already broken, or the peer closed first on its own: nothing left to choose.
            closed(c, cause, SocketClosing.closeGracefully(channel), null);
            return;
        }
        if (look == Probe.STRAY_BYTES) {
            fellBack(c, cause, Fallback.UNREAD_BYTES, 1 + Math.max(0, SocketInspector.unreadBytes(channel)));
            closed(c, cause, SocketClosing.closeGracefully(channel), Fallback.UNREAD_BYTES);
            return;
        }
        if (mode == CloseMode.ABORT_WHEN_IDLE) {
            closed(c, cause, SocketClosing.abort(channel), null);
            return;
        }
        CloseRequest request = rule.request();
        reaper.closePeerFirst(channel, request, Duration.ofNanos(rule.peerCloseTimeoutNanos()),
                outcome -> peerClosed(c, cause, request, outcome));
    }

    private void peerClosed(Conn<K> c, Cause cause, CloseRequest request, PeerCloseOutcome outcome) {
        if (outcome.fellBack()) {
            fellBack(c, cause, outcome.fallback(), outcome.replyBytes(), CloseMode.PEER_FIRST);
        }
        LOG.debug("Pool {}: {} after the {} close request: {} ({} µs, {} reply bytes)", poolName, c, request.name(),
                outcome.fellBack() ? "fell back, " + outcome.fallback() : "the peer closed",
                outcome.waited().toNanos() / 1000, outcome.replyBytes());
        closed(c, cause, outcome.closedBy(), outcome.fallback(), CloseMode.PEER_FIRST);
    }

    private void countFallback(CloseMode mode) {
        (mode == CloseMode.PEER_FIRST ? peerCloseFallbacks : abortFallbacks).increment();
    }

    private void fellBack(Conn<K> c, Cause cause, Fallback why, long bytes) {
        fellBack(c, cause, why, bytes, c.closeRule().mode());
    }

    private void fellBack(Conn<K> c, Cause cause, Fallback why, long bytes, CloseMode mode) {
        CloseRule rule = c.closeRule();
        countFallback(mode);
        switch (why) {
            case UNREAD_BYTES:
                // Logged every time: those bytes are lost, and that must not go unseen.
                LOG.warn("Pool {}: {} had {} unread bytes from the peer when it was retired ({}); {} is not applied"
                        + " and it is closed plainly, so the kernel resets it to tell the peer that data was lost."
                        + " Bytes on a connection at rest mean the protocol was out of step: check that every"
                        + " reply is read before the connection is given back.", poolName, c, bytes, cause,
                        mode);
                break;
            case NOT_IDLE:
                LOG.debug("Pool {}: {} was not at rest when retired ({}): closed gracefully instead of {}", poolName, c,
                        cause, mode);
                break;
            default:
                String hook = rule.request() == null ? "?" : rule.request().name();
                String advice;
                if (cause == Cause.RETIRED) {
                    advice = "its protocol had asked the peer to close (closeWhenPeerCloses), but the peer did not within"
                            + " peerCloseTimeout (" + rule.peerCloseTimeoutNanos() / 1_000_000 + " ms): check that the"
                            + " request really asked it to, or raise peerCloseTimeout";
                } else if (why == Fallback.PEER_DID_NOT_CLOSE) {
                    advice = "check that the endpoint speaks " + hook + " and closes on its close request, or raise"
                            + " peerCloseTimeout (" + rule.peerCloseTimeoutNanos() / 1_000_000 + " ms)";
                } else if (why == Fallback.UNEXPECTED_REPLY) {
                    advice = "the peer answered more than the hook's maxReplyBytes ("
                            + (rule.request() == null ? 0 : rule.request().maxReplyBytes())
                            + "): check that the endpoint speaks " + hook;
                } else {
                    advice = "the " + hook + " close request could not be written: the peer is not reading, or the"
                            + " hook failed (its exception is logged at DEBUG by " + PeerCloseReaper.class.getName() + ")";
                }
                if (warned.add(c.key() + "#" + why)) {
                    LOG.warn("Pool {}: PEER_FIRST close of {} fell back to GRACEFUL ({}; {} reply bytes): its"
                            + " TIME_WAIT stays on this host; {}. Logged once per endpoint and cause; see"
                            + " ConnectionPool.closeStats().peerCloseFallbacks()", poolName, c, why, bytes, advice);
                } else {
                    LOG.debug("Pool {}: PEER_FIRST close of {} fell back to GRACEFUL ({})", poolName, c, why);
                }
        }
    }

    private void closed(Conn<K> c, Cause cause, Side side, Fallback fallback) {
        closed(c, cause, side, fallback, c.closeRule().mode());
    }

    private void closed(Conn<K> c, Cause cause, Side side, Fallback fallback, CloseMode mode) {
        switch (side) {
            case PEER -> closedPeer.increment();
            case NONE -> closedReset.increment();
            default -> closedLocal.increment();
        }
        LOG.debug("Pool {}: closed {} ({}, TIME_WAIT {})", poolName, c, cause, side);
        try {
            events.closed(c, cause, side, mode, fallback);
        } finally {
            // After the event: a listener that counts opens and closes never sees more open than the limits allow.
            released.accept(c);
        }
    }

    /** @return closed LOCAL, PEER, NONE, peer-close fallbacks, abort fallbacks, peer closes pending */
    long[] stats() {
        return new long[] {closedLocal.sum(), closedPeer.sum(), closedReset.sum(), peerCloseFallbacks.sum(),
            abortFallbacks.sum(), reaper.pending()};
    }

    /** Waits (bounded) for the peer-first closes still waiting for their peer. */
    boolean awaitPeerCloses(Duration timeout) {
        return reaper.awaitIdle(timeout);
    }
}
