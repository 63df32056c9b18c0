package dev.portkeeper.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Serializable;
import java.io.StringWriter;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Entry point of the child JVM started by {@link Netns}; not meant to be used directly.
 *
 * <p>Usage: {@code NetnsMain <resultFile> <hostNetnsId> <scenarioClass> [net.name=value ...] --
 * [arg ...]}, where {@code hostNetnsId} is the parent's {@code readlink /proc/self/ns/net} (e.g.
 * {@code net:[4026531833]}).
 *
 * <p>Its very first act is a safety guard: it refuses to touch anything unless its own network
 * namespace differs from {@code hostNetnsId} (and from PID 1's, when readable) and no non-loopback
 * interface is up (per {@code ip -o link show}). Only then does it bring {@code lo} up, write the {@code net.*} sysctls under
 * {@code /proc/sys/net} (which resolve to the writer's own namespace), read them back, run the
 * scenario and serialize its result, or its exception, to {@code resultFile}.
 *
 * <p>Exit codes: 0 success, 1 scenario failed, 2 usage error, 3 safety guard refused, 4 namespace
 * setup failed, 5 result could not be written.
 */
public final class NetnsMain {

    static final int EXIT_OK = 0;
    static final int EXIT_SCENARIO_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_REFUSED = 3;
    static final int EXIT_SETUP_FAILED = 4;
    static final int EXIT_RESULT_UNWRITABLE = 5;

    /** System property naming the parent JVM's pid; the child halts if that process goes away. */
    static final String PARENT_PID_PROPERTY = "portkeeper.netns.parent-pid";

    private static final Pattern IP_LINK_LINE = Pattern.compile("^\\d+:\\s+([^:@\\s]+)(?:@\\S+)?:\\s+<([^>]*)>");
    static final Pattern NETNS_ID = Pattern.compile("net:\\[\\d+\\]");
    /** Only per-namespace {@code net.*} sysctls; anything else would change the host. */
    static final Pattern SYSCTL_NAME = Pattern.compile("net(\\.[a-z0-9_]+)+");

    private static final Duration IP_TIMEOUT = Duration.ofSeconds(15);

    private NetnsMain() {
    }

    /**
     * Child JVM entry point; exits with one of the documented codes.
     *
     * @param args see the class description
     */
    public static void main(String[] args) {
        watchParent();
        int code;
        try {
            code = execute(args, System.out);
        } catch (Throwable t) {
            t.printStackTrace();
            code = EXIT_SETUP_FAILED;
        }
        System.out.flush();
        System.err.flush();
        // exit even if the scenario left non-daemon threads behind
        System.exit(code);
    }

    /**
     * Does the whole job without exiting the JVM; returns the exit code. Package-private so the
     * safety guard can be tested in-process.
     */
    static int execute(String[] args, PrintStream log) {
        if (args.length < 3) {
            log.println("usage: NetnsMain <resultFile> <hostNetnsId> <scenarioClass> [net.name=value ...] -- [arg ...]");
            return EXIT_USAGE;
        }
        Path resultFile = Path.of(args[0]);

        // 1. Safety guard, before anything else.
        String ownNetns;
        try {
            ownNetns = requirePrivateNetns(args[1]);
        } catch (SecurityException e) {
            log.println("[child] " + e.getMessage());
            return writeFailure(resultFile, e, log) ? EXIT_REFUSED : EXIT_RESULT_UNWRITABLE;
        }

        // 2. Parse the rest.
        Map<String, String> sysctls = new LinkedHashMap<>();
        List<String> scenarioArgs = new ArrayList<>();
        String scenarioClass = args[2];
        try {
            int i = 3;
            for (; i < args.length && !args[i].equals("--"); i++) {
                int eq = args[i].indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("expected name=value, got '" + args[i] + "'");
                }
                sysctls.put(validateSysctlName(args[i].substring(0, eq)), args[i].substring(eq + 1));
            }
            for (i++; i < args.length; i++) {
                scenarioArgs.add(args[i]);
            }
        } catch (IllegalArgumentException e) {
            log.println("[child] " + e.getMessage());
            return writeFailure(resultFile, e, log) ? EXIT_USAGE : EXIT_RESULT_UNWRITABLE;
        }

        // 3. Namespace setup: loopback up, sysctls written and verified.
        try {
            bringLoopbackUp();
            for (Map.Entry<String, String> e : sysctls.entrySet()) {
                writeSysctl(e.getKey(), e.getValue());
            }
            log.println("[child] private netns " + ownNetns + " ready: lo up, " + describe(sysctls));
        } catch (Exception e) {
            IllegalStateException failure = new IllegalStateException(
                    "network namespace setup failed: " + e.getMessage(), e);
            failure.printStackTrace(log);
            return writeFailure(resultFile, failure, log) ? EXIT_SETUP_FAILED : EXIT_RESULT_UNWRITABLE;
        }

        // 4. The scenario.
        Serializable value;
        try {
            NetnsScenario<?> scenario = instantiate(scenarioClass);
            value = scenario.run(Collections.unmodifiableList(scenarioArgs));
        } catch (Throwable t) {
            log.println("[child] scenario " + scenarioClass + " failed:");
            t.printStackTrace(log);
            return writeFailure(resultFile, t, log) ? EXIT_SCENARIO_FAILED : EXIT_RESULT_UNWRITABLE;
        }
        byte[] serialized;
        try {
            serialized = serialize(value);
        } catch (IOException e) {
            IllegalStateException failure = new IllegalStateException("scenario " + scenarioClass
                    + " returned a value that cannot be serialized: " + e, e);
            failure.printStackTrace(log);
            return writeFailure(resultFile, failure, log) ? EXIT_SCENARIO_FAILED : EXIT_RESULT_UNWRITABLE;
        }
        return writeOutcome(resultFile, Outcome.success(serialized), log) ? EXIT_OK : EXIT_RESULT_UNWRITABLE;
    }

    /**
     * The safety guard: returns this process's netns id, or throws if it might be the host's.
     *
     * @param hostNetnsId the parent's netns id, {@code net:[inode]}
     */
    static String requirePrivateNetns(String hostNetnsId) {
        if (hostNetnsId == null || !NETNS_ID.matcher(hostNetnsId).matches()) {
            throw new SecurityException("refusing to touch sysctls: malformed host netns id '" + hostNetnsId
                    + "' (expected net:[inode])");
        }
        String own;
        try {
            own = readNetnsId(Path.of("/proc/self/ns/net"));
        } catch (IOException e) {
            throw new SecurityException("refusing to touch sysctls: cannot read /proc/self/ns/net: " + e);
        }
        if (own.equals(hostNetnsId)) {
            throw new SecurityException("refusing to touch sysctls: still in the host network namespace " + own
                    + " (not started under unshare -n?)");
        }
        String init = null;
        try {
            init = readNetnsId(Path.of("/proc/1/ns/net"));
        } catch (IOException | SecurityException ignored) {
            // often unreadable (user namespaces, hardened /proc); the checks above and below stand
        }
        if (own.equals(init)) {
            throw new SecurityException("refusing to touch sysctls: in the same network namespace as PID 1 ("
                    + own + ")");
        }
        List<String> upInterfaces = upNonLoopbackInterfaces();
        if (!upInterfaces.isEmpty()) {
            throw new SecurityException("refusing to touch sysctls: network namespace " + own
                    + " is not fresh, non-loopback interfaces are up: " + upInterfaces);
        }
        return own;
    }

    /**
     * Lists the non-loopback interfaces that are administratively up, via {@code ip -o link show}
     * (read-only; Java's NetworkInterface cannot see interfaces without addresses, nor any at all
     * while {@code lo} is down). A fresh namespace has none.
     */
    static List<String> upNonLoopbackInterfaces() {
        Path ip = findIp().orElseThrow(() -> new SecurityException(
                "refusing to touch sysctls: 'ip' (iproute2) not found, cannot inspect interfaces"));
        ChildProcesses.Result result = ChildProcesses.run(List.of(ip.toString(), "-o", "link", "show"), IP_TIMEOUT);
        if (!result.ok()) {
            throw new SecurityException("refusing to touch sysctls: cannot list interfaces: " + result.describeFailure());
        }
        List<String> up = new ArrayList<>();
        for (String line : result.output().split("\\R")) {
            // "4: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ..." (name may end in @ifN)
            Matcher m = IP_LINK_LINE.matcher(line);
            if (!m.find()) {
                continue;
            }
            String name = m.group(1);
            List<String> flags = List.of(m.group(2).split(","));
            if (!name.equals("lo") && !flags.contains("LOOPBACK") && flags.contains("UP")) {
                up.add(name);
            }
        }
        return up;
    }

    static Optional<Path> findIp() {
        return ChildProcesses.findExecutable("ip", "/usr/sbin", "/sbin", "/usr/bin", "/bin");
    }

    static String readNetnsId(Path link) throws IOException {
        return Files.readSymbolicLink(link).toString();
    }

    static String validateSysctlName(String name) {
        if (name == null || !SYSCTL_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid sysctl name '" + name
                    + "': only per-namespace net.* names made of [a-z0-9_.] are allowed");
        }
        return name;
    }

    static String validateSysctlValue(String name, String value) {
        if (value == null || value.isBlank() || value.chars().anyMatch(c -> c == '\n' || c == '\r' || c == 0)) {
            throw new IllegalArgumentException("invalid value for sysctl " + name + ": '" + value + "'");
        }
        return value;
    }

    static Path sysctlPath(String name) {
        return Path.of("/proc/sys", validateSysctlName(name).replace('.', '/'));
    }

    /** Whitespace-normalized, as the kernel prints multi-value sysctls with tabs. */
    static String normalize(String value) {
        return value.strip().replaceAll("\\s+", " ");
    }

    private static void bringLoopbackUp() throws IOException {
        Path ip = findIp().orElseThrow(() -> new IOException("'ip' (iproute2) not found in /usr/sbin, /sbin or PATH"));
        ChildProcesses.Result result = ChildProcesses.run(
                List.of(ip.toString(), "link", "set", "lo", "up"), IP_TIMEOUT);
        if (!result.ok()) {
            throw new IOException("'" + ip + " link set lo up' failed: " + result.describeFailure());
        }
        NetworkInterface lo = NetworkInterface.getByName("lo");
        if (lo == null || !lo.isUp()) {
            throw new IOException("loopback interface is not up after 'ip link set lo up'");
        }
    }

    private static void writeSysctl(String name, String value) throws IOException {
        validateSysctlValue(name, value);
        Path path = sysctlPath(name);
        if (!Files.exists(path)) {
            throw new IOException("unknown sysctl " + name + " (no " + path + " in this namespace)");
        }
        try {
            // no CREATE: only ever write an existing sysctl file
            Files.write(path, (value + "\n").getBytes(StandardCharsets.US_ASCII),
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new IOException("cannot set " + name + "=" + value + ": " + e, e);
        }
        String readBack = readProcFile(path);
        if (!normalize(readBack).equals(normalize(value))) {
            throw new IOException("sysctl " + name + " reads back '" + normalize(readBack)
                    + "' after writing '" + value + "'");
        }
    }

    /**
     * Reads a /proc/sys file with large reads: sysctl handlers report EOF for any read at a
     * non-zero offset, so the byte-at-a-time probing of {@code Files.readString} would yield only
     * the first character.
     *
     * @param path e.g. {@code /proc/sys/net/ipv4/ip_local_port_range}
     * @return the raw content
     * @throws IOException if unreadable
     */
    static String readProcFile(Path path) throws IOException {
        byte[] buf = new byte[64 * 1024];
        int len = 0;
        try (InputStream in = Files.newInputStream(path)) {
            int n;
            while (len < buf.length && (n = in.read(buf, len, buf.length - len)) > 0) {
                len += n;
            }
        }
        return new String(buf, 0, len, StandardCharsets.US_ASCII);
    }

    private static String describe(Map<String, String> sysctls) {
        List<String> parts = new ArrayList<>();
        sysctls.forEach((k, v) -> parts.add(k + "=" + v));
        return parts.isEmpty() ? "no sysctls" : String.join(", ", parts);
    }

    private static NetnsScenario<?> instantiate(String className) throws ReflectiveOperationException {
        Class<?> type = Class.forName(className, true, NetnsMain.class.getClassLoader());
        if (!NetnsScenario.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException(className + " does not implement " + NetnsScenario.class.getName());
        }
        Constructor<?> constructor = type.getDeclaredConstructor();
        if (!Modifier.isPublic(constructor.getModifiers()) || !Modifier.isPublic(type.getModifiers())) {
            constructor.setAccessible(true);
        }
        return (NetnsScenario<?>) constructor.newInstance();
    }

    private static void watchParent() {
        String pid = System.getProperty(PARENT_PID_PROPERTY);
        if (pid == null) {
            return;
        }
        ProcessHandle.of(Long.parseLong(pid)).ifPresentOrElse(
                parent -> parent.onExit().thenRun(() -> {
                    System.err.println("[child] parent JVM " + pid + " is gone, halting");
                    Runtime.getRuntime().halt(70);
                }),
                () -> Runtime.getRuntime().halt(70));
    }

    static byte[] serialize(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    private static boolean writeFailure(Path resultFile, Throwable failure, PrintStream log) {
        byte[] serialized;
        try {
            serialized = serialize(failure);
        } catch (IOException | RuntimeException e) {
            serialized = null; // the string forms below still carry everything
        }
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        return writeOutcome(resultFile, Outcome.failure(String.valueOf(failure), trace.toString(), serialized), log);
    }

    private static boolean writeOutcome(Path resultFile, Outcome outcome, PrintStream log) {
        Path tmp = resultFile.resolveSibling(resultFile.getFileName() + ".tmp");
        try {
            Files.write(tmp, serialize(outcome));
            Files.move(tmp, resultFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException | RuntimeException e) {
            log.println("[child] cannot write result file " + resultFile + ": " + e);
            return false;
        }
    }

    /** What the child hands back: the serialized value, or the failure in string and serialized form. */
    static final class Outcome implements Serializable {
        private static final long serialVersionUID = 1L;

        final boolean success;
        final byte[] value;
        final String failureSummary;
        final String failureStackTrace;
        final byte[] failure;

        private Outcome(boolean success, byte[] value, String failureSummary, String failureStackTrace,
                byte[] failure) {
            this.success = success;
            this.value = value;
            this.failureSummary = failureSummary;
            this.failureStackTrace = failureStackTrace;
            this.failure = failure;
        }

        static Outcome success(byte[] value) {
            return new Outcome(true, value, null, null, null);
        }

        static Outcome failure(String summary, String stackTrace, byte[] failure) {
            return new Outcome(false, null, summary, stackTrace, failure);
        }
    }
}
