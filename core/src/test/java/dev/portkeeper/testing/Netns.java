package dev.portkeeper.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import dev.portkeeper.netns.Commands;
import dev.portkeeper.netns.PrivateNamespace;
import dev.portkeeper.netns.Unshare;
import org.junit.jupiter.api.Assertions;
import org.opentest4j.TestAbortedException;

/**
 * Runs a {@link NetnsScenario} in a child JVM inside a private network namespace
 * ({@code unshare -n}), so tests can exhaust ephemeral ports and pile up TIME_WAIT with real
 * sockets without touching the host.
 *
 * <p>The child starts with only a loopback interface (brought up for it), with
 * {@code net.ipv4.ip_local_port_range} and the other requested {@code net.*} sysctls set in its own
 * namespace only. Host sysctls are never written: only per-namespace {@code net.*} names are
 * accepted, and the child refuses to write anything unless it can see that it is in a namespace
 * other than the parent's (see {@link NetnsMain}).
 *
 * <pre>{@code
 * @RequiresNetns
 * class PortExhaustionTest {
 *     @Test
 *     void exhausts() {
 *         Integer failedAt = Netns.builder().portRange(40000, 40099).build()
 *                 .run(ExhaustPorts.class, "200");
 *         assertThat(failedAt).isEqualTo(100);
 *     }
 * }
 * }</pre>
 *
 * <p>Availability is probed once per JVM ({@link #availability()}); where namespaces cannot be made,
 * {@link #assumeAvailable()}, {@link RequiresNetns} and {@link #run(Class, String...)} skip the
 * test with the reason, or fail it when the environment variable {@value #REQUIRE_ENV} is {@code 1}
 * (set that on CI so a broken setup cannot silently skip everything). The system property
 * {@value #FORCE_UNAVAILABLE_PROPERTY}{@code =<reason>} forces unavailability, to exercise that path.
 *
 * <p>Instances are immutable and thread-safe; each run uses its own child JVM and temp directory.
 */
public final class Netns {

    /** Environment variable that turns "skip when unavailable" into "fail when unavailable". */
    public static final String REQUIRE_ENV = "PORTKEEPER_REQUIRE_NETNS";
    /** System property that forces {@link #availability()} to report unavailable with its value as the reason. */
    public static final String FORCE_UNAVAILABLE_PROPERTY = "portkeeper.netns.unavailable";

    static final String PORT_RANGE_SYSCTL = "net.ipv4.ip_local_port_range";
    static final String TW_REUSE_SYSCTL = "net.ipv4.tcp_tw_reuse";
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(15);
    private static final int MESSAGE_OUTPUT_CHARS = 20_000;
    private static final int ECHO_OUTPUT_CHARS = 1_000_000;

    /** In insertion order; never modified after construction. */
    private final Map<String, String> sysctls;
    private final Duration timeout;
    private final List<String> jvmArgs;

    private Netns(Builder builder) {
        this.sysctls = new LinkedHashMap<>(builder.sysctls);
        this.timeout = builder.timeout;
        this.jvmArgs = List.copyOf(builder.jvmArgs);
    }

    /**
     * Returns a builder with the defaults: port range 40000-40999, {@code net.ipv4.tcp_tw_reuse=0},
     * timeout 120 s, no extra JVM arguments.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs {@code scenario} in a fresh child JVM inside a new private network namespace and returns
     * its result. The child's combined stdout/stderr is echoed to {@code System.out} afterwards,
     * each line prefixed with {@code [netns] }.
     *
     * <p>If namespaces are unavailable here this behaves like {@link #assumeAvailable()}.
     *
     * @param scenario a concrete, top-level or static nested class with a no-arg constructor
     * @param args     passed unchanged to {@link NetnsScenario#run(List)}
     * @param <T>      the result type
     * @return the scenario's (deserialized) result
     * @throws AssertionError if the scenario throws (its exception is the cause, and its stack trace
     *                        and the child's output are in the message), if the namespace cannot be
     *                        set up, or if the child outlives the timeout (its process tree is killed)
     */
    public <T extends Serializable> T run(Class<? extends NetnsScenario<T>> scenario, String... args) {
        Objects.requireNonNull(scenario, "scenario");
        Objects.requireNonNull(args, "args");
        for (String arg : args) {
            Objects.requireNonNull(arg, "scenario args must not contain null");
        }
        checkScenarioClass(scenario);
        Availability availability = availability();
        assumeAvailable(availability, isRequired(), System.err);

        Path dir = null;
        try {
            dir = Files.createTempDirectory("portkeeper-netns-");
            Path resultFile = dir.resolve("result.ser");
            Path output = dir.resolve("output.log");
            Path argFile = dir.resolve("jvm.args");
            Files.writeString(argFile, toArgFile(childJvmOptions()), Commands.nativeCharset());

            List<String> command = new ArrayList<>(availability.unshareCommand());
            // Loopback goes up before the JVM starts: the JDK decides once, when its network library
            // loads, whether IPv6 is available, and it is not while lo is down.
            command.addAll(List.of("sh", "-c", "PATH=\"$PATH:/usr/sbin:/sbin\" ip link set lo up && exec \"$@\"",
                    "netns-child"));
            command.add(javaBinary().toString());
            command.add("@" + argFile);
            command.add(NetnsMain.class.getName());
            command.add(resultFile.toString());
            command.add(currentNetnsId());
            command.add(scenario.getName());
            sysctls.forEach((name, value) -> command.add(name + "=" + value));
            command.add("--");
            command.addAll(Arrays.asList(args));

            Process process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            boolean finished = Commands.waitFor(process, timeout);
            if (!finished) {
                Commands.killTree(process);
            }
            String childOutput = echo(scenario, output);
            if (!finished) {
                throw new AssertionError("netns scenario " + scenario.getName() + " timed out after "
                        + timeout.toMillis() + " ms; the child JVM (pid " + process.pid()
                        + ") and its descendants were killed" + outputSection(childOutput));
            }
            return readResult(scenario, resultFile, process.exitValue(), childOutput);
        } catch (IOException e) {
            throw new AssertionError("cannot run netns scenario " + scenario.getName() + ": " + e, e);
        } finally {
            Commands.deleteQuietly(dir);
        }
    }

    /**
     * Whether private network namespaces can be made here, and if not why. Probed once per JVM by
     * actually running {@code unshare -n} (falling back to {@code unshare -r -n}) with a shell that
     * brings {@code lo} up and sets the port range inside the new namespace.
     *
     * @return the cached probe result
     */
    public static Availability availability() {
        String forced = System.getProperty(FORCE_UNAVAILABLE_PROPERTY);
        if (forced != null) {
            return Availability.unavailable("forced by -D" + FORCE_UNAVAILABLE_PROPERTY + ": " + forced);
        }
        return ProbeHolder.AVAILABILITY;
    }

    /**
     * JUnit guard: returns normally if namespaces are available; otherwise prints the reason to
     * {@code System.err} and aborts the current test (reported as skipped), or fails it with the
     * reason when the environment variable {@value #REQUIRE_ENV} is {@code 1}.
     *
     * @throws TestAbortedException when unavailable and not required
     */
    public static void assumeAvailable() {
        assumeAvailable(availability(), isRequired(), System.err);
    }

    static void assumeAvailable(Availability availability, boolean required, PrintStream err) {
        if (availability.isAvailable()) {
            return;
        }
        String message = "private network namespace unavailable: " + availability.reason();
        if (required) {
            err.println("[netns] FAILING (" + REQUIRE_ENV + "=1): " + message);
            Assertions.fail(message + " (" + REQUIRE_ENV + "=1 requires it)");
        }
        err.println("[netns] SKIPPED: " + message + " (set " + REQUIRE_ENV + "=1 to fail instead)");
        throw new TestAbortedException(message);
    }

    static boolean isRequired() {
        String value = System.getenv(REQUIRE_ENV);
        return value != null && (value.strip().equals("1") || value.strip().equalsIgnoreCase("true"));
    }

    /** This JVM's network namespace id, e.g. {@code net:[4026531833]}. */
    static String currentNetnsId() throws IOException {
        return PrivateNamespace.currentId();
    }

    private static void checkScenarioClass(Class<?> scenario) {
        int mods = scenario.getModifiers();
        String problem = null;
        if (scenario.isInterface() || Modifier.isAbstract(mods)) {
            problem = "is abstract";
        } else if (scenario.isAnonymousClass() || scenario.isLocalClass() || scenario.isSynthetic()) {
            problem = "is anonymous, local or a lambda";
        } else if (scenario.isMemberClass() && !Modifier.isStatic(mods)) {
            problem = "is an inner (non-static) class";
        } else {
            try {
                scenario.getDeclaredConstructor();
            } catch (NoSuchMethodException e) {
                problem = "has no no-arg constructor";
            }
        }
        if (problem != null) {
            throw new IllegalArgumentException("netns scenario " + scenario.getName() + " " + problem
                    + "; it must be a concrete top-level or static nested class with a no-arg constructor");
        }
    }

    private List<String> childJvmOptions() throws IOException {
        List<String> options = new ArrayList<>();
        options.add("-XX:+UseSerialGC");
        options.add("-D" + NetnsMain.PARENT_PID_PROPERTY + "=" + ProcessHandle.current().pid());
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("org.slf4j.simpleLogger.")) {
                options.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        options.addAll(jvmArgs);
        options.add("-cp");
        options.add(testClasspath());
        return options;
    }

    /** The real test classpath: Surefire's booter jar may hide it behind a manifest. */
    static String testClasspath() {
        String surefire = System.getProperty("surefire.test.class.path");
        if (surefire != null && !surefire.isBlank()) {
            return surefire;
        }
        return System.getProperty("java.class.path");
    }

    static Path javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** Java launcher @argfile syntax: every token double-quoted, backslash escapes. */
    static String toArgFile(List<String> options) {
        StringBuilder sb = new StringBuilder();
        for (String option : options) {
            sb.append('"');
            for (char c : option.toCharArray()) {
                switch (c) {
                    case '\\' -> sb.append("\\\\");
                    case '"' -> sb.append("\\\"");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    case '\f' -> sb.append("\\f");
                    default -> sb.append(c);
                }
            }
            sb.append("\"\n");
        }
        return sb.toString();
    }

    private static String echo(Class<?> scenario, Path output) {
        String text = Commands.readCapped(output, ECHO_OUTPUT_CHARS);
        StringBuilder sb = new StringBuilder();
        sb.append("[netns] ---- output of ").append(scenario.getName()).append(" ----\n");
        text.lines().forEach(line -> sb.append("[netns] ").append(line).append('\n'));
        System.out.print(sb);
        System.out.flush();
        return text;
    }

    private static String outputSection(String childOutput) {
        String tail = childOutput.length() > MESSAGE_OUTPUT_CHARS
                ? "..." + childOutput.substring(childOutput.length() - MESSAGE_OUTPUT_CHARS)
                : childOutput;
        return "\n--- child output ---\n" + (tail.isBlank() ? "(none)\n" : tail);
    }

    @SuppressWarnings("unchecked")
    private static <T extends Serializable> T readResult(Class<?> scenario, Path resultFile, int exitCode,
            String childOutput) {
        if (!Files.exists(resultFile)) {
            throw new AssertionError("netns scenario " + scenario.getName() + ": child JVM exited with code "
                    + exitCode + " without a result" + outputSection(childOutput));
        }
        NetnsMain.Outcome outcome;
        try {
            outcome = (NetnsMain.Outcome) deserialize(Files.readAllBytes(resultFile));
        } catch (IOException | ClassNotFoundException | ClassCastException e) {
            throw new AssertionError("netns scenario " + scenario.getName() + ": unreadable result (child exit code "
                    + exitCode + "): " + e + outputSection(childOutput), e);
        }
        if (!outcome.success) {
            Throwable cause = null;
            if (outcome.failure != null) {
                try {
                    cause = (Throwable) deserialize(outcome.failure);
                } catch (IOException | ClassNotFoundException | ClassCastException ignored) {
                    // the stack trace string below carries it
                }
            }
            String what = exitCode == NetnsMain.EXIT_SCENARIO_FAILED ? "failed in the child JVM"
                    : "could not run (child exit code " + exitCode + ")";
            throw new AssertionError("netns scenario " + scenario.getName() + " " + what + ": "
                    + outcome.failureSummary + "\n--- child stack trace ---\n" + outcome.failureStackTrace
                    + outputSection(childOutput), cause);
        }
        try {
            return (T) deserialize(outcome.value);
        } catch (IOException | ClassNotFoundException e) {
            throw new AssertionError("netns scenario " + scenario.getName() + ": cannot deserialize its result: "
                    + e + outputSection(childOutput), e);
        }
    }

    private static Object deserialize(byte[] bytes) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return in.readObject();
        }
    }

    /** Builder of {@link Netns}; not thread-safe. */
    public static final class Builder {
        private final Map<String, String> sysctls = new LinkedHashMap<>();
        private Duration timeout = Duration.ofSeconds(120);
        private final List<String> jvmArgs = new ArrayList<>();

        private Builder() {
            portRange(40000, 40999);
            sysctl(TW_REUSE_SYSCTL, "0");
        }

        /**
         * Sets {@code net.ipv4.ip_local_port_range} in the namespace (default 40000-40999).
         *
         * @param low  first ephemeral port, 1..65535
         * @param high last ephemeral port, {@code low..65535}
         * @return this builder
         */
        public Builder portRange(int low, int high) {
            if (low < 1 || high > 65535 || low > high) {
                throw new IllegalArgumentException("invalid port range " + low + "-" + high);
            }
            return sysctl(PORT_RANGE_SYSCTL, low + " " + high);
        }

        /**
         * Sets a sysctl in the namespace, e.g. {@code sysctl("net.ipv4.tcp_tw_reuse", "0")}. Only
         * per-namespace {@code net.*} names made of {@code [a-z0-9_.]} are accepted; a later call
         * for the same name replaces the earlier value.
         *
         * @param name  dotted sysctl name, e.g. {@code net.ipv4.tcp_fin_timeout}
         * @param value value as written to {@code /proc/sys} (single line)
         * @return this builder
         * @throws IllegalArgumentException for other names or for multi-line/blank values
         */
        public Builder sysctl(String name, String value) {
            PrivateNamespace.validateSysctlName(name);
            PrivateNamespace.validateSysctlValue(name, value);
            sysctls.put(name, value);
            return this;
        }

        /**
         * Sets how long the child JVM may run before it and its descendants are killed (default 120 s).
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Adds an argument for the child JVM, e.g. {@code -Xmx256m} or {@code -Dfoo=bar}. The child
         * already gets {@code -XX:+UseSerialGC} and the parent's {@code org.slf4j.simpleLogger.*}
         * system properties; arguments added here come later and so take precedence.
         *
         * @param arg a single JVM option
         * @return this builder
         */
        public Builder jvmArg(String arg) {
            Objects.requireNonNull(arg, "arg");
            if (arg.isBlank()) {
                throw new IllegalArgumentException("blank JVM argument");
            }
            jvmArgs.add(arg);
            return this;
        }

        /**
         * Builds an immutable {@link Netns}.
         *
         * @return the configured runner
         */
        public Netns build() {
            return new Netns(this);
        }
    }

    /** Result of the availability probe: whether private network namespaces work here, and why (not). */
    public static final class Availability {
        private final boolean available;
        private final String reason;
        private final List<String> unshareCommand;

        private Availability(boolean available, String reason, List<String> unshareCommand) {
            this.available = available;
            this.reason = reason;
            this.unshareCommand = List.copyOf(unshareCommand);
        }

        static Availability available(String how, List<String> unshareCommand) {
            return new Availability(true, how, unshareCommand);
        }

        static Availability unavailable(String reason) {
            return new Availability(false, reason, List.of());
        }

        /**
         * Whether scenarios can run here.
         *
         * @return {@code true} if a private network namespace could be created and configured
         */
        public boolean isAvailable() {
            return available;
        }

        /**
         * Why not (exactly what failed), or how it works when available (e.g. {@code "unshare -n"}).
         *
         * @return a human-readable reason
         */
        public String reason() {
            return reason;
        }

        /** The command prefix that enters a new namespace, e.g. [/usr/bin/unshare, -n, --]. */
        List<String> unshareCommand() {
            return unshareCommand;
        }

        @Override
        public String toString() {
            return (available ? "available: " : "unavailable: ") + reason;
        }
    }

    /** Lazily probes once per JVM. */
    private static final class ProbeHolder {
        static final Availability AVAILABILITY = probe();
    }

    static Availability probe() {
        String os = System.getProperty("os.name", "");
        if (!os.toLowerCase(Locale.ROOT).contains("linux")) {
            return Availability.unavailable("not Linux (os.name=" + os + ")");
        }
        String hostNetns;
        try {
            hostNetns = currentNetnsId();
        } catch (IOException | UncheckedIOException | SecurityException e) {
            return Availability.unavailable("cannot read /proc/self/ns/net: " + e);
        }
        Optional<Path> ip = Commands.find("ip");
        if (ip.isEmpty()) {
            return Availability.unavailable("'ip' (iproute2) not found in /usr/sbin, /sbin or PATH");
        }
        Optional<Path> sh = Commands.find("sh");
        if (sh.isEmpty()) {
            return Availability.unavailable("'sh' not found");
        }
        if (!Files.isExecutable(javaBinary())) {
            return Availability.unavailable("java binary not executable: " + javaBinary());
        }
        // Everything below runs inside the new namespace only, and re-checks that it is not the host's.
        String script = "ns=$(readlink /proc/self/ns/net) && [ -n \"$ns\" ] && [ \"$ns\" != \"$1\" ]"
                + " || { echo \"still in the host network namespace ($ns)\" >&2; exit 97; }\n"
                + "\"$2\" link set lo up && echo 40000 40999 > /proc/sys/net/ipv4/ip_local_port_range";
        Unshare.Probe probe = Unshare.probe(List.of(sh.get().toString(), "-c", script, "netns-probe", hostNetns,
                ip.get().toString()), PROBE_TIMEOUT);
        if (probe.available()) {
            return Availability.available(probe.label(), probe.prefix().orElseThrow());
        }
        return Availability.unavailable(probe.reason());
    }
}
