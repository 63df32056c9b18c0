package dev.portkeeper.kernel;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IP address held as two longs in network byte order, so that a table of thousands
 * of sockets can be compared and filtered without building {@link InetAddress} objects.
 *
 * <p>IPv4 addresses are held in their v4-mapped form ({@code ::ffff:a.b.c.d}): an IPv4
 * socket from {@code tcp} and a dual-stack socket from {@code tcp6} talking to the same
 * IPv4 peer then compare equal, as they share one port space in the kernel.
 */
final class Ip128 {

    /** The upper 32 bits of {@code lo} in a v4-mapped address. */
    private static final long V4_MAPPED_MARK = 0xFFFFL;
    private static final long LOW_32 = 0xFFFF_FFFFL;

    private Ip128() {
    }

    /** Returns {@code lo} of the v4-mapped form of an IPv4 address given in network order. */
    static long v4Lo(int v4) {
        return (V4_MAPPED_MARK << 32) | (v4 & LOW_32);
    }

    static boolean isV4(long hi, long lo) {
        return hi == 0 && (lo >>> 32) == V4_MAPPED_MARK;
    }

    static boolean isLoopback(long hi, long lo) {
        if (isV4(hi, lo)) {
            return (lo & 0xFF00_0000L) == 0x7F00_0000L;
        }
        return hi == 0 && lo == 1;
    }

    static InetAddress toInetAddress(long hi, long lo) {
        byte[] bytes;
        if (isV4(hi, lo)) {
            bytes = new byte[4];
            putInt(bytes, 0, (int) lo);
        } else {
            bytes = new byte[16];
            putInt(bytes, 0, (int) (hi >>> 32));
            putInt(bytes, 4, (int) hi);
            putInt(bytes, 8, (int) (lo >>> 32));
            putInt(bytes, 12, (int) lo);
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes are always a valid address", e);
        }
    }

    /** The {@code hi} word of an address, see {@link #lo(InetAddress)}. */
    static long hi(InetAddress address) {
        if (address instanceof Inet4Address) {
            return 0;
        }
        byte[] b = requireV6(address).getAddress();
        return getLong(b, 0);
    }

    /** The {@code lo} word of an address; the scope of a link-local IPv6 address is ignored, as procfs does. */
    static long lo(InetAddress address) {
        if (address instanceof Inet4Address) {
            byte[] b = address.getAddress();
            return v4Lo(getInt(b, 0));
        }
        byte[] b = requireV6(address).getAddress();
        return getLong(b, 8);
    }

    /** Formats as {@code 127.0.0.1} or {@code [::1]}, ready to be followed by {@code :port}. */
    static String format(long hi, long lo) {
        String host = toInetAddress(hi, lo).getHostAddress();
        return isV4(hi, lo) ? host : "[" + host + "]";
    }

    private static Inet6Address requireV6(InetAddress address) {
        if (address instanceof Inet6Address) {
            return (Inet6Address) address;
        }
        throw new IllegalArgumentException("neither IPv4 nor IPv6: " + address);
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private static int getInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }

    private static long getLong(byte[] b, int at) {
        return ((long) getInt(b, at) << 32) | (getInt(b, at + 4) & LOW_32);
    }
}
