package dev.portkeeper.netns;

import java.io.IOException;
import java.io.InputStream;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The inside of a private network namespace: the guard, then the setup. Portkeeper never changes
 * a host's sysctls, so before writing anything {@link #requirePrivate(String)} checks that this
 * process is in a namespace of its own: not its parent's, not PID 1's, and with no interface up
 * but loopback (a fresh {@code unshare -n}). Only then may {@link #bringLoopbackUp()} and
 * {@link #writeSysctl(String, String)} run, and the latter writes only existing per-namespace
 * {@code net.*} sysctls, reading each back.
 */
public final class PrivateNamespace {
    /** A namespace id as {@code readlink /proc/self/ns/net} prints it. */
    public static final Pattern NETNS_ID = Pattern.compile("net:\\[\\d+\\]");
    /** Only per-namespace {@code net.*} sysctls; anything else would change the host. */
    public static final Pattern SYSCTL_NAME = Pattern.compile("net(\\.[a-z0-9_]+)+");

    private static final Pattern IP_LINK_LINE = Pattern.compile("^\\d+:\\s+([^:@\\s]+)(?:@\\S+)?:\\s+<([^>]*)>");
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(15);
    private static final String REFUSING = "refusing to change sysctls: ";

    private PrivateNamespace() {
    }

    /**
     * @return this process's network namespace, e.g. {@code net:[4026531840]}
     * @throws IOException if {@code /proc/self/ns/net} cannot be read
     */
    public static String currentId() throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
    }

    /**
     * The guard: returns this namespace's id, or throws if it may be the host's.
     *
     * @param parentId the namespace of the process that started this one, {@code net:[inode]}
     * @return this namespace's id
     * @throws SecurityException if the id is malformed, this is the parent's or PID 1's namespace,
     *     or an interface other than loopback is up (or the interfaces cannot be listed)
     */
    public static String requirePrivate(String parentId) {
        if (parentId == null || !NETNS_ID.matcher(parentId).matches()) {
            throw new SecurityException(REFUSING + "'" + parentId + "' is not a network namespace id (net:[inode])");
        }
        String own;
        try {
            own = currentId();
        } catch (IOException | RuntimeException e) {
            throw new SecurityException(REFUSING + "cannot read /proc/self/ns/net: " + e);
        }
        if (own.equals(parentId)) {
            throw new SecurityException(REFUSING + "still in the parent's network namespace " + own
                    + " (not started under unshare -n)");
        }
        String init = null;
        try {
            init = Files.readSymbolicLink(Path.of("/proc/1/ns/net")).toString();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // PID 1's namespace is often unreadable (a user namespace); the other checks stand.
        }
        if (own.equals(init)) {
            throw new SecurityException(REFUSING + "in the network namespace of PID 1 (" + own + ")");
        }
        List<String> up = upNonLoopbackInterfaces();
        if (!up.isEmpty()) {
            throw new SecurityException(REFUSING + "network namespace " + own
                    + " is not a fresh one, interfaces are up: " + up);
        }
        return own;
    }

    /**
     * Interfaces other than loopback that are administratively up, from {@code ip -o link show}
     * (Java's NetworkInterface sees neither interfaces without addresses nor any while {@code lo}
     * is down). A fresh namespace has none.
     *
     * @return their names
     * @throws SecurityException if {@code ip} is missing or fails, since then nothing can be checked
     */
    public static List<String> upNonLoopbackInterfaces() {
        Path ip = Commands.find("ip").orElseThrow(() -> new SecurityException(
                REFUSING + "'ip' (iproute2) not found, so the interfaces cannot be checked"));
        Commands.Result links = Commands.run(List.of(ip.toString(), "-o", "link", "show"), IP_TIMEOUT);
        if (!links.ok()) {
            throw new SecurityException(REFUSING + "cannot list interfaces: " + links.describe());
        }
        List<String> up = new ArrayList<>();
        for (String line : links.output().split("\\R")) {
            // "4: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ..." (a name may end in @ifN)
            Matcher m = IP_LINK_LINE.matcher(line);
            if (m.find()) {
                List<String> flags = List.of(m.group(2).split(","));
                if (!m.group(1).equals("lo") && !flags.contains("LOOPBACK") && flags.contains("UP")) {
                    up.add(m.group(1));
                }
            }
        }
        return up;
    }

    /**
     * Brings {@code lo} up with {@code ip link set lo up}. Call it after {@link #requirePrivate(String)}.
     *
     * @throws IOException if {@code ip} is missing or fails, or loopback is still down
     */
    public static void bringLoopbackUp() throws IOException {
        Path ip = Commands.find("ip").orElseThrow(() -> new IOException("'ip' (iproute2) not found"));
        Commands.Result up = Commands.run(List.of(ip.toString(), "link", "set", "lo", "up"), IP_TIMEOUT);
        if (!up.ok()) {
            throw new IOException("'ip link set lo up' failed: " + up.describe());
        }
        NetworkInterface lo = NetworkInterface.getByName("lo");
        if (lo == null || !lo.isUp()) {
            throw new IOException("loopback interface is not up after 'ip link set lo up'");
        }
    }

    /**
     * Writes an existing per-namespace sysctl and reads it back. Call it after
     * {@link #requirePrivate(String)}: {@code /proc/sys/net} is the writer's own namespace's.
     *
     * @param name e.g. {@code net.ipv4.ip_local_port_range}
     * @param value e.g. {@code 40000 40999}
     * @throws IllegalArgumentException if the name is not a {@code net.*} name or the value is blank
     *     or has a line break
     * @throws IOException if the sysctl does not exist, cannot be written, or reads back otherwise
     */
    public static void writeSysctl(String name, String value) throws IOException {
        validateSysctlValue(name, value);
        Path path = sysctlPath(name);
        if (!Files.exists(path)) {
            throw new IOException("unknown sysctl " + name + " (no " + path + " in this namespace)");
        }
        try {
            // Never CREATE: only an existing sysctl of this namespace is written.
            Files.write(path, (value + "\n").getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new IOException("cannot set " + name + "=" + value + ": " + e, e);
        }
        String back = normalize(readProcFile(path));
        if (!back.equals(normalize(value))) {
            throw new IOException("sysctl " + name + " reads back '" + back + "' after writing '" + value + "'");
        }
    }

    /**
     * @param name a sysctl name
     * @return the name, if it is a per-namespace {@code net.*} name made of {@code [a-z0-9_.]}
     * @throws IllegalArgumentException otherwise
     */
    public static String validateSysctlName(String name) {
        if (name == null || !SYSCTL_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid sysctl name '" + name
                    + "': only per-namespace net.* names made of [a-z0-9_.] are allowed");
        }
        return name;
    }

    /**
     * @param name the sysctl's name, for the message
     * @param value its value
     * @return the value, if it is not blank and has no line break or NUL
     * @throws IllegalArgumentException otherwise
     */
    public static String validateSysctlValue(String name, String value) {
        if (value == null || value.isBlank() || value.chars().anyMatch(c -> c == '\n' || c == '\r' || c == 0)) {
            throw new IllegalArgumentException("invalid value for sysctl " + name + ": '" + value + "'");
        }
        return value;
    }

    /**
     * @param name a {@code net.*} sysctl name
     * @return its file, e.g. {@code /proc/sys/net/ipv4/tcp_tw_reuse}
     * @throws IllegalArgumentException if the name is not a {@code net.*} name
     */
    public static Path sysctlPath(String name) {
        return Path.of("/proc/sys", validateSysctlName(name).replace('.', '/'));
    }

    /**
     * @param value a sysctl's text
     * @return it stripped, its runs of white space (the kernel prints tabs) as one space
     */
    public static String normalize(String value) {
        return value.strip().replaceAll("\\s+", " ");
    }

    /**
     * Reads a {@code /proc/sys} file with large reads: a sysctl answers EOF to any read at a non-zero
     * offset, so reading a byte at a time would yield only the first character.
     *
     * @param path e.g. {@code /proc/sys/net/ipv4/ip_local_port_range}
     * @return its content
     * @throws IOException if it cannot be read
     */
    public static String readProcFile(Path path) throws IOException {
        byte[] buf = new byte[64 * 1024];
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
