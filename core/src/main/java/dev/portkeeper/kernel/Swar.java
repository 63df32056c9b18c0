package dev.portkeeper.kernel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Eight bytes at a time ("SIMD within a register") for the two loops that dominate a table
 * scan: finding the end of a line and decoding the 8-digit hex words of addresses. Plain
 * per-byte loops made the parse cost several times the read of the file.
 *
 * <p>Every method needs {@code at + 8 <= limit} for its 8-byte reads; bytes past
 * {@code limit} are never looked at.
 */
final class Swar {

    private static final VarHandle LITTLE_ENDIAN_LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BIG_ENDIAN_LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private static final long ONES = 0x0101_0101_0101_0101L;
    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;
    private static final long NEWLINES = ONES * '\n';

    private Swar() {
    }

    /** Returns the index of the first {@code '\n'} in {@code b[from, limit)}, or {@code limit} if none. */
    static int indexOfNewline(byte[] b, int from, int limit) {
        int i = from;
        for (; i + 8 <= limit; i += 8) {
            long x = (long) LITTLE_ENDIAN_LONGS.get(b, i) ^ NEWLINES;
            // A zero byte of x is a newline; the lowest flagged byte is always a true one.
            long found = (x - ONES) & ~x & HIGH_BITS;
            if (found != 0) {
                return i + (Long.numberOfTrailingZeros(found) >>> 3);
            }
        }
        for (; i < limit; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return limit;
    }

    /**
     * Decodes the 8 hex digits (either case) at {@code b[at, at + 8)} as the 32-bit value they
     * spell, first digit most significant.
     *
     * @return the value in {@code [0, 2^32)}, or -1 if any of the 8 bytes is not a hex digit
     */
    static long hex8(byte[] b, int at) {
        long x = (long) BIG_ENDIAN_LONGS.get(b, at);
        if ((x & HIGH_BITS) != 0) {
            return -1;
        }
        // With every byte below 0x80, adding c to a byte sets its high bit iff byte + c >= 0x80,
        // and no carry crosses into the next byte: a range check on all 8 bytes at once.
        long digit = (x + ONES * (0x80 - '0')) & ~(x + ONES * (0x7F - '9'));
        long upper = x & ~(ONES * 0x20); // 'a'-'f' folded onto 'A'-'F'
        long letter = (upper + ONES * (0x80 - 'A')) & ~(upper + ONES * (0x7F - 'F'));
        if (((digit | letter) & HIGH_BITS) != HIGH_BITS) {
            return -1;
        }
        // '0'-'9' have bit 6 clear and their low nibble is the value; letters add 9 to theirs.
        long nibbles = (x & ONES * 0x0F) + ((letter & HIGH_BITS) >>> 7) * 9;
        nibbles = (nibbles | nibbles >>> 4) & 0x00FF_00FF_00FF_00FFL;
        nibbles = (nibbles | nibbles >>> 8) & 0x0000_FFFF_0000_FFFFL;
        return (nibbles | nibbles >>> 16) & 0xFFFF_FFFFL;
    }
}
