package dev.portkeeper.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The 8-bytes-at-a-time helpers against the obvious per-byte definitions. */
class SwarTest {

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void decodesEightHexDigitsOfEitherCase() {
        assertThat(Swar.hex8(ascii("0100007F"), 0)).isEqualTo(0x0100007FL);
        assertThat(Swar.hex8(ascii("FFFFFFFF"), 0)).isEqualTo(0xFFFF_FFFFL);
        assertThat(Swar.hex8(ascii("deadBEEF"), 0)).isEqualTo(0xDEAD_BEEFL);
        assertThat(Swar.hex8(ascii("00000000"), 0)).isZero();
        assertThat(Swar.hex8(ascii("xx12345678yy"), 2)).isEqualTo(0x1234_5678L);
        Random random = new Random(42);
        for (int i = 0; i < 10_000; i++) {
            long value = random.nextInt() & 0xFFFF_FFFFL;
            String text = String.format(Locale.ROOT, i % 2 == 0 ? "%08X" : "%08x", value);
            assertThat(Swar.hex8(ascii(text), 0)).as(text).isEqualTo(value);
        }
    }

    @Test
    void rejectsEveryNonHexByteInEveryPosition() {
        for (int c = 0; c < 256; c++) {
            boolean hex = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
            for (int at = 0; at < 8; at++) {
                byte[] bytes = ascii("12345678");
                bytes[at] = (byte) c;
                assertThat(Swar.hex8(bytes, 0) >= 0).as("byte 0x%02X at %d", c, at).isEqualTo(hex);
            }
        }
    }

    @Test
    void findsTheFirstNewlineWithinTheLimit() {
        byte[] text = ascii("abcdefghij\nklmnopqrstuvwxyz\n0123");
        assertThat(Swar.indexOfNewline(text, 0, text.length)).isEqualTo(10);
        assertThat(Swar.indexOfNewline(text, 11, text.length)).isEqualTo(27);
        assertThat(Swar.indexOfNewline(text, 28, text.length)).isEqualTo(text.length);
        assertThat(Swar.indexOfNewline(text, 0, 10)).as("a newline at the limit is not seen").isEqualTo(10);
        assertThat(Swar.indexOfNewline(text, 0, 5)).isEqualTo(5);
        assertThat(Swar.indexOfNewline(new byte[0], 0, 0)).isZero();
        for (int at = 0; at < 40; at++) {
            byte[] bytes = new byte[40];
            Arrays.fill(bytes, (byte) ('\n' + 1)); // a neighbour value, to catch borrow mistakes
            bytes[at] = '\n';
            assertThat(Swar.indexOfNewline(bytes, 0, bytes.length)).isEqualTo(at);
        }
    }
}
