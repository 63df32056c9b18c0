package dev.portkeeper.pool;

import dev.portkeeper.CloseFallback;
import dev.portkeeper.ClosePolicy;
import dev.portkeeper.CloseReason;
import dev.portkeeper.CloseStats;
import dev.portkeeper.CloseStrategy;
import dev.portkeeper.ClosedBy;
import dev.portkeeper.Ticker;
import dev.portkeeper.net.PeerCloseHook;
import dev.portkeeper.net.PeerCloseOutcome;
import dev.portkeeper.net.PeerCloseReaper;
import dev.portkeeper.net.SocketClosing;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the connections the pool retires with their endpoint's {@link ClosePolicy}, falls back
 * to a graceful close where the strategy cannot apply, and reports each close (and fallback) to
 * the listeners with the side that closed first.
 *
 * <p>PEER_FIRST and ABORT_WHEN_IDLE apply only to a connection at rest (idle in the pool, or given
 * back in step), that the non-blocking check finds open with nothing unread. A connection whose
 * end is already known (the peer's FIN or a reset was seen) is simply closed. Thread-safe.
 */
final class ConnectionCloser {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionCloser.class);

    private final String poolName;
    private final Ticker ticker;
    private final ListenerChain listeners;
    private final PeerCloseReaper reaper;
    private final LongAdder closedLocal = new LongAdder();
    private final LongAdder closedPeer = new LongAdder();
    private final LongAdder closedReset = new LongAdder();
    private final LongAdder peerCloseFallbacks = new LongAdder();
    private final LongAdder abortFallbacks = new LongAdder();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    ConnectionCloser(String poolName, Ticker ticker, ListenerChain listeners) {
        this.poolName = poolName;
        this.ticker = ticker;
        this.listeners = listeners;
        this.reaper = new PeerCloseReaper(poolName);
    }

    /** Closes a retired connection; for PEER_FIRST the close finishes on the close thread. Never throws. */
    void close(ManagedConnection c) {
        SocketChannel channel = c.channel();
        ClosedBy known = c.knownCloser();
        if (known != null || !channel.isOpen()) {
            SocketClosing.closeGracefully(channel);
            closed(c, known != null ? known : ClosedBy.LOCAL);
            return;
        }
        ClosePolicy policy = c.closePolicy();
        CloseStrategy strategy = policy.strategy();
        if (strategy == CloseStrategy.GRACEFUL) {
            closed(c, SocketClosing.closeGracefully(channel));
            return;
        }
        if (c.closeReason() == CloseReason.STRAY_BYTES) {
            fellBack(c, strategy, CloseFallback.UNREAD_BYTES, SocketClosing.unreadBytes(channel) + 1);
            closed(c, SocketClosing.closeGracefully(channel));
            return;
        }
        if (!c.atRest()) {
            fellBack(c, strategy, CloseFallback.NOT_IDLE, 0);
            closed(c, SocketClosing.closeGracefully(channel));
            return;
        }
        int unread = SocketClosing.unreadBytes(channel);
        if (unread > 0) {
            fellBack(c, strategy, CloseFallback.UNREAD_BYTES, unread);
            closed(c, SocketClosing.closeGracefully(channel));
            return;
        }
        int read;
        try {
            read = SocketClosing.readOneNow(channel);
        } catch (IOException e) {
            closed(c, SocketClosing.closeGracefully(channel)); // already broken: nothing left to choose
            return;
        }
        if (read < 0) {
            closed(c, SocketClosing.closeGracefully(channel)); // the peer closed first on its own
            return;
        }
        if (read > 0) {
            fellBack(c, strategy, CloseFallback.UNREAD_BYTES, 1 + Math.max(0, SocketClosing.unreadBytes(channel)));
            closed(c, SocketClosing.closeGracefully(channel));
            return;
        }
        if (strategy == CloseStrategy.ABORT_WHEN_IDLE) {
            closed(c, SocketClosing.abort(channel));
            return;
        }
        PeerCloseHook hook = policy.hook().orElseThrow();
        reaper.closePeerFirst(channel, hook, policy.peerCloseTimeout(), outcome -> peerClosed(c, hook, outcome));
    }

    private void peerClosed(ManagedConnection c, PeerCloseHook hook, PeerCloseOutcome outcome) {
        if (outcome.fellBack()) {
            fellBack(c, CloseStrategy.PEER_FIRST, outcome.fallback(), outcome.replyBytes());
        }
        LOG.debug("Pool {}: {} after the {} close request: {} ({} µs, {} reply bytes)", poolName, c, hook.name(),
                outcome.fellBack() ? "fell back, " + outcome.fallback() : "the peer closed",
                outcome.waited().toNanos() / 1000, outcome.replyBytes());
        closed(c, outcome.closedBy());
    }

    private void fellBack(ManagedConnection c, CloseStrategy strategy, CloseFallback why, long bytes) {
        (strategy == CloseStrategy.PEER_FIRST ? peerCloseFallbacks : abortFallbacks).increment();
        switch (why) {
            case UNREAD_BYTES:
                // Logged every time: those bytes are lost, and that must not go unseen.
                LOG.warn("Pool {}: {} had {} unread bytes from the peer when it was retired ({}); {} is not applied"
                        + " and it is closed plainly, so the kernel resets it to tell the peer that data was lost."
                        + " Bytes on a connection at rest mean the protocol was out of step: check that every"
                        + " reply is read before the connection is given back.", poolName, c, bytes,
                        c.closeReason(), strategy);
                break;
            case NOT_IDLE:
                LOG.debug("Pool {}: {} was not at rest when retired ({}): closed gracefully instead of {}", poolName, c,
                        c.closeReason(), strategy);
                break;
            default:
                String hook = c.closePolicy().hook().map(PeerCloseHook::name).orElse("?");
                String advice;
                if (why == CloseFallback.PEER_DID_NOT_CLOSE) {
                    advice = "check that the endpoint speaks " + hook + " and closes on its close request, or raise"
                            + " peerCloseTimeout (" + c.closePolicy().peerCloseTimeout().toMillis() + " ms)";
                } else if (why == CloseFallback.UNEXPECTED_REPLY) {
                    advice = "the peer answered more than the hook's maxReplyBytes ("
                            + c.closePolicy().hook().map(PeerCloseHook::maxReplyBytes).orElse(0)
                            + "): check that the endpoint speaks " + hook;
                } else {
                    advice = "the " + hook + " close request could not be written: the peer is not reading, or the"
                            + " hook failed (its exception is logged at DEBUG by " + PeerCloseReaper.class.getName() + ")";
                }
                if (warned.add(c.endpoint() + "#" + why)) {
                    LOG.warn("Pool {}: PEER_FIRST close of {} fell back to GRACEFUL ({}; {} reply bytes): its"
                            + " TIME_WAIT stays on this host; {}. Logged once per endpoint and cause; see"
                            + " ConnectionPool.closeStats().peerCloseFallbacks()", poolName, c, why, bytes, advice);
                } else {
                    LOG.debug("Pool {}: PEER_FIRST close of {} fell back to GRACEFUL ({})", poolName, c, why);
                }
        }
        if (!listeners.isEmpty()) {
            listeners.closeFallback(c.info(poolName, ticker.nanos()), strategy, why);
        }
    }

    private void closed(ManagedConnection c, ClosedBy closedBy) {
        switch (closedBy) {
            case PEER:
                closedPeer.increment();
                break;
            case RESET:
                closedReset.increment();
                break;
            default:
                closedLocal.increment();
        }
        LOG.debug("Pool {}: closed {} ({}, closed first by {})", poolName, c, c.closeReason(), closedBy);
        if (!listeners.isEmpty()) {
            listeners.closed(c.info(poolName, ticker.nanos()), c.closeReason(), closedBy);
        }
    }

    CloseStats stats() {
        return new CloseStats(closedLocal.sum(), closedPeer.sum(), closedReset.sum(), peerCloseFallbacks.sum(),
                abortFallbacks.sum(), reaper.pending());
    }

    /** Waits (bounded) for the peer-first closes still waiting for their peer. */
    boolean awaitPeerCloses(Duration timeout) {
        return reaper.awaitIdle(timeout);
    }
}
