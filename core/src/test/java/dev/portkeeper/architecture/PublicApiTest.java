package dev.portkeeper.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portkeeper.ConnectionPool;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public API of portkeeper-core, as the module descriptor defines it: the public top-level
 * types of the exported packages. The list is kept in {@code public-api.txt} (and in README's API
 * section): a type added to or removed from the API makes this test fail until the list, and so
 * the decision, is updated.
 */
class PublicApiTest {

    @Test
    void theExportedPublicTypesAreTheListedOnes() throws Exception {
        Path classes = Path.of(ConnectionPool.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleDescriptor descriptor;
        try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
            descriptor = ModuleDescriptor.read(in);
        }
        assertThat(descriptor.name()).isEqualTo("dev.portkeeper.core");
        Set<String> exported = descriptor.exports().stream().filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source).collect(Collectors.toCollection(TreeSet::new));
        assertThat(exported).containsExactly("dev.portkeeper", "dev.portkeeper.advice", "dev.portkeeper.budget",
                "dev.portkeeper.kernel", "dev.portkeeper.metrics", "dev.portkeeper.resilience");
        assertThat(exported).as("the engine is not exported").doesNotContain("dev.portkeeper.internal");

        Set<String> api = new TreeSet<>();
        for (String pkg : exported) {
            Path dir = classes.resolve(pkg.replace('.', '/'));
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                    String simple = f.getFileName().toString().replace(".class", "");
                    if (simple.contains("$") || simple.equals("package-info")) {
                        continue;
                    }
                    Class<?> type = Class.forName(pkg + "." + simple, false, getClass().getClassLoader());
                    if (Modifier.isPublic(type.getModifiers())) {
                        api.add(type.getName());
                    }
                }
            }
        }
        assertThat(api).containsExactlyElementsOf(expected());
    }

    private List<String> expected() throws IOException, URISyntaxException {
        try (InputStream in = getClass().getResourceAsStream("/public-api.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).sorted().toList();
        }
    }
}
