package dev.cifederation.operator;

import static dev.cifederation.operator.testsupport.KubeApiServerSupport.FIELD_MANAGER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import dev.cifederation.operator.testsupport.KubeApiServerSupport.KubectlResult;
import dev.cifederation.operator.testsupport.Manifests;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.FieldValidateable.Validation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every manifest under {@code examples/} is accepted by the real API server, the way users apply
 * it: server-side apply with strict field validation (a misspelt field fails instead of being
 * pruned), and {@code kubectl apply --server-side}. The files are discovered from the directory, so
 * a new example is tested without being listed anywhere.
 */
class ExamplesIT {

  private static KubeApiServerSupport apiServer;
  private static KubernetesClient client;

  @BeforeAll
  static void createExampleNamespaces() throws IOException {
    apiServer = KubeApiServerSupport.shared();
    client = apiServer.client();
    // namespaced examples need their namespace, whatever order the files are tested in
    for (Path file : exampleFiles()) {
      for (Map<String, Object> document : Manifests.trees(Files.readString(file))) {
        if ("Namespace".equals(document.get("kind"))) {
          apply(Manifests.resource(document));
        }
      }
    }
  }

  static Stream<Named<Path>> examples() throws IOException {
    return exampleFiles().stream().map(f -> Named.of(f.getFileName().toString(), f));
  }

  @Test
  void theGuideScenariosHaveExamples() throws IOException {
    assertThat(exampleFiles().stream().map(f -> f.getFileName().toString()))
        .contains(
            "namespace.yaml",
            "issuer-github.yaml",
            "issuer-gitlab.yaml",
            "github-aws-production.yaml",
            "github-gcp.yaml",
            "github-azure.yaml",
            "gitlab-aws-main.yaml",
            "github-all-clouds.yaml",
            "policy-team-a.yaml",
            "issuer-circleci.yaml",
            "circleci-aws.yaml",
            "issuer-buildkite.yaml",
            "buildkite-aws.yaml",
            "issuer-hcp-terraform.yaml",
            "hcp-terraform-aws.yaml",
            "github-immutable-migration.yaml");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void isAcceptedByTheApiServer(Path file) throws IOException {
    String text = Files.readString(file);
    assertThat(text).as("%s starts with a comment saying what it shows", file).startsWith("# ");
    List<Map<String, Object>> documents = Manifests.trees(text);
    assertThat(documents).as("documents in %s", file).isNotEmpty();

    for (Map<String, Object> document : documents) {
      GenericKubernetesResource applied = apply(Manifests.resource(document));
      assertThat(applied.getMetadata().getUid()).isNotBlank();
      if (document.get("apiVersion").toString().startsWith("cifederation.dev/")) {
        assertThat(applied.getMetadata().getGeneration()).isEqualTo(1L);
      }
    }

    KubectlResult kubectl =
        apiServer.kubectl(
            "apply",
            "--server-side",
            "--field-manager=" + FIELD_MANAGER,
            "--validate=strict",
            "--dry-run=server",
            "-f",
            file.toString());
    assertThat(kubectl.exitCode()).as(kubectl.output()).isZero();
  }

  private static GenericKubernetesResource apply(GenericKubernetesResource resource) {
    return client
        .resource(resource)
        .fieldValidation(Validation.STRICT)
        .fieldManager(FIELD_MANAGER)
        .forceConflicts()
        .serverSideApply();
  }

  private static List<Path> exampleFiles() throws IOException {
    Path dir = KubeApiServerSupport.shared().repoRoot().resolve("examples");
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> examples =
          files
              .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
              .sorted()
              .toList();
      assertThat(examples).as("examples under %s", dir).isNotEmpty();
      return examples;
    }
  }
}
