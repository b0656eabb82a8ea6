package dev.cifederation.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layering rules (README, "Development": api → trust → guard → cloud → reconcile), checked on
 * the import lines of the main sources: data flows one way ({@code reconcile} → {@code
 * guard}/{@code trust}/{@code cloud}/{@code issuer} → {@code api}), the model imports nothing of
 * the operator, the trust compiler does no I/O, and each cloud SDK appears in its own package only.
 */
class ArchitectureTest {

  private static final Path MAIN = Path.of("src/main/java/dev/cifederation/operator");
  private static final Pattern IMPORT =
      Pattern.compile("^import (?:static )?([\\w.]+)[.\\w*]*;", Pattern.MULTILINE);
  private static final String OPERATOR = "dev.cifederation.operator.";

  @Test
  void apiImportsNothingOfTheOperatorAndNoClient() {
    assertNoImport(
        "api",
        i ->
            (i.startsWith(OPERATOR) && !i.startsWith(OPERATOR + "api."))
                || i.startsWith("io.fabric8.kubernetes.client.")
                    && !i.equals("io.fabric8.kubernetes.client.CustomResource")
                || i.startsWith("io.javaoperatorsdk"));
  }

  @Test
  void trustCompilerIsPure() {
    assertNoImport(
        "trust",
        i ->
            (i.startsWith(OPERATOR)
                    && !i.startsWith(OPERATOR + "api.")
                    && !i.startsWith(OPERATOR + "trust."))
                || i.startsWith("io.fabric8.kubernetes.client")
                || i.startsWith("io.javaoperatorsdk")
                || i.startsWith("java.net.")
                || i.startsWith("java.nio.file.")
                || isCloudSdk(i));
  }

  /**
   * Issuer health does discovery and TLS itself but touches neither Kubernetes nor a cloud: the
   * reconciler combines it with the AWS adapter, so the AWS SDK stays in cloud/aws.
   */
  @Test
  void issuerHealthKnowsOnlyTheModel() {
    assertNoImport(
        "issuer",
        i ->
            (i.startsWith(OPERATOR)
                    && !i.startsWith(OPERATOR + "api.")
                    && !i.startsWith(OPERATOR + "issuer."))
                || i.startsWith("io.fabric8.kubernetes.client")
                || i.startsWith("io.javaoperatorsdk")
                || isCloudSdk(i));
  }

  @Test
  void guardrailsArePure() {
    assertNoImport(
        "guard",
        i ->
            (i.startsWith(OPERATOR)
                    && !i.startsWith(OPERATOR + "api.")
                    && !i.startsWith(OPERATOR + "trust.")
                    && !i.startsWith(OPERATOR + "guard."))
                || i.startsWith("io.fabric8.kubernetes.client")
                || i.startsWith("io.javaoperatorsdk")
                || i.startsWith("java.net.")
                || i.startsWith("java.nio.file.")
                || isCloudSdk(i));
  }

  @Test
  void nothingButTheEntryPointImportsTheReconcilers() {
    forEachSource(
        (file, imports) -> {
          String pkg = packageOf(file);
          if (pkg.startsWith("reconcile")
              || file.getFileName().toString().equals("OperatorApp.java")) {
            return;
          }
          assertThat(imports)
              .as("%s must not import reconcile", file)
              .noneMatch(i -> i.startsWith(OPERATOR + "reconcile."));
        });
  }

  @Test
  void eachCloudSdkAppearsOnlyInItsOwnAdapterPackage() {
    Map<String, String> sdkToPackage =
        Map.of(
            "software.amazon.awssdk.", "cloud/aws",
            "com.google.api.", "cloud/gcp",
            "com.google.auth.", "cloud/gcp",
            "com.azure.", "cloud/azure");
    forEachSource(
        (file, imports) -> {
          String pkg = packageOf(file);
          sdkToPackage.forEach(
              (sdk, home) ->
                  assertThat(imports)
                      .as("%s imports %s outside %s", file, sdk, home)
                      .noneMatch(i -> i.startsWith(sdk) && !pkg.startsWith(home)));
        });
  }

  private static boolean isCloudSdk(String importName) {
    return importName.startsWith("software.amazon.awssdk.")
        || importName.startsWith("com.google.api.")
        || importName.startsWith("com.google.auth.")
        || importName.startsWith("com.azure.");
  }

  private static void assertNoImport(String packageDir, Predicate<String> forbidden) {
    Map<Path, List<String>> offences = new TreeMap<>();
    forEachSource(
        (file, imports) -> {
          if (packageOf(file).startsWith(packageDir)) {
            List<String> bad = imports.stream().filter(forbidden).toList();
            if (!bad.isEmpty()) {
              offences.put(file, bad);
            }
          }
        });
    assertThat(offences).as("forbidden imports in %s", packageDir).isEmpty();
  }

  private static String packageOf(Path file) {
    Path parent = MAIN.relativize(file).getParent();
    return parent == null ? "" : parent.toString().replace('\\', '/');
  }

  private interface SourceVisitor {
    void visit(Path file, List<String> imports);
  }

  private static void forEachSource(SourceVisitor visitor) {
    try (Stream<Path> files = Files.walk(MAIN)) {
      List<Path> sources = files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
      assertThat(sources).as("main sources").hasSizeGreaterThan(20);
      for (Path file : sources) {
        Matcher m = IMPORT.matcher(Files.readString(file));
        List<String> imports =
            m.results()
                .map(r -> r.group(0).replaceFirst("^import (static )?", "").replace(";", ""))
                .toList();
        visitor.visit(file, imports);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
