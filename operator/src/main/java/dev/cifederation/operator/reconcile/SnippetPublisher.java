package dev.cifederation.operator.reconcile;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps an identity's workflow snippets in a ConfigMap of its namespace, owned by the identity
 * (garbage-collected with it). Reads the ConfigMap by name and writes only when its content
 * differs, so a steady resync makes no write; a same-named ConfigMap the identity does not own is
 * never touched.
 */
public class SnippetPublisher {

  static final String SUFFIX = "-ci-snippets";
  static final String FIELD_MANAGER = "cifederation-operator";
  static final String IDENTITY_LABEL = "cifederation.dev/identity";
  private static final int MAX_NAME = 253;

  /** Why the snippets could not be published; the message is for people. */
  public static final class NotPublished extends RuntimeException {
    NotPublished(String message) {
      super(message);
    }
  }

  private final KubernetesClient client;

  public SnippetPublisher(KubernetesClient client) {
    this.client = client;
  }

  /** The ConfigMap name of an identity: {@code <name>-ci-snippets}, shortened with a hash. */
  public static String configMapName(String identityName) {
    String name = identityName + SUFFIX;
    if (name.length() <= MAX_NAME) {
      return name;
    }
    return identityName.substring(0, MAX_NAME - SUFFIX.length() - 9)
        + "-"
        + sha256(identityName).substring(0, 8)
        + SUFFIX;
  }

  /**
   * Makes the identity's ConfigMap hold exactly {@code data}; returns its name.
   *
   * @throws NotPublished when a ConfigMap of that name belongs to something else, or the API server
   *     refused the read or the write (e.g. RBAC)
   */
  public String publish(CIFederatedIdentity identity, Map<String, String> data) {
    String namespace = identity.getMetadata().getNamespace();
    String name = configMapName(identity.getMetadata().getName());
    OwnerReference owner =
        new OwnerReferenceBuilder()
            .withApiVersion(identity.getApiVersion())
            .withKind(identity.getKind())
            .withName(identity.getMetadata().getName())
            .withUid(identity.getMetadata().getUid())
            .withController(true)
            .build();
    Map<String, String> labels =
        Map.of(
            "app.kubernetes.io/managed-by",
            FIELD_MANAGER,
            IDENTITY_LABEL,
            identity.getMetadata().getName());
    try {
      ConfigMap live = client.configMaps().inNamespace(namespace).withName(name).get();
      if (live != null) {
        boolean ours =
            live.getMetadata().getOwnerReferences().stream()
                .anyMatch(r -> Objects.equals(r.getUid(), owner.getUid()));
        if (!ours) {
          throw new NotPublished(
              "ConfigMap "
                  + namespace
                  + "/"
                  + name
                  + " exists and is not owned by this identity; the workflow snippets are not"
                  + " written over it (delete or rename it)");
        }
        if (data.equals(live.getData())
            && live.getMetadata().getLabels().entrySet().containsAll(labels.entrySet())) {
          return name;
        }
      }
      ConfigMap desired =
          new ConfigMapBuilder()
              .withNewMetadata()
              .withName(name)
              .withNamespace(namespace)
              .withLabels(labels)
              .withOwnerReferences(List.of(owner))
              .endMetadata()
              .withData(data)
              .build();
      client.resource(desired).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
      return name;
    } catch (KubernetesClientException e) {
      throw new NotPublished(
          "could not write ConfigMap "
              + namespace
              + "/"
              + name
              + " with the workflow snippets: "
              + e.getMessage());
    }
  }

  private static String sha256(String value) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
