package dev.portkeeper.metrics;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The fleet-view files in {@code ops/}, found from the module's directory, and the metric names they use. */
final class OpsFiles {
    static final Pattern METRIC = Pattern.compile("\\b(?:portkeeper|resilience4j)_[a-z0-9_]+");

    private OpsFiles() {
    }

    static Path ops() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("ops/prometheus"))) {
                return dir.resolve("ops");
            }
        }
        throw new IllegalStateException("no ops/prometheus above " + Path.of("").toAbsolutePath());
    }

    static Path rules() {
        return ops().resolve("prometheus/portkeeper-rules.yml");
    }

    static Path ruleTests() {
        return ops().resolve("prometheus/portkeeper-rules.test.yml");
    }

    static Path dashboard() {
        return ops().resolve("grafana/portkeeper-dashboard.json");
    }

    /** Metric names in the rules' {@code expr:} lines. */
    static Set<String> namesInRules() throws Exception {
        Set<String> names = new TreeSet<>();
        for (String line : Files.readAllLines(rules())) {
            if (line.strip().startsWith("expr:")) {
                names.addAll(names(line));
            }
        }
        return names;
    }

    /** Metric names in the dashboard's queries ({@code "expr"} and the variables' {@code "query"}). */
    static Set<String> namesInDashboard() throws Exception {
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("\"(?:expr|query|definition)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")
                .matcher(Files.readString(dashboard()));
        while (m.find()) {
            names.addAll(names(m.group(1)));
        }
        return names;
    }

    static Set<String> names(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(text);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }
}
