package dev.portkeeper.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** This module uses core's exported API only, never its engine. */
@AnalyzeClasses(packages = "dev.portkeeper.cli", importOptions = ImportOption.DoNotIncludeTests.class)
class CoreApiOnlyTest {
    @ArchTest
    static final ArchRule noEngineClasses = noClasses().that().resideInAPackage("dev.portkeeper.cli..")
            .should().dependOnClassesThat().resideInAPackage("dev.portkeeper.internal..")
            .because("dev.portkeeper.internal is not exported by module dev.portkeeper.core");
}
