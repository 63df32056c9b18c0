package dev.portkeeper.kernel;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Writes {@code /proc/net/tcp} and {@code /proc/net/tcp6} text the way the kernel does
 * ({@code get_tcp4_sock}, {@code get_tcp6_sock}, {@code get_timewait4_sock}, ...), for a
 * little-endian host, so tests can build tables of any shape. Read the result with
 * {@code ByteOrder.LITTLE_ENDIAN}.
 *
 * <p>IPv4 addresses given to a {@code tcp6} table are written v4-mapped, as the kernel does
 * for a dual-stack socket.
 */
public final class TcpLines {

    public static final String TCP_HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt"
            + "   uid  timeout inode                                                     ";
    public static final String TCP6_HEADER = "  sl  local_address                         remote_address"
            + "                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";

    /** tcp4 lines are padded to this width by the kernel's seq_pad (TMPSZ - 1). */
    private static final int TCP4_LINE_WIDTH = 149;

    private final boolean tcp6;
    private final StringBuilder text;
    private int slot;

    private TcpLines(boolean tcp6) {
        this.tcp6 = tcp6;
        this.text = new StringBuilder(tcp6 ? TCP6_HEADER : TCP_HEADER).append('\n');
    }

    /** Starts a {@code /proc/net/tcp} text with its header. */
    public static TcpLines tcp() {
        return new TcpLines(false);
    }

    /** Starts a {@code /proc/net/tcp6} text with its header. */
    public static TcpLines tcp6() {
        return new TcpLines(true);
    }

    /**
     * Adds a full socket (any state but the time-wait mini-sockets), no timer running.
     */
    public TcpLines socket(String local, int localPort, String remote, int remotePort, TcpState state, long inode) {
        return line(local, localPort, remote, remotePort, state, 0, 0, 1000, inode, true);
    }

    /**
     * Adds a time-wait mini-socket: TIME_WAIT, or FIN_WAIT2 after an orphaned close; tr 3, inode 0.
     */
    public TcpLines miniSocket(String local, int localPort, String remote, int remotePort, TcpState state,
                               long jiffiesLeft) {
        return line(local, localPort, remote, remotePort, state, 3, jiffiesLeft, 0, 0, false);
    }

    /** Adds a line as is (no newline needed), e.g. a malformed one. */
    public TcpLines raw(String line) {
        text.append(line).append('\n');
        slot++;
        return this;
    }

    private TcpLines line(String local, int localPort, String remote, int remotePort, TcpState state,
                          int timer, long jiffies, long uid, long inode, boolean fullSocket) {
        int start = text.length();
        text.append(String.format(Locale.ROOT, "%4d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08X %08X %5d %8d %d",
                slot++, hex(local), localPort, hex(remote), remotePort, state.code(), 0, 0, timer, jiffies, 0,
                uid, 0, inode));
        if (fullSocket) {
            text.append(" 1 00000000c0ffee00 20 4 30 10 -1");
        } else {
            text.append(" 3 00000000c0ffee00");
        }
        if (!tcp6) {
            while (text.length() - start < TCP4_LINE_WIDTH) {
                text.append(' ');
            }
        }
        text.append('\n');
        return this;
    }

    /** The address as the kernel prints it on a little-endian host. */
    String hex(String address) {
        byte[] b;
        try {
            b = InetAddress.getByName(address).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(address, e);
        }
        if (b.length == 4 && tcp6) {
            b = new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, b[0], b[1], b[2], b[3]};
        } else if (b.length == 16 && !tcp6) {
            throw new IllegalArgumentException("IPv6 address in a tcp (IPv4) table: " + address);
        }
        return littleEndianWords(b);
    }

    /** Each 4-byte group of a network-order address printed as a little-endian u32 with %08X. */
    static String littleEndianWords(byte[] networkOrder) {
        StringBuilder sb = new StringBuilder(networkOrder.length * 2);
        for (int i = 0; i < networkOrder.length; i += 4) {
            int word = (networkOrder[i] & 0xFF) | (networkOrder[i + 1] & 0xFF) << 8
                    | (networkOrder[i + 2] & 0xFF) << 16 | (networkOrder[i + 3] & 0xFF) << 24;
            sb.append(String.format(Locale.ROOT, "%08X", word));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
