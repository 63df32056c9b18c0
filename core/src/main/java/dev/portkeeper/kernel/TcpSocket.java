package dev.portkeeper.kernel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * One line of {@code /proc/net/tcp} or {@code /proc/net/tcp6}: an immutable snapshot of a
 * TCP socket as the kernel saw it when the table was read.
 *
 * <p>A v4-mapped IPv6 address ({@code ::ffff:a.b.c.d}, how a dual-stack Java socket talking
 * IPv4 shows in {@code tcp6}) is normalised to its IPv4 address, because IPv4 sockets from
 * both files share one port space; {@link #isV4Mapped()} tells that it happened.
 *
 * <p>Addresses are held as numbers; {@link #localAddress()} and {@link #remoteAddress()}
 * build an {@link InetAddress} on each call. For filtering a large table prefer
 * {@link #hasRemote(InetSocketAddress)}, {@link #isRemoteLoopback()} and the queries of
 * {@link TcpTable}, which compare the numbers.
 *
 * <p>Instances are created by {@link Procfs}; they are immutable and thread-safe.
 */
public final class TcpSocket {

    /** Clock ticks per second of {@code tm->when} ({@code USER_HZ}, 100 on every Linux ABI). */
    private static final long USER_HZ = 100;

    private static final int FROM_TCP6 = 1;
    private static final int V4_MAPPED = 2;

    private final long localHi;
    private final long localLo;
    private final long remoteHi;
    private final long remoteLo;
    private final int localPort;
    private final int remotePort;
    private final TcpState state;
    private final long sendQueue;
    private final long receiveQueue;
    private final int timerActive;
    private final long timerJiffies;
    private final long uid;
    private final long inode;
    private final int flags;

    TcpSocket(long localHi, long localLo, int localPort, long remoteHi, long remoteLo, int remotePort,
              TcpState state, long sendQueue, long receiveQueue, int timerActive, long timerJiffies,
              long uid, long inode, boolean fromTcp6, boolean v4Mapped) {
        this.localHi = localHi;
        this.localLo = localLo;
        this.localPort = localPort;
        this.remoteHi = remoteHi;
        this.remoteLo = remoteLo;
        this.remotePort = remotePort;
        this.state = state;
        this.sendQueue = sendQueue;
        this.receiveQueue = receiveQueue;
        this.timerActive = timerActive;
        this.timerJiffies = timerJiffies;
        this.uid = uid;
        this.inode = inode;
        this.flags = (fromTcp6 ? FROM_TCP6 : 0) | (v4Mapped ? V4_MAPPED : 0);
    }

    /**
     * Returns the local address, built on each call.
     *
     * @return an {@link java.net.Inet4Address} for IPv4 (including v4-mapped), else an {@link java.net.Inet6Address}
     */
    public InetAddress localAddress() {
        return Ip128.toInetAddress(localHi, localLo);
    }

    /**
     * Returns the local port.
     *
     * @return 0 to 65535
     */
    public int localPort() {
        return localPort;
    }

    /**
     * Returns the local address and port, built on each call.
     *
     * @return the local socket address
     */
    public InetSocketAddress localSocketAddress() {
        return new InetSocketAddress(localAddress(), localPort);
    }

    /**
     * Returns the remote address, built on each call; the wildcard address for a listener.
     *
     * @return an {@link java.net.Inet4Address} for IPv4 (including v4-mapped), else an {@link java.net.Inet6Address}
     */
    public InetAddress remoteAddress() {
        return Ip128.toInetAddress(remoteHi, remoteLo);
    }

    /**
     * Returns the remote port; 0 for a listener.
     *
     * @return 0 to 65535
     */
    public int remotePort() {
        return remotePort;
    }

    /**
     * Returns the remote address and port, built on each call.
     *
     * @return the remote socket address
     */
    public InetSocketAddress remoteSocketAddress() {
        return new InetSocketAddress(remoteAddress(), remotePort);
    }

    /**
     * Tells whether the remote end is this address and port, without building an {@link InetAddress}
     * for the socket. An IPv4 address matches the same address v4-mapped.
     *
     * @param remote a resolved address
     * @return whether address and port are equal
     * @throws IllegalArgumentException if {@code remote} is unresolved
     */
    public boolean hasRemote(InetSocketAddress remote) {
        return SocketKey.of(remote).matchesRemote(this);
    }

    /**
     * Tells whether the local end is this address and port (exactly: a listener on the
     * wildcard address does not match {@code 127.0.0.1}).
     *
     * @param local a resolved address
     * @return whether address and port are equal
     * @throws IllegalArgumentException if {@code local} is unresolved
     */
    public boolean hasLocal(InetSocketAddress local) {
        return SocketKey.of(local).matchesLocal(this);
    }

    /**
     * Tells whether the remote address is a loopback address ({@code 127.0.0.0/8} or {@code ::1}).
     *
     * @return whether the peer is on this host's loopback
     */
    public boolean isRemoteLoopback() {
        return Ip128.isLoopback(remoteHi, remoteLo);
    }

    /**
     * Tells whether the addresses are IPv4, after v4-mapped ones were normalised.
     *
     * @return {@code true} for an IPv4 connection, {@code false} for IPv6
     */
    public boolean isIpv4() {
        return Ip128.isV4(localHi, localLo);
    }

    /**
     * Tells whether the line came from {@code /proc/net/tcp6}.
     *
     * @return {@code true} for {@code tcp6}, {@code false} for {@code tcp}
     */
    public boolean fromTcp6() {
        return (flags & FROM_TCP6) != 0;
    }

    /**
     * Tells whether the kernel printed the local address v4-mapped ({@code ::ffff:a.b.c.d} in
     * {@code tcp6}), as it does for a dual-stack socket, the JDK's default, talking IPv4.
     *
     * @return whether the address was normalised from v4-mapped to IPv4
     */
    public boolean isV4Mapped() {
        return (flags & V4_MAPPED) != 0;
    }

    /**
     * Returns the state.
     *
     * @return the state
     */
    public TcpState state() {
        return state;
    }

    /**
     * Returns the bytes queued for sending ({@code tx_queue}, {@code ss}'s Send-Q); for a
     * listener, its backlog limit.
     *
     * @return a byte count, or for a listener a connection count
     */
    public long sendQueue() {
        return sendQueue;
    }

    /**
     * Returns the bytes received and not yet read ({@code rx_queue}, {@code ss}'s Recv-Q);
     * for a listener, the connections waiting to be accepted.
     *
     * @return a byte count, or for a listener a connection count
     */
    public long receiveQueue() {
        return receiveQueue;
    }

    /**
     * Returns which timer runs ({@code tr}): 0 none, 1 retransmit or loss probe, 2 keepalive
     * (or another sk timer), 3 TIME_WAIT/FIN_WAIT2 mini-socket, 4 zero-window probe.
     *
     * @return the kernel's timer code
     */
    public int timerActive() {
        return timerActive;
    }

    /**
     * Returns the time left on the running timer ({@code tm->when}) in clock ticks of 1/100 s.
     *
     * @return ticks, 0 when no timer runs
     */
    public long timerJiffies() {
        return timerJiffies;
    }

    /**
     * Returns the time left on the running timer ({@code tm->when}).
     *
     * @return the time left, {@link Duration#ZERO} when no timer runs
     */
    public Duration timerRemaining() {
        return Duration.ofMillis(timerJiffies * 1000 / USER_HZ);
    }

    /**
     * For a {@link TcpState#TIME_WAIT} socket, returns how long the kernel will still hold it
     * (at most 60 s, {@code TCP_TIMEWAIT_LEN}); its age is 60 s minus that.
     *
     * @return the time left, or empty when the socket is not in TIME_WAIT
     */
    public Optional<Duration> timeWaitRemaining() {
        return state == TcpState.TIME_WAIT ? Optional.of(timerRemaining()) : Optional.empty();
    }

    /**
     * Returns the uid of the socket's owner.
     *
     * @return the uid, 0 for a time-wait mini-socket
     */
    public long uid() {
        return uid;
    }

    /**
     * Returns the socket inode, which matches {@code /proc/<pid>/fd/N -> socket:[inode]} of
     * the process holding it.
     *
     * @return the inode, 0 for TIME_WAIT and FIN_WAIT2 mini-sockets, which no process holds
     */
    public long inode() {
        return inode;
    }

    long localHi() {
        return localHi;
    }

    long localLo() {
        return localLo;
    }

    long remoteHi() {
        return remoteHi;
    }

    long remoteLo() {
        return remoteLo;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof TcpSocket)) {
            return false;
        }
        TcpSocket that = (TcpSocket) o;
        return localHi == that.localHi && localLo == that.localLo && localPort == that.localPort
                && remoteHi == that.remoteHi && remoteLo == that.remoteLo && remotePort == that.remotePort
                && state == that.state && sendQueue == that.sendQueue && receiveQueue == that.receiveQueue
                && timerActive == that.timerActive && timerJiffies == that.timerJiffies
                && uid == that.uid && inode == that.inode && flags == that.flags;
    }

    @Override
    public int hashCode() {
        int h = Long.hashCode(localLo);
        h = 31 * h + Long.hashCode(localHi);
        h = 31 * h + localPort;
        h = 31 * h + Long.hashCode(remoteLo);
        h = 31 * h + Long.hashCode(remoteHi);
        h = 31 * h + remotePort;
        h = 31 * h + state.hashCode();
        h = 31 * h + Long.hashCode(inode);
        return h;
    }

    /** Reads like a line of {@code ss -tan}, e.g. {@code TIME_WAIT 127.0.0.1:40000 -> 127.0.0.1:11211 inode=0 timer=58.49s (tcp6, v4-mapped)}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(96)
                .append(state).append(' ')
                .append(Ip128.format(localHi, localLo)).append(':').append(localPort)
                .append(" -> ")
                .append(Ip128.format(remoteHi, remoteLo)).append(':').append(remotePort)
                .append(" inode=").append(inode);
        if (timerActive != 0) {
            sb.append(" timer=").append(timerActive).append('/')
                    .append(timerJiffies / USER_HZ).append('.')
                    .append(String.format("%02d", timerJiffies % USER_HZ)).append('s');
        }
        sb.append(fromTcp6() ? " (tcp6" : " (tcp");
        return sb.append(isV4Mapped() ? ", v4-mapped)" : ")").toString();
    }
}
