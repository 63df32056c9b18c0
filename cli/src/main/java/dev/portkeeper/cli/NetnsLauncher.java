package dev.portkeeper.cli;

import dev.portkeeper.netns.Commands;
import dev.portkeeper.netns.Unshare;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The parent side of {@code demo --netns}: starts this jar again under {@code unshare -n} (as
 * root) or {@code unshare -r -n} (with unprivileged user namespaces), with the terminal handed
 * down, and waits for it. The child sets its namespace up ({@link PrivateNetns}) and runs the demo.
 */
final class NetnsLauncher {
    /** Long enough for a million requests per phase; the child is killed past it. */
    static final Duration TIMEOUT = Duration.ofMinutes(15);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(15);

    private NetnsLauncher() {
    }

    /**
     * @param demoArgs the demo's options for the child, without {@code --netns}
     * @return the child's exit status, or {@link ExitStatus#UNKNOWN} if it could not run
     */
    static int relaunch(List<String> demoArgs, PrintStream err) throws InterruptedException {
        String os = System.getProperty("os.name", "?");
        if (!os.toLowerCase(java.util.Locale.ROOT).startsWith("linux")) {
            err.println("demo --netns: network namespaces are Linux-only and this is " + os);
            return ExitStatus.UNKNOWN;
        }
        String parentId;
        try {
            parentId = PrivateNetns.currentId();
        } catch (IOException | RuntimeException e) {
            err.println("demo --netns: cannot read /proc/self/ns/net: " + e);
            return ExitStatus.UNKNOWN;
        }
        if (Commands.find("unshare").isEmpty() || Commands.find("ip").isEmpty()) {
            err.println("demo --netns: needs 'unshare' (util-linux) and 'ip' (iproute2)");
            return ExitStatus.UNKNOWN;
        }
        Unshare.Probe probe = Unshare.probe(List.of("true"), PROBE_TIMEOUT);
        if (!probe.available()) {
            err.println("demo --netns: cannot create a private network namespace (run as root, or allow unprivileged"
                    + " user namespaces): " + probe.reason());
            return ExitStatus.UNKNOWN;
        }
        List<String> prefix = probe.prefix().orElseThrow();
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("org.slf4j.simpleLogger.")) {
                command.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(PortkeeperCommand.class.getName());
        command.add("demo");
        command.add("--netns-child=" + parentId);
        command.addAll(demoArgs);
        Process child;
        try {
            child = new ProcessBuilder(command).inheritIO().start();
        } catch (IOException e) {
            err.println("demo --netns: cannot start " + command.get(0) + ": " + e.getMessage());
            return ExitStatus.UNKNOWN;
        }
        Thread reaper = new Thread(() -> Commands.killTree(child), "demo-netns-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        if (!child.waitFor(TIMEOUT.toMinutes(), TimeUnit.MINUTES)) {
            err.println("demo --netns: the demo in the namespace ran past " + TIMEOUT.toMinutes() + " min; killed");
            Commands.killTree(child);
            return ExitStatus.UNKNOWN;
        }
        Runtime.getRuntime().removeShutdownHook(reaper);
        return child.exitValue();
    }
}
