package dev.portkeeper.cli;

import dev.portkeeper.netns.PrivateNamespace;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The namespace {@code demo --netns} runs in: loopback up, a narrow ephemeral range and
 * {@code tcp_tw_reuse=0}, so that short connections run out of ports within seconds. The guard and
 * the writing are {@link PrivateNamespace}'s, shared with the tests: nothing is written unless this
 * process is in a fresh namespace of its own.
 */
final class PrivateNetns {
    static final int LOW_PORT = 40000;
    static final int HIGH_PORT = 40999;
    static final Map<String, String> SYSCTLS = sysctls();

    private PrivateNetns() {
    }

    private static Map<String, String> sysctls() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("net.ipv4.ip_local_port_range", LOW_PORT + " " + HIGH_PORT);
        m.put("net.ipv4.tcp_tw_reuse", "0");
        return m;
    }

    /** @return this process's network namespace, e.g. {@code net:[4026531840]} */
    static String currentId() throws IOException {
        return PrivateNamespace.currentId();
    }

    /**
     * Checks that this is a private namespace, then brings loopback up and sets {@link #SYSCTLS}.
     *
     * @param parentId the namespace of the process that started this one
     * @return this namespace's id
     * @throws SecurityException if the guard refuses; nothing was written
     * @throws IllegalStateException if the setup fails
     */
    static String enter(String parentId) {
        String own = PrivateNamespace.requirePrivate(parentId);
        try {
            PrivateNamespace.bringLoopbackUp();
            for (Map.Entry<String, String> e : SYSCTLS.entrySet()) {
                PrivateNamespace.writeSysctl(e.getKey(), e.getValue());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return own;
    }
}
