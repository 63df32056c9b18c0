package dev.portkeeper.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TcpStateTest {

    @Test
    void codesAreTheKernels() {
        assertThat(Arrays.stream(TcpState.values()).mapToInt(TcpState::code)).containsExactly(
                0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C);
        assertThat(TcpState.fromCode(0x06)).isEqualTo(TcpState.TIME_WAIT);
        assertThat(TcpState.fromCode(0x08)).isEqualTo(TcpState.CLOSE_WAIT);
        assertThat(TcpState.fromCode(0x0A)).isEqualTo(TcpState.LISTEN);
        for (TcpState state : TcpState.values()) {
            assertThat(TcpState.fromCode(state.code())).isSameAs(state);
        }
    }

    @Test
    void namesAreTheKernelsWhichSsPrintsWithHyphens() {
        // ss -tan prints ESTAB SYN-SENT SYN-RECV FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT UNCONN CLOSE-WAIT LAST-ACK LISTEN CLOSING
        assertThat(Arrays.stream(TcpState.values()).map(Enum::name)).containsExactly(
                "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE",
                "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV");
    }

    @Test
    void unknownCodesAreRejectedWithTheCode() {
        assertThatIllegalArgumentException().isThrownBy(() -> TcpState.fromCode(0)).withMessageContaining("0x0");
        assertThatIllegalArgumentException().isThrownBy(() -> TcpState.fromCode(0x0D)).withMessageContaining("0xd");
        assertThatIllegalArgumentException().isThrownBy(() -> TcpState.fromCode(-1));
        assertThat(TcpState.byCodeOrNull(0x0D)).isNull();
    }
}
