package dev.portkeeper.cli;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The guard of {@code demo --netns}: it writes no sysctl unless it is in a namespace of its own. */
class PrivateNetnsTest {

    @Test
    void refusesInTheParentsNamespace() throws Exception {
        Assumptions.assumeTrue(Files.isSymbolicLink(Path.of("/proc/self/ns/net")), "Linux network namespaces");
        String ownRange = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range"));
        assertThatThrownBy(() -> PrivateNetns.enter(PrivateNetns.currentId()))
                .isInstanceOf(SecurityException.class)
                .hasMessageContaining("refusing to change sysctls: still in the parent's network namespace");
        org.assertj.core.api.Assertions.assertThat(Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")))
                .isEqualTo(ownRange);
    }

    @Test
    void refusesAMalformedParentId() {
        assertThatThrownBy(() -> PrivateNetns.enter("net:[1]; rm -rf /"))
                .isInstanceOf(SecurityException.class).hasMessageContaining("not a network namespace id");
        assertThatThrownBy(() -> PrivateNetns.enter(null)).isInstanceOf(SecurityException.class);
    }
}
