package dev.portkeeper.httpclient5;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** portkeeper-httpclient5 compiles against the face only: the engine is not API. */
@AnalyzeClasses(packages = "dev.portkeeper.httpclient5", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    @ArchTest
    static final ArchRule usesTheFaceOnly = noClasses()
            .that().resideInAPackage("dev.portkeeper.httpclient5..")
            .should().dependOnClassesThat().resideInAPackage("dev.portkeeper.internal..")
            .because("the engine behind ConnectionPool changes without notice; the face is the contract");
}
