/**
 * Test support shared through the portkeeper-core test-jar: {@link dev.portkeeper.testing.Netns}
 * runs a {@link dev.portkeeper.testing.NetnsScenario} in a child JVM inside a private Linux network
 * namespace (narrow ephemeral-port range, {@code tcp_tw_reuse=0}, loopback only), so TIME_WAIT
 * build-up and ephemeral-port exhaustion can be reproduced with real sockets without touching the
 * host; {@link dev.portkeeper.testing.RequiresNetns} skips (or, with
 * {@code PORTKEEPER_REQUIRE_NETNS=1}, fails) tests where that is impossible.
 */
package dev.portkeeper.testing;
