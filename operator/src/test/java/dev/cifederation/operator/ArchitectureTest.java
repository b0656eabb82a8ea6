package dev.cifederation.operator;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.simpleName;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering rules (docs/architecture.md), checked on the compiled main classes with ArchUnit, so
 * that a fully qualified name or a type reached through a lambda counts as much as an import: the
 * model imports nothing of the operator, data flows one way (entry point → reconcile → guard,
 * issuer, cloud → trust → api), the trust compiler and the guardrails do no I/O, and each cloud SDK
 * appears in its own adapter package only.
 */
class ArchitectureTest {

  private static final String OPERATOR = "dev.cifederation.operator";
  private static final String[] CLOUD_SDKS = {
    "software.amazon.awssdk..", "com.google.api..", "com.google.auth..", "com.azure.."
  };

  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages(OPERATOR);
  }

  @Test
  void layersDependOnlyDownwards() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("Entry point")
        .definedBy(OPERATOR)
        .layer("Reconcile")
        .definedBy(OPERATOR + ".reconcile..")
        .layer("Cloud")
        .definedBy(OPERATOR + ".cloud..")
        .layer("Issuer")
        .definedBy(OPERATOR + ".issuer..")
        .layer("Guard")
        .definedBy(OPERATOR + ".guard..")
        .layer("Snippets")
        .definedBy(OPERATOR + ".snippets..")
        .layer("Trust")
        .definedBy(OPERATOR + ".trust..")
        .layer("Observe")
        .definedBy(OPERATOR + ".observe..")
        .layer("Config")
        .definedBy(OPERATOR + ".config..")
        .layer("Api")
        .definedBy(OPERATOR + ".api..")
        .whereLayer("Reconcile")
        .mayOnlyBeAccessedByLayers("Entry point")
        .whereLayer("Cloud")
        .mayOnlyAccessLayers("Api", "Trust", "Config", "Observe", "Issuer")
        .whereLayer("Issuer")
        .mayOnlyAccessLayers("Api")
        .whereLayer("Guard")
        .mayOnlyAccessLayers("Api", "Trust")
        .whereLayer("Snippets")
        .mayOnlyAccessLayers("Api", "Trust")
        .whereLayer("Trust")
        .mayOnlyAccessLayers("Api")
        .whereLayer("Observe")
        .mayOnlyAccessLayers("Api")
        .whereLayer("Config")
        .mayNotAccessAnyLayer()
        .whereLayer("Api")
        .mayNotAccessAnyLayer()
        .check(main);
  }

  @Test
  void theModelUsesNoClientButItsCustomResourceBase() {
    noClasses()
        .that()
        .resideInAPackage(OPERATOR + ".api..")
        .should()
        .dependOnClassesThat(
            resideInAnyPackage("io.fabric8.kubernetes.client..", "io.javaoperatorsdk..")
                .and(not(simpleName("CustomResource"))))
        .check(main);
  }

  @Test
  void theTrustCompilerAndTheGuardrailsArePure() {
    noClasses()
        .that()
        .resideInAnyPackage(OPERATOR + ".trust..", OPERATOR + ".guard..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.fabric8.kubernetes.client..",
            "io.javaoperatorsdk..",
            "java.net..",
            "java.nio.file..",
            "java.net.http..")
        .check(main);
    noClasses()
        .that()
        .resideInAnyPackage(OPERATOR + ".trust..", OPERATOR + ".guard..", OPERATOR + ".issuer..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(CLOUD_SDKS)
        .check(main);
  }

  @Test
  void eachCloudSdkAppearsOnlyInItsOwnAdapterPackage() {
    Map<String, String[]> homes =
        Map.of(
            ".cloud.aws..", new String[] {"software.amazon.awssdk.."},
            ".cloud.gcp..", new String[] {"com.google.api..", "com.google.auth.."},
            ".cloud.azure..", new String[] {"com.azure.."});
    homes.forEach(
        (home, sdk) ->
            noClasses()
                .that()
                .resideOutsideOfPackage(OPERATOR + home)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(sdk)
                .check(main));
  }

  /**
   * One read of the environment, at start-up: everything else is handed the OperatorConfig (whose
   * layer, Config, depends on no other).
   */
  @Test
  void onlyTheEntryPointReadsTheEnvironment() {
    noClasses()
        .that()
        .doNotHaveSimpleName("OperatorApp")
        .should()
        .callMethod(System.class, "getenv")
        .orShould()
        .callMethod(System.class, "getenv", String.class)
        .check(main);
  }

  @Test
  void theAdaptersDoNotKnowEachOther() {
    slices().matching(OPERATOR + ".cloud.(*)..").should().notDependOnEachOther().check(main);
  }
}
