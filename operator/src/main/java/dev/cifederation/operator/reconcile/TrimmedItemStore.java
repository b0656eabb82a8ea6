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
   * The snippet ConfigMaps as the publisher reads them: the data only of those an identity owns.
   * The cache selects ConfigMaps by the operator's label, which anyone who may create ConfigMaps in
   * a namespace can put on theirs; without their data they cost the operator next to no memory.
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
          if (!identityOwned) {
            configMap.setData(null);
            configMap.setBinaryData(null);
          }
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
