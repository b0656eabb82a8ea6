package dev.cifederation.operator.reconcile;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * An informer cache that keeps each object without what the operator never reads: {@code
 * metadata.managedFields} (the server-side apply bookkeeping, often larger than the spec) and
 * kubectl's {@code last-applied-configuration} annotation (a second copy of the spec). Every
 * identity, issuer, policy and namespace sits in a cache for the operator's lifetime, so this is
 * memory per identity; the objects in the API server are untouched. A cache whose reader needs even
 * less drops more ({@link #withoutStatus}).
 */
public final class TrimmedItemStore<R extends HasMetadata> implements ItemStore<R> {

  static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

  // one for every cache of identities: their copies in both caches share the same instances
  private static final SharedStrings SHARED = new SharedStrings();

  private final BasicItemStore<R> store = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);
  private final Consumer<R> alsoDrop;

  /** Public and without arguments: java-operator-sdk instantiates it from an annotation. */
  public TrimmedItemStore() {
    this(object -> {});
  }

  private TrimmedItemStore(Consumer<R> alsoDrop) {
    this.alsoDrop = alsoDrop;
  }

  /**
   * Identities as the issuer reconciler reads them: names and spec only. Their status (conditions,
   * findings, who can assume them) is most of an identity, and only the identity reconciler reads
   * it, from its own cache.
   */
  public static TrimmedItemStore<CIFederatedIdentity> identitiesWithoutStatus() {
    return new TrimmedItemStore<>(identity -> identity.setStatus(null));
  }

  /**
   * The snippet ConfigMaps as the publisher reads them: a digest of the data of those an identity
   * owns, which is all the publisher compares (a ConfigMap per identity; its snippets were half of
   * the cached bytes), and no data at all of the others. The cache selects ConfigMaps by the
   * operator's label, which anyone who may create ConfigMaps in a namespace can put on theirs;
   * without their data they cost the operator next to no memory.
   */
  public static TrimmedItemStore<ConfigMap> configMapsWithDataOfIdentitiesOnly() {
    return new TrimmedItemStore<>(
        configMap -> {
          var references = configMap.getMetadata().getOwnerReferences();
          boolean identityOwned =
              references != null
                  && references.stream()
                      .anyMatch(
                          r ->
                              Boolean.TRUE.equals(r.getController())
                                  && IDENTITY_KIND.equals(r.getKind()));
          configMap.setData(
              identityOwned ? SnippetPublisher.digestOnly(configMap.getData()) : null);
          configMap.setBinaryData(null);
        });
  }

  private static final String IDENTITY_KIND = HasMetadata.getKind(CIFederatedIdentity.class);

  @Override
  public String getKey(R object) {
    return store.getKey(object);
  }

  @Override
  public R put(String key, R object) {
    R trimmed = trim(object);
    alsoDrop.accept(trimmed);
    if (trimmed instanceof CIFederatedIdentity identity) {
      share(identity, SHARED);
    }
    return store.put(key, trimmed);
  }

  @Override
  public R remove(String key) {
    return store.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return store.keySet();
  }

  @Override
  public Stream<R> values() {
    return store.values();
  }

  @Override
  public int size() {
    return store.size();
  }

  @Override
  public R get(String key) {
    return store.get(key);
  }

  /**
   * Replaces the identity's strings that most identities hold alike by shared instances: a cache of
   * thousands of identities held a copy of each per identity (a heap dump at 5,000: the bytes of
   * these fields came to 1.4 KiB per identity across both caches, the String objects aside).
   */
  static void share(CIFederatedIdentity identity, SharedStrings strings) {
    ObjectMeta metadata = identity.getMetadata();
    if (metadata != null) {
      metadata.setNamespace(strings.share(metadata.getNamespace()));
      metadata.setFinalizers(strings.share(metadata.getFinalizers()));
    }
    var spec = identity.getSpec();
    if (spec != null) {
      spec.setIssuerRef(strings.share(spec.getIssuerRef()));
      if (spec.getAws() != null) {
        spec.getAws().setAccountId(strings.share(spec.getAws().getAccountId()));
        spec.getAws().setMaxSessionDuration(strings.share(spec.getAws().getMaxSessionDuration()));
      }
    }
    var status = identity.getStatus();
    if (status != null) {
      if (status.getAws() != null) {
        status.getAws().setProviderArn(strings.share(status.getAws().getProviderArn()));
      }
      if (status.getConditions() != null) {
        for (var condition : status.getConditions()) {
          condition.setType(strings.share(condition.getType()));
          condition.setStatus(strings.share(condition.getStatus()));
          condition.setReason(strings.share(condition.getReason()));
          condition.setMessage(strings.share(condition.getMessage()));
        }
      }
    }
  }

  /** The object as cached: fresh from the watch, so trimmed in place. */
  static <R extends HasMetadata> R trim(R object) {
    ObjectMeta metadata = object.getMetadata();
    if (metadata != null) {
      metadata.setManagedFields(null);
      Map<String, String> annotations = metadata.getAnnotations();
      if (annotations != null && annotations.containsKey(LAST_APPLIED)) {
        Map<String, String> kept = new LinkedHashMap<>(annotations);
        kept.remove(LAST_APPLIED);
        metadata.setAnnotations(kept);
      }
    }
    return object;
  }
}
