package dev.cifederation.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * What the publisher decides from the informer's copy alone. Its client points at a closed port, so
 * any API call fails the publish: a test that passes made none (a steady resync costs no read).
 */
class SnippetPublisherTest {

  private static final KubernetesClient NO_SERVER =
      new KubernetesClientBuilder()
          .withConfig(
              new ConfigBuilder()
                  .withMasterUrl("http://127.0.0.1:1")
                  .withRequestRetryBackoffLimit(0)
                  .withConnectionTimeout(500)
                  .build())
          .build();
  private static final Map<String, String> DATA = Map.of("github-actions.yaml", "steps: []");

  @AfterAll
  static void close() {
    NO_SERVER.close();
  }

  @Test
  void anUnchangedCachedConfigMapCostsNoApiCall() {
    var identity = identity("deploy", "uid-1");
    ConfigMap cached = ours(identity, DATA);

    assertThat(new SnippetPublisher(NO_SERVER).publish(identity, DATA, Optional.of(cached)))
        .isEqualTo("deploy-ci-snippets");
  }

  @Test
  void anUnchangedConfigMapAsTheInformerKeepsItCostsNoApiCall() {
    var identity = identity("deploy", "uid-1");
    ConfigMap cached = asCached(ours(identity, DATA));

    assertThat(cached.getData()).containsOnlyKeys(SnippetPublisher.DIGEST_KEY);
    assertThat(new SnippetPublisher(NO_SERVER).publish(identity, DATA, Optional.of(cached)))
        .isEqualTo("deploy-ci-snippets");
  }

  @Test
  void aChangedConfigMapAsTheInformerKeepsItIsWritten() {
    var identity = identity("deploy", "uid-1");
    ConfigMap cached = asCached(ours(identity, Map.of("github-actions.yaml", "old")));

    assertThatThrownBy(
            () -> new SnippetPublisher(NO_SERVER).publish(identity, DATA, Optional.of(cached)))
        .isInstanceOf(SnippetPublisher.NotPublished.class)
        .hasMessageContaining("could not write ConfigMap team-a/deploy-ci-snippets");
  }

  @Test
  void digestsTellApartDataThatConcatenatesAlike() {
    assertThat(SnippetPublisher.digestOf(Map.of("a", "bc")))
        .isNotEqualTo(SnippetPublisher.digestOf(Map.of("ab", "c")))
        .isNotEqualTo(SnippetPublisher.digestOf(Map.of("a", "b", "c", "")))
        .isEqualTo(SnippetPublisher.digestOf(SnippetPublisher.digestOnly(Map.of("a", "bc"))));
  }

  @Test
  void aChangedCachedConfigMapIsWritten() {
    var identity = identity("deploy", "uid-1");
    ConfigMap cached = ours(identity, Map.of("github-actions.yaml", "old"));

    // the write is attempted (and fails here, with no server)
    assertThatThrownBy(
            () -> new SnippetPublisher(NO_SERVER).publish(identity, DATA, Optional.of(cached)))
        .isInstanceOf(SnippetPublisher.NotPublished.class)
        .hasMessageContaining("could not write ConfigMap team-a/deploy-ci-snippets");
  }

  @Test
  void aLabelledConfigMapOfAnotherOwnerIsRefusedWithoutAnApiCall() {
    var identity = identity("deploy", "uid-1");
    // someone in the namespace made it first, with the operator's label, owned by nothing
    ConfigMap lookalike = ours(identity, DATA);
    lookalike.getMetadata().setOwnerReferences(null);

    assertThatThrownBy(
            () -> new SnippetPublisher(NO_SERVER).publish(identity, DATA, Optional.of(lookalike)))
        .isInstanceOf(SnippetPublisher.NotPublished.class)
        .hasMessageContaining("is not owned by this identity");
  }

  @Test
  void aNamespaceOutsideTheSnippetNamespacesIsRefusedWithoutAnApiCall() {
    var publisher = new SnippetPublisher(NO_SERVER, Set.of("team-b"));

    assertThatThrownBy(() -> publisher.publish(identity("deploy", "uid-1"), DATA))
        .isInstanceOf(SnippetPublisher.NotPublished.class)
        .hasMessageContaining("namespace team-a is not one of")
        .hasMessageContaining("CIFED_WORKFLOW_SNIPPET_NAMESPACES");
  }

  private static CIFederatedIdentity identity(String name, String uid) {
    var identity = new CIFederatedIdentity();
    identity.setMetadata(
        new ObjectMetaBuilder().withName(name).withNamespace("team-a").withUid(uid).build());
    return identity;
  }

  /** The ConfigMap as the operator writes it, as the informer caches it. */
  /** The ConfigMap as the informer's store keeps it. */
  private static ConfigMap asCached(ConfigMap configMap) {
    var store = TrimmedItemStore.configMapsWithDataOfIdentitiesOnly();
    store.put(store.getKey(configMap), configMap);
    return store.get(store.getKey(configMap));
  }

  private static ConfigMap ours(CIFederatedIdentity identity, Map<String, String> data) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(SnippetPublisher.configMapName(identity.getMetadata().getName()))
        .withNamespace("team-a")
        .withLabels(
            Map.of(
                "app.kubernetes.io/managed-by",
                SnippetPublisher.FIELD_MANAGER,
                SnippetPublisher.IDENTITY_LABEL,
                identity.getMetadata().getName()))
        .addNewOwnerReference()
        .withApiVersion(identity.getApiVersion())
        .withKind(identity.getKind())
        .withName(identity.getMetadata().getName())
        .withUid(identity.getMetadata().getUid())
        .withController(true)
        .endOwnerReference()
        .endMetadata()
        .withData(data)
        .build();
  }
}
