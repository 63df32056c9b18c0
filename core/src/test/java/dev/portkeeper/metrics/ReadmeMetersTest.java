package dev.portkeeper.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * README's table of meters is {@link PortkeeperMeter}, row for row: the names are decided once,
 * in the code, and the documentation cannot drift from them.
 */
class ReadmeMetersTest {

    static String row(PortkeeperMeter m) {
        String type = m.type().name().toLowerCase(Locale.ROOT).replace('_', ' ');
        String prometheus = m.type() == PortkeeperMeter.Type.TIMER ? m.prometheusName() + "_{count,sum,max}"
                : m.prometheusName();
        return "| `" + m.meterName() + "` | `" + prometheus + "` | " + type + " | "
                + (m.baseUnit() == null ? "" : m.baseUnit()) + " | "
                + m.tagKeys().stream().map(t -> "`" + t + "`").collect(Collectors.joining(", ")) + " | "
                + m.description().replace("|", "\\|") + " |";
    }

    @Test
    void theReadmeListsEveryMeterAsTheCodeDefinesIt() throws Exception {
        Path readme = OpsFiles.ops().getParent().resolve("README.md");
        // The rows of the section "## Metrics (Micrometer)" only: other sections list properties by the same prefix.
        List<String> lines = Files.readAllLines(readme);
        int from = lines.indexOf("## Metrics (Micrometer)");
        assertThat(from).as("README's metrics section").isNotNegative();
        int to = from + 1;
        while (to < lines.size() && !lines.get(to).startsWith("## ")) {
            to++;
        }
        List<String> inReadme = lines.subList(from, to).stream()
                .filter(l -> l.startsWith("| `portkeeper.")).toList();
        List<String> expected = Stream.of(PortkeeperMeter.values()).map(ReadmeMetersTest::row).toList();
        assertThat(inReadme).as("README's meter table; expected:%n%s", String.join("\n", expected))
                .containsExactlyElementsOf(expected);
    }
}
