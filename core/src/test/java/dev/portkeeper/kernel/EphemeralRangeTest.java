package dev.portkeeper.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class EphemeralRangeTest {

    @Test
    void linuxDefault() {
        assertThat(EphemeralRange.LINUX_DEFAULT.low()).isEqualTo(32768);
        assertThat(EphemeralRange.LINUX_DEFAULT.high()).isEqualTo(60999);
        assertThat(EphemeralRange.LINUX_DEFAULT.size()).isEqualTo(28_232);
        assertThat(EphemeralRange.LINUX_DEFAULT.capacity()).isEqualTo(28_232);
    }

    @Test
    void parsesTheKernelsFormats() {
        EphemeralRange range = EphemeralRange.parse("40000\t40999\n", "8080,40100-40109,40995-41010\n");

        assertThat(range.low()).isEqualTo(40000);
        assertThat(range.high()).isEqualTo(40999);
        assertThat(range.size()).isEqualTo(1000);
        assertThat(range.reservedInRange()).isEqualTo(10 + 5);
        assertThat(range.capacity()).isEqualTo(985);
        assertThat(range.reservedPorts()).isEqualTo("8080,40100-40109,40995-41010");
        assertThat(range).hasToString("40000-40999 (1000 ports, 15 reserved: 8080,40100-40109,40995-41010)");
        assertThat(EphemeralRange.parse("40000 40999", "")).isEqualTo(EphemeralRange.of(40000, 40999));
    }

    @Test
    void membership() {
        EphemeralRange range = EphemeralRange.of(40000, 40999, "40100-40109");

        assertThat(range.contains(40000)).isTrue();
        assertThat(range.contains(40999)).isTrue();
        assertThat(range.contains(39999)).isFalse();
        assertThat(range.contains(41000)).isFalse();
        assertThat(range.isReserved(40100)).isTrue();
        assertThat(range.isReserved(40109)).isTrue();
        assertThat(range.isReserved(40110)).isFalse();
        assertThat(range.isEphemeral(40100)).isFalse();
        assertThat(range.isEphemeral(40110)).isTrue();
        assertThat(range.isEphemeral(8080)).isFalse();
    }

    @Test
    void reservedPortsAreSortedAndMerged() {
        EphemeralRange range = EphemeralRange.of(1000, 2000, " 1500 , 1400-1499,1501, 1200 ");

        assertThat(range.reservedPorts()).isEqualTo("1200,1400-1501");
        assertThat(range.reservedInRange()).isEqualTo(1 + 102);
        assertThat(range).isEqualTo(EphemeralRange.of(1000, 2000, "1200,1400-1501"));
        assertThat(range.hashCode()).isEqualTo(EphemeralRange.of(1000, 2000, "1200,1400-1501").hashCode());
    }

    @Test
    void rejectsWhatTheKernelWouldNotPrint() {
        assertThatIllegalArgumentException().isThrownBy(() -> EphemeralRange.of(50000, 40000))
                .withMessage("port range must satisfy 1 <= low <= high <= 65535: 50000-40000");
        assertThatIllegalArgumentException().isThrownBy(() -> EphemeralRange.of(0, 10));
        assertThatIllegalArgumentException().isThrownBy(() -> EphemeralRange.of(1, 65536));
        assertThatIllegalArgumentException().isThrownBy(() -> EphemeralRange.parse("40000", ""))
                .withMessage("expected two ports: '40000'");
        assertThatIllegalArgumentException().isThrownBy(() -> EphemeralRange.of(1, 2, "9010-9000"))
                .withMessage("reserved port range ends before it starts: '9010-9000'");
        assertThatIllegalArgumentException().isThrownBy(() -> EphemeralRange.of(1, 2, "http"))
                .withMessage("not a port: 'http'");
        assertThatIllegalArgumentException().isThrownBy(() -> EphemeralRange.of(1, 2, "70000"))
                .withMessage("port out of 0-65535: 70000");
    }
}
