package dev.portkeeper.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The guard writes nothing outside a fresh namespace, and only net.* sysctls pass. */
class PrivateNamespaceTest {
    private static final Path RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    @Test
    void refusesInTheParentsNamespace() throws Exception {
        Assumptions.assumeTrue(Files.isSymbolicLink(Path.of("/proc/self/ns/net")), "Linux network namespaces");
        String range = Files.readString(RANGE);
        assertThatThrownBy(() -> PrivateNamespace.requirePrivate(PrivateNamespace.currentId()))
                .isInstanceOf(SecurityException.class)
                .hasMessageContaining("refusing to change sysctls: still in the parent's network namespace");
        assertThat(Files.readString(RANGE)).isEqualTo(range);
    }

    @Test
    void refusesAMalformedParentId() {
        assertThatThrownBy(() -> PrivateNamespace.requirePrivate("net:[1]; rm -rf /"))
                .isInstanceOf(SecurityException.class).hasMessageContaining("is not a network namespace id");
        assertThatThrownBy(() -> PrivateNamespace.requirePrivate(null)).isInstanceOf(SecurityException.class);
    }

    @Test
    void onlyPerNamespaceSysctls() {
        assertThat(PrivateNamespace.sysctlPath("net.ipv4.tcp_tw_reuse"))
                .isEqualTo(Path.of("/proc/sys/net/ipv4/tcp_tw_reuse"));
        for (String bad : new String[] {"kernel.pid_max", "net.ipv4/../../kernel", "net", "NET.ipv4.x", ""}) {
            assertThatThrownBy(() -> PrivateNamespace.validateSysctlName(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> PrivateNamespace.validateSysctlValue("net.x", "1\n2"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(PrivateNamespace.normalize(" 40000\t40999\n")).isEqualTo("40000 40999");
    }
}
