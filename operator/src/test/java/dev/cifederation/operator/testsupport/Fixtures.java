package dev.cifederation.operator.testsupport;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederationPolicy;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Resources as users write them — identities, issuers, policies and the repository's examples —
 * built from YAML so each test shows the spec it means. For specs built in code (the trust
 * compiler's tests) see {@link Specs}.
 */
public final class Fixtures {

  /** The issuer URL of GitHub Actions' OIDC tokens. */
  public static final String GITHUB_URL = "https://token.actions.githubusercontent.com";

  /**
   * The spec most tests start from: GitHub's {@code github} issuer, my-org/my-app's production
   * environment, AWS account 123456789012.
   */
  public static final String PRODUCTION_ON_AWS =
      """
      issuerRef: github
      repository: my-org/my-app
      subject: {environment: production}
      aws: {accountId: "123456789012"}
      """;

  private Fixtures() {}

  /** An identity with {@link #PRODUCTION_ON_AWS}. */
  public static CIFederatedIdentity identity(String namespace, String name) {
    return identity(namespace, name, PRODUCTION_ON_AWS);
  }

  /**
   * An identity with this spec ({@code spec:}'s YAML, unindented); {@code namespace} may be null
   * for a test that sets it when it creates the identity.
   */
  public static CIFederatedIdentity identity(String namespace, String name, String specYaml) {
    CIFederatedIdentity identity =
        Serialization.unmarshal(
            """
            apiVersion: cifederation.dev/v1alpha1
            kind: CIFederatedIdentity
            metadata: {name: %s}
            spec:
            %s"""
                .formatted(name, specYaml.stripTrailing().indent(2)),
            CIFederatedIdentity.class);
    identity.getMetadata().setNamespace(namespace);
    return identity;
  }

  /** A GitHub Actions issuer of that name. */
  public static CIIssuer gitHubIssuer(String name) {
    return issuer(name, GITHUB_URL, "GitHub");
  }

  public static CIIssuer issuer(String name, String url, String dialect) {
    return Serialization.unmarshal(
        """
        apiVersion: cifederation.dev/v1alpha1
        kind: CIIssuer
        metadata: {name: %s}
        spec: {url: "%s", dialect: %s}
        """
            .formatted(name, url, dialect),
        CIIssuer.class);
  }

  /** A policy from its whole YAML. */
  public static CIFederationPolicy policy(String yaml) {
    return Serialization.unmarshal(yaml, CIFederationPolicy.class);
  }

  /** The one document of {@code examples/<file>} as that kind. */
  public static <T> T example(String file, Class<T> type) {
    return Serialization.unmarshal(Repository.readExample(file), type);
  }

  /** Every document of {@code examples/<file>} as that kind. */
  public static <T> List<T> examples(String file, Class<T> type) {
    List<T> documents = new ArrayList<>();
    for (String document : Repository.readExample(file).split("(?m)^---\\s*$")) {
      if (!document.isBlank()) {
        documents.add(Serialization.unmarshal(document, type));
      }
    }
    return documents;
  }

  /** Six characters that make a name unique within a test class. */
  public static String shortId() {
    return UUID.randomUUID().toString().substring(0, 6);
  }
}
