package dev.portkeeper.kernel;

import java.util.HashMap;
import java.util.Map;

/**
 * The socket counters of {@code /proc/net/sockstat} and {@code /proc/net/sockstat6}: cheap
 * to read (the kernel prints a few counters, it does not walk the tables), so a monitor
 * can read them often and read the full {@link TcpTable} only when they say it is worth it.
 *
 * <pre>
 * sockets: used 27
 * TCP: inuse 20 orphan 0 tw 57 alloc 28 mem 222
 * TCP6: inuse 7
 * </pre>
 *
 * <p>Counts are for this network namespace. Immutable and thread-safe.
 */
public final class SockStat {

    private final long socketsUsed;
    private final long tcpInUse;
    private final long tcpOrphan;
    private final long tcpTimeWait;
    private final long tcpAlloc;
    private final long tcpMemPages;
    private final long tcp6InUse;

    private SockStat(long socketsUsed, long tcpInUse, long tcpOrphan, long tcpTimeWait, long tcpAlloc,
                     long tcpMemPages, long tcp6InUse) {
        this.socketsUsed = socketsUsed;
        this.tcpInUse = tcpInUse;
        this.tcpOrphan = tcpOrphan;
        this.tcpTimeWait = tcpTimeWait;
        this.tcpAlloc = tcpAlloc;
        this.tcpMemPages = tcpMemPages;
        this.tcp6InUse = tcp6InUse;
    }

    /**
     * Parses the two files.
     *
     * @param sockstat the text of {@code sockstat}
     * @param sockstat6 the text of {@code sockstat6}, or null when IPv6 is disabled (then there are no TCP6 sockets)
     * @throws IllegalArgumentException if {@code sockstat} has no {@code TCP:} line with the expected counters
     */
    static SockStat parse(String sockstat, String sockstat6) {
        Map<String, Long> values = new HashMap<>();
        collect(sockstat, values);
        if (sockstat6 != null) {
            collect(sockstat6, values);
        }
        return new SockStat(
                values.getOrDefault("sockets.used", -1L),
                require(values, "TCP.inuse"),
                require(values, "TCP.orphan"),
                require(values, "TCP.tw"),
                require(values, "TCP.alloc"),
                require(values, "TCP.mem"),
                values.getOrDefault("TCP6.inuse", 0L));
    }

    /** Collects {@code PREFIX: name value name value ...} lines as {@code PREFIX.name -> value}. */
    private static void collect(String text, Map<String, Long> into) {
        for (String line : text.split("\n")) {
            String[] tokens = line.trim().split("\\s+");
            if (tokens.length < 3 || !tokens[0].endsWith(":")) {
                continue;
            }
            String prefix = tokens[0].substring(0, tokens[0].length() - 1);
            for (int i = 1; i + 1 < tokens.length; i += 2) {
                try {
                    into.put(prefix + '.' + tokens[i], Long.parseLong(tokens[i + 1]));
                } catch (NumberFormatException e) {
                    // A counter this reader does not need may change format; the required ones are checked below.
                }
            }
        }
    }

    private static long require(Map<String, Long> values, String key) {
        Long value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("no counter " + key);
        }
        return value;
    }

    /**
     * Returns {@code sockets: used}, all sockets of every family.
     *
     * @return the count, -1 if the line is missing
     */
    public long socketsUsed() {
        return socketsUsed;
    }

    /**
     * Returns {@code TCP: inuse}: IPv4 TCP sockets that are not time-wait mini-sockets
     * (listeners included; dual-stack sockets count under {@link #tcp6InUse()}).
     *
     * @return the count
     */
    public long tcpInUse() {
        return tcpInUse;
    }

    /**
     * Returns {@code TCP: orphan}: sockets closed by their process that the kernel still
     * finishes (FIN_WAIT1, LAST_ACK, CLOSING, full-socket FIN_WAIT2).
     *
     * @return the count
     */
    public long tcpOrphan() {
        return tcpOrphan;
    }

    /**
     * Returns {@code TCP: tw}: every time-wait mini-socket of both IPv4 and IPv6, which is
     * the TIME_WAIT sockets and also the FIN_WAIT2 ones an orphaned close leaves behind
     * (state 05, inode 0 in the tables). It is therefore larger than the TIME_WAIT count of
     * a {@link TcpTable}: in the bundled fixture, 57 = 52 lines in state 06 + 5 FIN_WAIT2
     * mini-sockets. It is also what {@code tcp_max_tw_buckets} limits.
     *
     * @return the count
     */
    public long tcpTimeWait() {
        return tcpTimeWait;
    }

    /**
     * Returns {@code TCP: alloc}: TCP sockets allocated, both families, orphans included.
     *
     * @return the count
     */
    public long tcpAlloc() {
        return tcpAlloc;
    }

    /**
     * Returns {@code TCP: mem}: memory used by TCP buffers, in pages (usually 4 KiB),
     * which {@code tcp_mem} limits.
     *
     * @return pages
     */
    public long tcpMemPages() {
        return tcpMemPages;
    }

    /**
     * Returns {@code TCP6: inuse}: IPv6 (including dual-stack) TCP sockets that are not
     * time-wait mini-sockets.
     *
     * @return the count, 0 when {@code sockstat6} is absent because IPv6 is disabled
     */
    public long tcp6InUse() {
        return tcp6InUse;
    }

    @Override
    public String toString() {
        return "SockStat{tcpInUse=" + tcpInUse + ", tcp6InUse=" + tcp6InUse + ", tcpTimeWait=" + tcpTimeWait
                + ", tcpOrphan=" + tcpOrphan + ", tcpAlloc=" + tcpAlloc + ", tcpMemPages=" + tcpMemPages
                + ", socketsUsed=" + socketsUsed + '}';
    }
}
