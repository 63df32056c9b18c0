package dev.portkeeper.kernel;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The TCP sockets of a network namespace: {@code /proc/net/tcp} followed by
 * {@code /proc/net/tcp6}, as read by {@link Procfs#tcpTable()} (close to one instant;
 * under churn a socket may be missed, as with any reader of these files).
 *
 * <p>Lines the parser could not read (truncated, malformed, or with a state code this
 * library does not know) are skipped and counted in {@link #skippedLines()}; reading never
 * fails because of one bad line. The header line and blank lines are not counted. A table with
 * more than 1 % of its lines skipped {@link #isDoubtful() is doubtful}: the kernel writes whole
 * lines, so that much is not a torn read but a file that is not (or no longer) a socket table.
 *
 * <p>Address queries match IPv4 addresses whether the kernel printed them plain or
 * v4-mapped, and compare numbers rather than {@link java.net.InetAddress} objects. Each
 * query walks the table; for many queries on a large table, walk {@link #sockets()} once.
 *
 * <p>Immutable and thread-safe.
 */
public final class TcpTable {

    private final List<TcpSocket> sockets;
    private final int[] countByCode;
    private final int skippedLines;

    TcpTable(List<TcpSocket> sockets, int skippedLines) {
        this.sockets = Collections.unmodifiableList(sockets);
        this.skippedLines = skippedLines;
        this.countByCode = new int[TcpState.values().length + 1];
        for (TcpSocket socket : sockets) {
            countByCode[socket.state().code()]++;
        }
    }

    /**
     * Returns every socket, {@code tcp} lines first, in the kernel's order.
     *
     * @return an unmodifiable list
     */
    public List<TcpSocket> sockets() {
        return sockets;
    }

    /**
     * Returns a stream over {@link #sockets()}.
     *
     * @return a sequential stream
     */
    public Stream<TcpSocket> stream() {
        return sockets.stream();
    }

    /**
     * Returns the number of sockets.
     *
     * @return the number of lines read
     */
    public int size() {
        return sockets.size();
    }

    /**
     * Returns how many lines were skipped because they were truncated, malformed, or had an
     * unknown state code.
     *
     * @return 0 for a table the kernel wrote in full
     */
    public int skippedLines() {
        return skippedLines;
    }

    /**
     * Tells whether so many lines were skipped that the table cannot be trusted to hold every
     * socket: more than 1 % of its lines, so any skipped line in a table of fewer than 100 lines.
     * The kernel writes whole lines, so a live table skips none but those of a state code newer
     * than this library; a doubtful table is a damaged capture or not a socket table at all.
     *
     * @return whether {@link #isDoubtful(int, int)} holds for this table
     */
    public boolean isDoubtful() {
        return isDoubtful(skippedLines, sockets.size());
    }

    /**
     * The rule of {@link #isDoubtful()}, for a count kept elsewhere (a snapshot's).
     *
     * @param skippedLines lines skipped
     * @param sockets lines read as sockets
     * @return whether more than 1 % of the {@code skippedLines + sockets} lines were skipped
     */
    public static boolean isDoubtful(long skippedLines, long sockets) {
        return skippedLines > 0 && skippedLines * 100 > skippedLines + sockets;
    }

    /**
     * Returns the number of sockets in a state; precomputed, so free to call.
     *
     * @param state the state
     * @return the count
     */
    public int count(TcpState state) {
        return countByCode[state.code()];
    }

    /**
     * Returns the number of sockets in each state, states with none included.
     *
     * @return an unmodifiable map with an entry for every state
     */
    public Map<TcpState, Integer> countByState() {
        Map<TcpState, Integer> counts = new EnumMap<>(TcpState.class);
        for (TcpState state : TcpState.values()) {
            counts.put(state, countByCode[state.code()]);
        }
        return Collections.unmodifiableMap(counts);
    }

    /**
     * Returns the sockets in a state.
     *
     * @param state the state
     * @return a new list
     */
    public List<TcpSocket> inState(TcpState state) {
        Objects.requireNonNull(state, "state");
        return select(socket -> socket.state() == state);
    }

    /**
     * Returns the sockets whose remote end is this address and port: the client side of
     * connections to that destination.
     *
     * @param remote a resolved address
     * @return a new list
     * @throws IllegalArgumentException if {@code remote} is unresolved
     */
    public List<TcpSocket> withRemote(InetSocketAddress remote) {
        return select(SocketKey.of(remote)::matchesRemote);
    }

    /**
     * Returns the sockets in a state whose remote end is this address and port.
     *
     * @param remote a resolved address
     * @param state the state
     * @return a new list
     * @throws IllegalArgumentException if {@code remote} is unresolved
     */
    public List<TcpSocket> withRemote(InetSocketAddress remote, TcpState state) {
        Objects.requireNonNull(state, "state");
        SocketKey key = SocketKey.of(remote);
        return select(socket -> socket.state() == state && key.matchesRemote(socket));
    }

    /**
     * Returns the number of sockets in a state whose remote end is this address and port.
     *
     * @param remote a resolved address
     * @param state the state
     * @return the count
     * @throws IllegalArgumentException if {@code remote} is unresolved
     */
    public int countWithRemote(InetSocketAddress remote, TcpState state) {
        Objects.requireNonNull(state, "state");
        SocketKey key = SocketKey.of(remote);
        int count = 0;
        for (TcpSocket socket : sockets) {
            if (socket.state() == state && key.matchesRemote(socket)) {
                count++;
            }
        }
        return count;
    }

    /**
     * Returns the sockets whose local end is exactly this address and port: for a server
     * address, its listener and the server side of its connections. A listener bound to the
     * wildcard address is not matched by a specific address.
     *
     * @param local a resolved address
     * @return a new list
     * @throws IllegalArgumentException if {@code local} is unresolved
     */
    public List<TcpSocket> withLocal(InetSocketAddress local) {
        return select(SocketKey.of(local)::matchesLocal);
    }

    /**
     * Returns the sockets with this inode; usually one, none once the socket is closed,
     * and never meaningful for inode 0 (time-wait mini-sockets).
     *
     * @param inode a socket inode, e.g. from {@link ProcessFds#socketInodes()}
     * @return a new list
     */
    public List<TcpSocket> withInode(long inode) {
        return select(socket -> socket.inode() == inode);
    }

    private List<TcpSocket> select(Predicate<TcpSocket> filter) {
        List<TcpSocket> selected = new ArrayList<>();
        for (TcpSocket socket : sockets) {
            if (filter.test(socket)) {
                selected.add(socket);
            }
        }
        return selected;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("TcpTable{size=").append(size());
        for (TcpState state : TcpState.values()) {
            int n = countByCode[state.code()];
            if (n > 0) {
                sb.append(", ").append(state).append('=').append(n);
            }
        }
        if (skippedLines > 0) {
            sb.append(", skippedLines=").append(skippedLines);
        }
        return sb.append('}').toString();
    }
}
