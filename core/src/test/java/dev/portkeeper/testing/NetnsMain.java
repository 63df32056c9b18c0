package dev.portkeeper.testing;

import dev.portkeeper.netns.PrivateNamespace;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Serializable;
import java.io.StringWriter;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Entry point of the child JVM started by {@link Netns}; not meant to be used directly.
 *
 * <p>Usage: {@code NetnsMain <resultFile> <hostNetnsId> <scenarioClass> [net.name=value ...] --
 * [arg ...]}, where {@code hostNetnsId} is the parent's {@code readlink /proc/self/ns/net} (e.g.
 * {@code net:[4026531833]}).
 *
 * <p>Its very first act is the safety guard of {@link PrivateNamespace#requirePrivate(String)}: it refuses to touch anything unless its own network
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
            ownNetns = PrivateNamespace.requirePrivate(args[1]);
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
                sysctls.put(PrivateNamespace.validateSysctlName(args[i].substring(0, eq)), args[i].substring(eq + 1));
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
            PrivateNamespace.bringLoopbackUp();
            for (Map.Entry<String, String> e : sysctls.entrySet()) {
                PrivateNamespace.writeSysctl(e.getKey(), e.getValue());
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
