package dev.portkeeper.kernel;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * Parses the bytes of {@code /proc/net/tcp} or {@code /proc/net/tcp6} by walking them with
 * an index: a 20,000-socket table is about 3 MB, and a scan must cost little more than
 * reading it, so there is no String, regex or boxing per line, and the file is walked once
 * (fields are read up to the inode, then the rest of the line is skipped eight bytes at a time).
 *
 * <p>A line is, per the kernel's {@code get_tcp4_sock}/{@code get_tcp6_sock}:
 * <pre>
 *   sl  local_address rem_address   st tx_queue rx_queue tr tm-&gt;when retrnsmt   uid  timeout inode
 *    0: 0100007F:2BCB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 8246 1 ...
 * </pre>
 * Addresses are 32-bit words printed with {@code %08X} in host byte order; ports are plain
 * hex. Every line has more fields after the inode (refcount, pointer, ...): requiring one
 * is how a line cut short inside the inode is told from a complete one.
 *
 * <p>One instance parses one buffer; not thread-safe.
 */
final class TcpTableParser {

    private static final byte[] HEX_VALUE = new byte[256];

    static {
        Arrays.fill(HEX_VALUE, (byte) -1);
        for (int c = '0'; c <= '9'; c++) {
            HEX_VALUE[c] = (byte) (c - '0');
        }
        for (int c = 'A'; c <= 'F'; c++) {
            HEX_VALUE[c] = (byte) (c - 'A' + 10);
            HEX_VALUE[c + ('a' - 'A')] = (byte) (c - 'A' + 10);
        }
    }

    /** Returned by the field readers for "no valid field here"; every valid field is non-negative. */
    private static final long NONE = -1;

    private final byte[] buf;
    private final int length;
    private final boolean tcp6;
    private final boolean littleEndian;

    /** The next byte to read; field readers advance it past what they consumed. */
    private int pos;
    // The address just decoded, kept in fields so that decoding allocates nothing.
    private long addrHi;
    private long addrLo;
    private boolean addrMapped;

    private TcpTableParser(byte[] buf, int length, boolean tcp6, ByteOrder hostOrder) {
        this.buf = buf;
        this.length = length;
        this.tcp6 = tcp6;
        this.littleEndian = hostOrder == ByteOrder.LITTLE_ENDIAN;
    }

    /**
     * Appends the sockets in {@code buf[0, length)} to {@code out}.
     *
     * @param hostOrder the byte order of the host that wrote the file (the kernel prints each
     *                  address word as a native integer)
     * @return the number of lines skipped as malformed
     */
    static int parse(byte[] buf, int length, boolean tcp6, ByteOrder hostOrder, List<TcpSocket> out) {
        return new TcpTableParser(buf, length, tcp6, hostOrder).parseInto(out);
    }

    private int parseInto(List<TcpSocket> out) {
        int skipped = 0;
        boolean firstLine = true;
        while (pos < length) {
            skipSpaces();
            boolean blank = pos == length || buf[pos] == '\n';
            if (!blank && !(firstLine && isHeader())) {
                TcpSocket socket = parseLine();
                if (socket == null) {
                    skipped++;
                } else {
                    out.add(socket);
                }
            }
            firstLine = false;
            pos = Swar.indexOfNewline(buf, pos, length) + 1;
        }
        return skipped;
    }

    private boolean isHeader() {
        return pos + 1 < length && buf[pos] == 's' && buf[pos + 1] == 'l';
    }

    /**
     * Parses the line at {@code pos} (leading spaces skipped) up to the field after the inode;
     * null if it is malformed. Every field reader stops at the newline, so a short line fails.
     */
    private TcpSocket parseLine() {
        if (decimal() == NONE || !expect(':') || !spaces()) {
            return null;
        }
        if (!address() || !expect(':')) {
            return null;
        }
        long localHi = addrHi;
        long localLo = addrLo;
        boolean mapped = addrMapped;
        long localPort = hex(4);
        if (localPort == NONE || !spaces() || !address() || !expect(':')) {
            return null;
        }
        long remotePort = hex(4);
        if (remotePort == NONE || !spaces()) {
            return null;
        }
        long code = hex(2);
        TcpState state = code == NONE ? null : TcpState.byCodeOrNull((int) code);
        if (state == null || !spaces()) {
            return null;
        }
        long sendQueue = hex(15);
        if (sendQueue == NONE || !expect(':')) {
            return null;
        }
        long receiveQueue = hex(15);
        if (receiveQueue == NONE || !spaces()) {
            return null;
        }
        long timerActive = hex(2);
        if (timerActive == NONE || !expect(':')) {
            return null;
        }
        long timerJiffies = hex(15);
        if (timerJiffies == NONE || !spaces() || hex(15) == NONE || !spaces()) { // retrnsmt
            return null;
        }
        long uid = decimal();
        if (uid == NONE || !spaces() || !skipSignedDecimal() || !spaces()) { // timeout
            return null;
        }
        long inode = decimal();
        if (inode == NONE || !spaces() || pos == length || buf[pos] == '\n') { // a field must follow, see class doc
            return null;
        }
        return new TcpSocket(localHi, localLo, (int) localPort, addrHi, addrLo, (int) remotePort, state,
                sendQueue, receiveQueue, (int) timerActive, timerJiffies, uid, inode, tcp6, mapped);
    }

    /** Decodes an address of 8 (tcp) or 32 (tcp6) hex digits into addrHi/addrLo/addrMapped. */
    private boolean address() {
        if (!tcp6) {
            long w = word();
            if (w == NONE) {
                return false;
            }
            addrHi = 0;
            addrLo = Ip128.v4Lo((int) w);
            addrMapped = false;
            return true;
        }
        long w0 = word();
        long w1 = word();
        long w2 = word();
        long w3 = word();
        if (w0 == NONE || w1 == NONE || w2 == NONE || w3 == NONE) {
            return false;
        }
        addrHi = w0 << 32 | w1;
        addrLo = w2 << 32 | w3;
        addrMapped = Ip128.isV4(addrHi, addrLo);
        return true;
    }

    /** Reads exactly 8 hex digits, one 32-bit word of an address, and returns it in network order. */
    private long word() {
        if (pos + 8 > length) {
            return NONE;
        }
        long value = Swar.hex8(buf, pos);
        if (value == NONE) {
            return NONE;
        }
        pos += 8;
        return littleEndian ? Integer.reverseBytes((int) value) & 0xFFFF_FFFFL : value;
    }

    /** Reads 1 to maxDigits hex digits; 15 at most keeps the value a non-negative long. */
    private long hex(int maxDigits) {
        if (maxDigits >= 8 && pos + 9 <= length && HEX_VALUE[buf[pos + 8] & 0xFF] < 0) {
            // The kernel's %08X: exactly eight digits, decoded at once.
            long value = Swar.hex8(buf, pos);
            if (value != NONE) {
                pos += 8;
                return value;
            }
        }
        int p = pos;
        long value = 0;
        while (p < length) {
            int digit = HEX_VALUE[buf[p] & 0xFF];
            if (digit < 0) {
                break;
            }
            value = value << 4 | digit;
            p++;
        }
        int digits = p - pos;
        pos = p;
        return digits == 0 || digits > maxDigits ? NONE : value;
    }

    /** Reads 1 to 18 decimal digits; more could overflow a long and no field has that many. */
    private long decimal() {
        int p = pos;
        long value = 0;
        while (p < length) {
            int digit = buf[p] - '0';
            if (digit < 0 || digit > 9) {
                break;
            }
            value = value * 10 + digit;
            p++;
        }
        int digits = p - pos;
        pos = p;
        return digits == 0 || digits > 18 ? NONE : value;
    }

    private boolean skipSignedDecimal() {
        if (pos < length && buf[pos] == '-') {
            pos++;
        }
        return decimal() != NONE;
    }

    private boolean expect(char c) {
        if (pos < length && buf[pos] == c) {
            pos++;
            return true;
        }
        return false;
    }

    /** Skips one or more spaces; false if there was none, since fields are always separated. */
    private boolean spaces() {
        int start = pos;
        skipSpaces();
        return pos > start;
    }

    private void skipSpaces() {
        int p = pos;
        while (p < length && buf[p] == ' ') {
            p++;
        }
        pos = p;
    }
}
