/**
 * Private network namespaces, for the CLI's {@code demo --netns} and for the tests that exhaust
 * ephemeral ports: finding and running the helper commands ({@code unshare}, {@code ip}) with a
 * time limit, probing how {@code unshare -n} can be run here, and, inside the new namespace, the
 * guard that refuses to write any sysctl unless this process is in a fresh namespace of its own,
 * then loopback up and the per-namespace {@code net.*} sysctls written and read back.
 *
 * <p>Nothing here is Portkeeper's library API: it depends on the JDK alone, so that the CLI can
 * carry it in its jar and core's tests can use it without the CLI.
 */
package dev.portkeeper.netns;
