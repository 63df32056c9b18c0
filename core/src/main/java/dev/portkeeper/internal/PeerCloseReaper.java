package dev.portkeeper.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes connections peer first: writes the hook's close request, then waits for the peer's FIN
 * for all connections of one pool at once, on one background thread with a {@link Selector} (no
 * busy spin, no borrower blocked). The thread exists only while closes come: it ends once none
 * has come for a second, and the next close starts it again.
 *
 * <p>For each connection exactly one {@link PeerCloseOutcome} is handed to its callback: on the
 * calling thread if the request could not be written, otherwise on the background thread, after
 * the socket was closed. Waits are measured with {@link System#nanoTime()}: they are real I/O,
 * so a pool's test ticker does not apply.
 *
 * <p>Thread-safe.
 */
final class PeerCloseReaper {
    private static final Logger LOG = LoggerFactory.getLogger(PeerCloseReaper.class);
    private static final int READ_CHUNK = 4096;
    /** How long the idle thread stays for the next close, which then saves a thread start and a selector. */
    static final long LINGER_MILLIS = 1000;

    private final String poolName;
    private final Object lock = new Object();
    /** Guarded by lock: requests written, not yet registered with the selector. */
    private final ArrayDeque<Waiting> submitted = new ArrayDeque<>();
    /** Guarded by lock: closes handed in and not yet reported. */
    private int pending;
    /** Guarded by lock: the background thread, or null when there is none. */
    private Thread thread;
    /** Guarded by lock: the running thread's selector, for wakeup. */
    private Selector selector;
    /** Background thread only. */
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(READ_CHUNK);

    /** @param poolName the pool's name, for the thread's name and log lines */
    PeerCloseReaper(String poolName) {
        this.poolName = Objects.requireNonNull(poolName, "poolName");
    }

    /**
     * Asks the peer to close and hands the wait for its FIN to the background thread. Returns
     * once the request is written (microseconds): the channel is left in non-blocking mode.
     *
     * @param channel an open, connected channel that no one else uses any more, with nothing
     *     unread, registered with no selector
     * @param hook writes the close request
     * @param timeout how long to wait for the peer's FIN
     * @param done told the outcome once, after the socket is closed
     */
    void closePeerFirst(SocketChannel channel, CloseRequest hook, Duration timeout,
            Consumer<PeerCloseOutcome> done) {
        long start = System.nanoTime();
        try {
            channel.configureBlocking(false);
            hook.write(new NonBlockingOutput(channel));
        } catch (IOException | RuntimeException e) {
            LOG.debug("Pool {}: could not write the {} close request; closing the connection here", poolName,
                    hook.name(), e);
            report(done, PeerCloseOutcome.of(SocketClosing.closeGracefully(channel), Fallback.REQUEST_FAILED,
                    start, 0));
            return;
        }
        Waiting w = new Waiting(channel, hook.maxReplyBytes(), start, start + timeout.toNanos(), done);
        synchronized (lock) {
            submitted.add(w);
            pending++;
            if (thread == null) {
                thread = new Thread(this::run, "portkeeper-" + poolName + "-peer-close");
                thread.setDaemon(true);
                thread.start();
            } else if (selector != null) {
                selector.wakeup();
            }
        }
    }

    /** @return how many closes are waiting for the peer now */
    int pending() {
        synchronized (lock) {
            return pending;
        }
    }

    /**
     * Waits until no close is waiting for its peer any more (each ends by its own timeout).
     *
     * @param timeout the longest to wait
     * @return true if none is left; false on timeout or interrupt (the interrupt flag is kept)
     */
    boolean awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (pending > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    private void run() {
        Selector sel;
        try {
            sel = Selector.open();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Pool {}: cannot open a selector to wait for peers to close ({}); closing those connections"
                    + " without waiting", poolName, e.toString());
            abandon(List.of());
            return;
        }
        synchronized (lock) {
            selector = sel;
        }
        List<Waiting> active = new ArrayList<>();
        long idleSince = System.nanoTime();
        try {
            while (true) {
                List<Waiting> fresh;
                synchronized (lock) {
                    if (submitted.isEmpty() && active.isEmpty()) {
                        long idle = System.nanoTime() - idleSince;
                        if (idle >= TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS)) {
                            thread = null;
                            selector = null;
                            return;
                        }
                    }
                    fresh = new ArrayList<>(submitted);
                    submitted.clear();
                }
                if (active.isEmpty() && fresh.isEmpty()) {
                    // Nothing to wait for: linger for the next close (a wakeup ends this early).
                    sel.select(Math.max(1, LINGER_MILLIS - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - idleSince)));
                    continue;
                }
                for (Waiting w : fresh) {
                    try {
                        w.key = w.channel.register(sel, SelectionKey.OP_READ, w);
                        active.add(w);
                    } catch (ClosedChannelException e) {
                        // closed under us: nothing to wait for
                        w.result = Result.TIMED_OUT;
                        complete(w);
                    }
                }
                long wait = nearestDeadline(active) - System.nanoTime();
                if (wait > 0) {
                    sel.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait + 999_999)));
                } else {
                    sel.selectNow();
                }
                for (Iterator<SelectionKey> it = sel.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey key = it.next();
                    it.remove();
                    Waiting w = (Waiting) key.attachment();
                    if (key.isValid() && w.result == null) {
                        readReply(w);
                    }
                }
                long now = System.nanoTime();
                for (Iterator<Waiting> it = active.iterator(); it.hasNext(); ) {
                    Waiting w = it.next();
                    if (w.result == null && now - w.deadline >= 0) {
                        readReply(w); // a FIN that came with the deadline still counts
                        if (w.result == null) {
                            w.result = Result.TIMED_OUT;
                        }
                    }
                    if (w.result != null) {
                        it.remove();
                        // The socket is really closed when the next select deregisters the key, at once.
                        w.key.cancel();
                        complete(w);
                    }
                }
                if (active.isEmpty()) {
                    idleSince = System.nanoTime();
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Pool {}: waiting for peers to close failed ({}); closing those connections without waiting",
                    poolName, e.toString(), e);
            for (Waiting w : active) {
                if (w.key != null) {
                    w.key.cancel();
                }
            }
            abandon(active);
        } finally {
            try {
                sel.close();
            } catch (IOException ignored) {
                // deregisters and so closes whatever is left; nothing else to do
            }
        }
    }

    /** Ends every close still held, without waiting, and lets the next submission start a thread. */
    private void abandon(List<Waiting> active) {
        List<Waiting> rest = new ArrayList<>(active);
        synchronized (lock) {
            rest.addAll(submitted);
            submitted.clear();
            thread = null;
            selector = null;
        }
        for (Waiting w : rest) {
            if (w.result == null) {
                w.result = Result.TIMED_OUT;
            }
            complete(w);
        }
    }

    private static long nearestDeadline(List<Waiting> active) {
        long nearest = active.get(0).deadline;
        for (Waiting w : active) {
            if (w.deadline - nearest < 0) {
                nearest = w.deadline;
            }
        }
        return nearest;
    }

    /** Reads what the peer sent: at most maxReply bytes are tolerated, an end of stream is its FIN. */
    private void readReply(Waiting w) {
        for (int i = 0; i <= w.maxReply; i++) {
            scratch.clear();
            int n;
            try {
                n = w.channel.read(scratch);
            } catch (IOException e) {
                w.result = Result.RESET;
                return;
            }
            if (n < 0) {
                w.result = Result.PEER_CLOSED;
                return;
            }
            if (n == 0) {
                return;
            }
            w.replyBytes += n;
            if (w.replyBytes > w.maxReply) {
                w.result = Result.REPLY_TOO_LONG;
                return;
            }
        }
    }

    private void complete(Waiting w) {
        PeerCloseOutcome outcome;
        switch (w.result) {
            case PEER_CLOSED:
                SocketClosing.closeQuietly(w.channel);
                outcome = PeerCloseOutcome.of(Side.PEER, null, w.start, w.replyBytes);
                break;
            case RESET:
                SocketClosing.closeQuietly(w.channel);
                outcome = PeerCloseOutcome.of(Side.NONE, null, w.start, w.replyBytes);
                break;
            case REPLY_TOO_LONG:
                outcome = PeerCloseOutcome.of(SocketClosing.closeGracefully(w.channel), Fallback.UNEXPECTED_REPLY,
                        w.start, w.replyBytes);
                break;
            default:
                outcome = PeerCloseOutcome.of(SocketClosing.closeGracefully(w.channel),
                        Fallback.PEER_DID_NOT_CLOSE, w.start, w.replyBytes);
        }
        report(w.done, outcome);
        synchronized (lock) {
            pending--;
            if (pending == 0) {
                lock.notifyAll();
            }
        }
    }

    private void report(Consumer<PeerCloseOutcome> done, PeerCloseOutcome outcome) {
        try {
            done.accept(outcome);
        } catch (RuntimeException e) {
            LOG.warn("Pool {}: reporting a peer-first close failed; ignored", poolName, e);
        }
    }

    private enum Result {
        PEER_CLOSED, RESET, REPLY_TOO_LONG, TIMED_OUT
    }

    /** One connection waiting for its peer's FIN. Only the background thread touches it after submission. */
    private static final class Waiting {
        final SocketChannel channel;
        final int maxReply;
        final long start;
        final long deadline;
        final Consumer<PeerCloseOutcome> done;
        SelectionKey key;
        long replyBytes;
        Result result;

        Waiting(SocketChannel channel, int maxReply, long start, long deadline, Consumer<PeerCloseOutcome> done) {
            this.channel = channel;
            this.maxReply = maxReply;
            this.start = start;
            this.deadline = deadline;
            this.done = done;
        }
    }

    /** Writes without blocking: what does not fit into the send buffer now is a failure, not a wait. */
    private static final class NonBlockingOutput extends OutputStream {
        private final SocketChannel channel;

        NonBlockingOutput(SocketChannel channel) {
            this.channel = channel;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer buf = ByteBuffer.wrap(b, off, len);
            while (buf.hasRemaining()) {
                // Each round either writes at least one byte or throws: at most len rounds.
                if (channel.write(buf) == 0) {
                    throw new IOException("the socket's send buffer is full (" + buf.remaining() + " of " + len
                            + " bytes of the close request unsent): the peer is not reading");
                }
            }
        }
    }
}
