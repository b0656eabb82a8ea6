package dev.cifederation.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentityStatus;
import dev.cifederation.operator.testsupport.Fixtures;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrimmedItemStoreTest {

  @Test
  void cachedObjectsLoseManagedFieldsAndLastAppliedButKeepWhatIsRead() {
    var store = new TrimmedItemStore<Namespace>();
    Namespace namespace =
        new NamespaceBuilder()
            .withNewMetadata()
            .withName("team-a")
            .withResourceVersion("7")
            .withLabels(Map.of("team", "a"))
            .withAnnotations(
                Map.of(TrimmedItemStore.LAST_APPLIED, "{\"a\":\"copy\"}", "owner", "platform"))
            .withManagedFields(
                new ManagedFieldsEntryBuilder()
                    .withManager("kubectl")
                    .withOperation("Apply")
                    .build())
            .endMetadata()
            .build();

    store.put(store.getKey(namespace), namespace);

    Namespace cached = store.get("team-a");
    assertThat(cached.getMetadata().getManagedFields()).isNullOrEmpty();
    assertThat(cached.getMetadata().getAnnotations())
        .containsExactly(Map.entry("owner", "platform"));
    assertThat(cached.getMetadata().getLabels()).containsExactly(Map.entry("team", "a"));
    assertThat(cached.getMetadata().getResourceVersion()).isEqualTo("7");
    assertThat(store.keySet()).containsExactly("team-a");
    assertThat(store.remove("team-a")).isSameAs(cached);
    assertThat(store.size()).isZero();
  }

  @Test
  void theIssuersCacheOfIdentitiesKeepsNamesAndSpecOnly() {
    var store = TrimmedItemStore.identitiesWithoutStatus();
    CIFederatedIdentity identity = Fixtures.identity("team-a", "deploy");
    identity.setStatus(new CIFederatedIdentityStatus());
    identity.getMetadata().setManagedFields(List.of(new ManagedFieldsEntryBuilder().build()));

    store.put(store.getKey(identity), identity);

    CIFederatedIdentity cached = store.get("team-a/deploy");
    assertThat(cached.getStatus()).isNull();
    assertThat(cached.getMetadata().getManagedFields()).isNullOrEmpty();
    assertThat(cached.getSpec().getIssuerRef()).isEqualTo(identity.getSpec().getIssuerRef());
  }

  @Test
  void labelledConfigMapsKeepADigestOfTheirDataOnlyWhenAnIdentityOwnsThem() {
    var store = TrimmedItemStore.configMapsWithDataOfIdentitiesOnly();
    ConfigMap owned =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName("deploy-ci-snippets")
            .withNamespace("team-a")
            .addNewOwnerReference()
            .withKind(HasMetadata.getKind(CIFederatedIdentity.class))
            .withName("deploy")
            .withUid("uid-1")
            .withController(true)
            .endOwnerReference()
            .endMetadata()
            .withData(Map.of("github-actions.yaml", "steps: []"))
            .build();
    // anyone who may create ConfigMaps there can put the operator's label on one
    ConfigMap lookalike =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName("big")
            .withNamespace("team-a")
            .endMetadata()
            .withData(Map.of("blob", "x".repeat(1000)))
            .build();

    store.put(store.getKey(owned), owned);
    store.put(store.getKey(lookalike), lookalike);

    assertThat(store.get("team-a/deploy-ci-snippets").getData())
        .containsExactly(
            Map.entry(
                SnippetPublisher.DIGEST_KEY,
                SnippetPublisher.digestOf(Map.of("github-actions.yaml", "steps: []"))));
    assertThat(store.get("team-a/big").getData()).isNullOrEmpty();
  }

  @Test
  void identitiesInEitherCacheShareTheValuesTheyHoldAlike() {
    var primary = new TrimmedItemStore<CIFederatedIdentity>();
    var issuers = TrimmedItemStore.identitiesWithoutStatus();
    CIFederatedIdentity one = readyIdentity("deploy");
    CIFederatedIdentity two = readyIdentity("build");

    primary.put(primary.getKey(one), one);
    primary.put(primary.getKey(two), two);
    CIFederatedIdentity again = readyIdentity("deploy");
    issuers.put(issuers.getKey(again), again);

    var first = primary.get("team-a/deploy");
    var second = primary.get("team-a/build");
    assertThat(second.getStatus().getConditions().get(0).getReason())
        .isSameAs(first.getStatus().getConditions().get(0).getReason());
    assertThat(second.getMetadata().getNamespace()).isSameAs(first.getMetadata().getNamespace());
    assertThat(issuers.get("team-a/deploy").getSpec().getIssuerRef())
        .isSameAs(first.getSpec().getIssuerRef())
        .isEqualTo("github");
  }

  /** A fresh copy, as each watch event decodes one: no string shared with another copy. */
  private static CIFederatedIdentity readyIdentity(String name) {
    CIFederatedIdentity identity =
        io.fabric8.kubernetes.client.utils.Serialization.clone(Fixtures.identity("team-a", name));
    var status = new CIFederatedIdentityStatus();
    status.setConditions(
        List.of(
            new io.fabric8.kubernetes.api.model.ConditionBuilder()
                .withType(new String("Ready"))
                .withStatus(new String("True"))
                .withReason(new String("Ready"))
                .withMessage(new String("Every configured cloud is in sync"))
                .build()));
    identity.setStatus(status);
    return io.fabric8.kubernetes.client.utils.Serialization.clone(identity);
  }
}
