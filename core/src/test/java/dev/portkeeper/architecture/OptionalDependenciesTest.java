package dev.portkeeper.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.portkeeper.ConnectionPool;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Micrometer and Resilience4j are optional dependencies of portkeeper-core: nothing breaks when they
 * are absent. Shown three ways: only {@code dev.portkeeper.metrics} and
 * {@code dev.portkeeper.resilience} refer to them (and not {@code PortkeeperMeter} nor
 * {@code CircuitOpenException}, which tools use without them); the module descriptor requires them
 * {@code static}; and core's classes, on a class loader that has core and SLF4J and nothing else,
 * all load and a pool and a budget monitor run, while the binders alone fail to load.
 */
class OptionalDependenciesTest {
    private static final String[] OPTIONAL = {"io.micrometer..", "io.github.resilience4j.."};

    private final JavaClasses core = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.portkeeper");

    @Test
    void onlyTheMetricsAndResiliencePackagesReferToThem() {
        noClasses().that().resideOutsideOfPackages("dev.portkeeper.metrics..", "dev.portkeeper.resilience..")
                .should().dependOnClassesThat().resideInAnyPackage(OPTIONAL).check(core);
        noClasses().that().haveSimpleName("PortkeeperMeter").or().haveSimpleName("CircuitOpenException")
                .or().haveSimpleName("Causes")
                .should().dependOnClassesThat().resideInAnyPackage(OPTIONAL).check(core);
    }

    @Test
    void theModuleRequiresThemStatic() throws Exception {
        ModuleDescriptor descriptor;
        try (InputStream in = Files.newInputStream(classes().resolve("module-info.class"))) {
            descriptor = ModuleDescriptor.read(in);
        }
        Set<String> optional = descriptor.requires().stream()
                .filter(r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
                .map(ModuleDescriptor.Requires::name).collect(Collectors.toSet());
        assertThat(optional).containsExactlyInAnyOrder("micrometer.core", "io.github.resilience4j.circuitbreaker",
                "io.github.resilience4j.core", "io.github.resilience4j.micrometer");
        assertThat(descriptor.requires()).filteredOn(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
                .extracting(ModuleDescriptor.Requires::name).containsExactlyInAnyOrder("java.base", "org.slf4j", "jdk.net");
    }

    @Test
    void coreRunsWithoutThem() throws Exception {
        Path classes = classes();
        Path slf4j = Path.of(LoggerFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL(), slf4j.toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> loader.loadClass("io.micrometer.core.instrument.MeterRegistry"))
                    .isInstanceOf(ClassNotFoundException.class);
            assertThatThrownBy(() -> loader.loadClass("io.github.resilience4j.circuitbreaker.CircuitBreaker"))
                    .isInstanceOf(ClassNotFoundException.class);

            List<String> loaded = new ArrayList<>();
            for (String name : classNames(classes)) {
                if (name.startsWith("dev.portkeeper.metrics.") && !name.startsWith("dev.portkeeper.metrics.PortkeeperMeter")
                        && !name.equals("dev.portkeeper.metrics.Causes")
                        || name.startsWith("dev.portkeeper.resilience.") && !name.equals(
                                "dev.portkeeper.resilience.CircuitOpenException")) {
                    continue;
                }
                Class.forName(name, true, loader);
                loaded.add(name);
            }
            assertThat(loaded).contains("dev.portkeeper.ConnectionPool", "dev.portkeeper.budget.PortBudgetMonitor",
                    "dev.portkeeper.metrics.PortkeeperMeter").hasSizeGreaterThan(100);

            // A pool and a monitor work: build, sample, close.
            Class<?> poolType = loader.loadClass("dev.portkeeper.ConnectionPool");
            Object builder = poolType.getMethod("builder").invoke(null);
            Object pool = builder.getClass().getMethod("build").invoke(builder);
            poolType.getMethod("close").invoke(pool);
            Class<?> monitorType = loader.loadClass("dev.portkeeper.budget.PortBudgetMonitor");
            Object monitorBuilder = monitorType.getMethod("builder").invoke(null);
            Object monitor = monitorBuilder.getClass().getMethod("build").invoke(monitorBuilder);
            Object snapshot = monitorType.getMethod("snapshot").invoke(monitor);
            assertThat(snapshot).isNotNull();
            Class<?> meter = loader.loadClass("dev.portkeeper.metrics.PortkeeperMeter");
            assertThat(meter.getEnumConstants()).hasSizeGreaterThan(20);

            // The binders themselves need Micrometer: a clear failure, only when used.
            assertThatThrownBy(() -> Class.forName("dev.portkeeper.metrics.PoolMetrics", true, loader))
                    .isInstanceOf(NoClassDefFoundError.class).hasMessageContaining("io/micrometer");
            assertThatThrownBy(() -> Class.forName("dev.portkeeper.resilience.EndpointCircuitBreakers", true, loader))
                    .isInstanceOf(NoClassDefFoundError.class).hasMessageContaining("io/github/resilience4j");
        }
    }

    private static Path classes() throws Exception {
        return Path.of(ConnectionPool.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static List<String> classNames(Path root) throws Exception {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".class") && !p.getFileName().toString().equals("module-info.class")
                    && !p.getFileName().toString().equals("package-info.class"))
                    .map(p -> root.relativize(p).toString().replace('/', '.').replaceAll("\\.class$", ""))
                    .sorted().toList();
        }
    }
}
