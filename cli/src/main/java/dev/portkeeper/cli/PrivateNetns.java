package dev.portkeeper.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prepares the private network namespace that {@code demo --netns} runs in: loopback up, a
 * narrow ephemeral range and {@code tcp_tw_reuse=0}, so that short connections run out of ports
 * within seconds. Portkeeper never changes a host's sysctls, so before writing anything it checks
 * that this process is in a namespace of its own: not its parent's, not PID 1's, and with no
 * interface up but loopback (a fresh {@code unshare -n}). Otherwise it refuses, and writes nothing.
 */
final class PrivateNetns {
    static final int LOW_PORT = 40000;
    static final int HIGH_PORT = 40999;
    static final Map<String, String> SYSCTLS = sysctls();

    private static final Pattern NETNS_ID = Pattern.compile("net:\\[\\d+\\]");
    private static final Pattern LINK = Pattern.compile("^\\d+:\\s+([^:@\\s]+)(?:@\\S+)?:\\s+<([^>]*)>");
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(15);

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
        return Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
    }

    /**
     * Checks that this is a private namespace, then brings loopback up and sets {@link #SYSCTLS}.
     *
     * @param parentId the namespace of the process that started this one
     * @return this namespace's id
     * @throws IllegalStateException if the checks or the setup fail; nothing was written if a check failed
     */
    static String enter(String parentId) {
        String own = requirePrivate(parentId);
        Path ip = ProcessRunner.find("ip").orElseThrow(() -> new IllegalStateException("'ip' (iproute2) not found"));
        ProcessRunner.Result up = ProcessRunner.run(List.of(ip.toString(), "link", "set", "lo", "up"), IP_TIMEOUT);
        if (!up.ok()) {
            throw new IllegalStateException("'ip link set lo up' failed: " + up.describe());
        }
        for (Map.Entry<String, String> e : SYSCTLS.entrySet()) {
            write(e.getKey(), e.getValue());
        }
        return own;
    }

    /** The safety check: returns this namespace's id, or throws if it may be the host's. */
    static String requirePrivate(String parentId) {
        if (parentId == null || !NETNS_ID.matcher(parentId).matches()) {
            throw new IllegalStateException("refusing to change sysctls: '" + parentId
                    + "' is not a network namespace id (net:[inode])");
        }
        String own;
        try {
            own = currentId();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("refusing to change sysctls: cannot read /proc/self/ns/net: " + e);
        }
        if (own.equals(parentId)) {
            throw new IllegalStateException("refusing to change sysctls: still in the parent's network namespace "
                    + own + " (not started under unshare -n)");
        }
        try {
            String init = Files.readSymbolicLink(Path.of("/proc/1/ns/net")).toString();
            if (own.equals(init)) {
                throw new IllegalStateException("refusing to change sysctls: in the network namespace of PID 1 ("
                        + own + ")");
            }
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // PID 1's namespace is often unreadable (a user namespace); the other checks stand.
        }
        List<String> up = nonLoopbackUp();
        if (!up.isEmpty()) {
            throw new IllegalStateException("refusing to change sysctls: network namespace " + own
                    + " is not a fresh one, interfaces are up: " + up);
        }
        return own;
    }

    /** Interfaces other than loopback that are up, from {@code ip -o link show}: a fresh namespace has none. */
    private static List<String> nonLoopbackUp() {
        Path ip = ProcessRunner.find("ip").orElseThrow(() -> new IllegalStateException(
                "refusing to change sysctls: 'ip' (iproute2) not found, so the interfaces cannot be checked"));
        ProcessRunner.Result links = ProcessRunner.run(List.of(ip.toString(), "-o", "link", "show"), IP_TIMEOUT);
        if (!links.ok()) {
            throw new IllegalStateException("refusing to change sysctls: cannot list interfaces: " + links.describe());
        }
        List<String> up = new ArrayList<>();
        for (String line : links.output().split("\\R")) {
            Matcher m = LINK.matcher(line);
            if (m.find()) {
                List<String> flags = List.of(m.group(2).split(","));
                if (!m.group(1).equals("lo") && !flags.contains("LOOPBACK") && flags.contains("UP")) {
                    up.add(m.group(1));
                }
            }
        }
        return up;
    }

    private static void write(String name, String value) {
        Path path = Path.of("/proc/sys", name.replace('.', '/'));
        try {
            // Never CREATE: only an existing sysctl of this namespace is written.
            Files.write(path, (value + "\n").getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            String back = read(path).strip().replaceAll("\\s+", " ");
            if (!back.equals(value)) {
                throw new IllegalStateException(name + " reads back '" + back + "' after writing '" + value + "'");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot set " + name + "=" + value + " in the namespace: " + e, e);
        }
    }

    /** Reads a sysctl in one large read: sysctl files answer EOF to a read at a non-zero offset. */
    private static String read(Path path) throws IOException {
        byte[] buf = new byte[4096];
        int length = 0;
        try (InputStream in = Files.newInputStream(path)) {
            int n;
            while (length < buf.length && (n = in.read(buf, length, buf.length - length)) > 0) {
                length += n;
            }
        }
        return new String(buf, 0, length, StandardCharsets.US_ASCII);
    }
}
