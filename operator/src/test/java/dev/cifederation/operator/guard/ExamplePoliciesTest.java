package dev.cifederation.operator.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederationPolicy;
import dev.cifederation.operator.guard.PolicyEvaluator.Ungoverned;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Under default deny every example identity is allowed by the example policies that select its
 * namespace: an example that only the API server accepts would fail in a real cluster.
 */
class ExamplePoliciesTest {

  private static final Path EXAMPLES = Path.of("..", "examples");

  @Test
  void everyExampleIdentityIsGrantedByItsNamespacesPolicy() throws IOException {
    List<CIFederatedIdentity> identities = new ArrayList<>();
    List<CIFederationPolicy> policies = new ArrayList<>();
    Map<String, Map<String, String>> labels = new HashMap<>();
    try (Stream<Path> files = Files.list(EXAMPLES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        for (String document : Files.readString(file).split("(?m)^---\\s*$")) {
          String kind = kind(document);
          switch (kind) {
            case "CIFederatedIdentity" ->
                identities.add(Serialization.unmarshal(document, CIFederatedIdentity.class));
            case "CIFederationPolicy" ->
                policies.add(Serialization.unmarshal(document, CIFederationPolicy.class));
            case "Namespace" -> {
              Namespace namespace = Serialization.unmarshal(document, Namespace.class);
              labels.put(namespace.getMetadata().getName(), namespace.getMetadata().getLabels());
            }
            default -> {}
          }
        }
      }
    }
    assertThat(identities).hasSizeGreaterThan(8);
    for (CIFederatedIdentity identity : identities) {
      String namespace = identity.getMetadata().getNamespace();
      PolicyVerdict verdict =
          PolicyEvaluator.evaluate(
              identity.getSpec(),
              namespace,
              labels.getOrDefault(namespace, Map.of()),
              policies,
              Ungoverned.Deny);
      assertThat(verdict.compliant())
          .as(identity.getMetadata().getName() + ": " + verdict.message())
          .isTrue();
    }
  }

  private static String kind(String document) {
    for (String line : document.split("\n")) {
      if (line.startsWith("kind:")) {
        return line.substring("kind:".length()).trim();
      }
    }
    return "";
  }
}
