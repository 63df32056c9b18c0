package dev.portkeeper.netns;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a private network namespace can be made here: {@code unshare -n} (as root), else
 * {@code unshare -r -n} (with unprivileged user namespaces), each tried with a probe command.
 */
public final class Unshare {
    private Unshare() {
    }

    /**
     * The outcome of {@link #probe(List, Duration)}.
     *
     * @param prefix the command prefix that worked, e.g. {@code [/usr/bin/unshare, -n, --]}, or
     *     empty if none did
     * @param label the flags that worked, e.g. {@code unshare -n}
     * @param failures why each attempt failed
     */
    public record Probe(Optional<List<String>> prefix, String label, List<String> failures) {
        /** @return whether a namespace can be made */
        public boolean available() {
            return prefix.isPresent();
        }

        /** @return why not, on one line */
        public String reason() {
            return String.join("; ", failures);
        }
    }

    /**
     * Tries {@code unshare -n -- probe...}, then {@code unshare -r -n -- probe...}.
     *
     * @param probe the command to run in the namespace, e.g. {@code [true]}
     * @param timeout how long each attempt may take
     * @return the first prefix that worked, or why none did
     */
    public static Probe probe(List<String> probe, Duration timeout) {
        Optional<Path> unshare = Commands.find("unshare");
        if (unshare.isEmpty()) {
            return new Probe(Optional.empty(), "", List.of("'unshare' (util-linux) not found"));
        }
        List<String> failures = new ArrayList<>();
        for (List<String> flags : List.of(List.of("-n"), List.of("-r", "-n"))) {
            List<String> prefix = new ArrayList<>();
            prefix.add(unshare.get().toString());
            prefix.addAll(flags);
            prefix.add("--");
            List<String> command = new ArrayList<>(prefix);
            command.addAll(probe);
            String label = "unshare " + String.join(" ", flags);
            Commands.Result result = Commands.run(command, timeout);
            if (result.ok()) {
                return new Probe(Optional.of(List.copyOf(prefix)), label, List.copyOf(failures));
            }
            failures.add(label + " failed: " + result.describe());
        }
        return new Probe(Optional.empty(), "", List.copyOf(failures));
    }
}
