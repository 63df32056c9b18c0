package dev.portkeeper.kernel;

import java.util.Arrays;
import java.util.OptionalLong;

/**
 * A process's file descriptors as {@code /proc/<pid>/fd} and {@code /proc/<pid>/limits}
 * show them: how many are open, the {@code RLIMIT_NOFILE} limits, and the inodes of the
 * sockets among them ({@code fd/N -> socket:[inode]}). A socket inode is how a line of
 * the {@link TcpTable} is attributed to the process, e.g. a CLOSE_WAIT that the process
 * leaked.
 *
 * <p>Immutable and thread-safe.
 */
public final class ProcessFds {

    private final int fdCount;
    private final long[] socketInodes;
    private final long softLimit;
    private final long hardLimit;

    /**
     * @param socketInodes sorted and distinct
     * @param softLimit -1 if unknown
     * @param hardLimit -1 if unknown
     */
    ProcessFds(int fdCount, long[] socketInodes, long softLimit, long hardLimit) {
        this.fdCount = fdCount;
        this.socketInodes = socketInodes;
        this.softLimit = softLimit;
        this.hardLimit = hardLimit;
    }

    /**
     * Returns the number of open file descriptors. When a process reads its own, the
     * descriptor used to list the directory is not counted.
     *
     * @return the count
     */
    public int fdCount() {
        return fdCount;
    }

    /**
     * Returns the number of distinct sockets the descriptors refer to (of any family;
     * two descriptors on one socket count once).
     *
     * @return the count
     */
    public int socketCount() {
        return socketInodes.length;
    }

    /**
     * Returns the socket inodes.
     *
     * @return a new sorted array of distinct inodes
     */
    public long[] socketInodes() {
        return socketInodes.clone();
    }

    /**
     * Tells whether the process holds the socket with this inode, e.g.
     * {@code fds.ownsSocket(tcpSocket.inode())}.
     *
     * @param inode a socket inode; 0 (a time-wait mini-socket) is never owned
     * @return whether one of the descriptors refers to it
     */
    public boolean ownsSocket(long inode) {
        return inode != 0 && Arrays.binarySearch(socketInodes, inode) >= 0;
    }

    /**
     * Returns the soft limit on open files ({@code ulimit -n}); {@code open()},
     * {@code socket()} and {@code accept()} fail with EMFILE past it.
     *
     * @return the limit, {@link Long#MAX_VALUE} if unlimited, empty if {@code limits} could not be read
     */
    public OptionalLong fdSoftLimit() {
        return softLimit < 0 ? OptionalLong.empty() : OptionalLong.of(softLimit);
    }

    /**
     * Returns the hard limit on open files, up to which the process may raise its soft limit.
     *
     * @return the limit, {@link Long#MAX_VALUE} if unlimited, empty if {@code limits} could not be read
     */
    public OptionalLong fdHardLimit() {
        return hardLimit < 0 ? OptionalLong.empty() : OptionalLong.of(hardLimit);
    }

    @Override
    public String toString() {
        return "ProcessFds{fdCount=" + fdCount + ", sockets=" + socketInodes.length
                + ", softLimit=" + (softLimit < 0 ? "?" : softLimit)
                + ", hardLimit=" + (hardLimit < 0 ? "?" : hardLimit) + '}';
    }
}
