package dev.portkeeper.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

/**
 * The layering of portkeeper-core, checked on its main classes: packages form no cycle (the root
 * package {@code dev.portkeeper} is a slice of its own, so the face and the engine are checked
 * against each other), the engine in {@code dev.portkeeper.internal} is reached only through the
 * face, and the kernel readers depend on nothing of ours.
 */
@AnalyzeClasses(packages = "dev.portkeeper", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    /** Every package of ours is a slice: {@code dev.portkeeper} itself, {@code internal}, {@code kernel}, ... */
    static final SliceAssignment PACKAGES = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            String pkg = javaClass.getPackageName();
            if (!pkg.equals("dev.portkeeper") && !pkg.startsWith("dev.portkeeper.")) {
                return SliceIdentifier.ignore();
            }
            return SliceIdentifier.of(pkg);
        }

        @Override
        public String getDescription() {
            return "packages of dev.portkeeper, the root package included";
        }
    };

    @ArchTest
    static final ArchRule noPackageCycles = slices().assignedFrom(PACKAGES).should().beFreeOfCycles();

    @ArchTest
    static final ArchRule engineReachedOnlyThroughTheFace = noClasses()
            .that().resideOutsideOfPackages("dev.portkeeper", "dev.portkeeper.internal..")
            .should().dependOnClassesThat().resideInAPackage("dev.portkeeper.internal..")
            .because("the engine is not API: budget, advice and kernel use the face, and users cannot see it");

    @ArchTest
    static final ArchRule engineKnowsNothingOfTheFace = noClasses()
            .that().resideInAPackage("dev.portkeeper.internal..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.portkeeper", "dev.portkeeper.budget..",
                    "dev.portkeeper.advice..")
            .because("dependencies point inward: the face adapts the engine, never the reverse");

    @ArchTest
    static final ArchRule kernelDependsOnNothingOfOurs = noClasses()
            .that().resideInAPackage("dev.portkeeper.kernel..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.portkeeper", "dev.portkeeper.internal..",
                    "dev.portkeeper.budget..", "dev.portkeeper.advice..")
            .because("the procfs readers know nothing of pools");
}
