package dev.cifederation.operator.cloud.gcp;

import com.google.api.services.iam.v1.model.WorkloadIdentityPool;
import com.google.api.services.iam.v1.model.WorkloadIdentityPoolProvider;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One bulk read of a pool: the pool itself and every provider in it (ACTIVE and DELETED), by ID.
 * Shared by all identities of the pool through its {@link PoolScan}; treat as read-only.
 */
record PoolView(
    Optional<WorkloadIdentityPool> pool, Map<String, WorkloadIdentityPoolProvider> providers) {

  static final String ACTIVE = "ACTIVE";
  static final String DELETED = "DELETED";

  PoolView {
    providers = Collections.unmodifiableMap(new LinkedHashMap<>(providers));
  }

  static PoolView of(
      Optional<WorkloadIdentityPool> pool, List<WorkloadIdentityPoolProvider> providers) {
    Map<String, WorkloadIdentityPoolProvider> byId = new LinkedHashMap<>();
    providers.forEach(p -> byId.put(idOf(p.getName()), p));
    return new PoolView(pool, byId);
  }

  boolean isActive() {
    return pool.isPresent() && ACTIVE.equals(pool.get().getState());
  }

  boolean isDeleted() {
    return pool.isPresent() && DELETED.equals(pool.get().getState());
  }

  WorkloadIdentityPoolProvider provider(String providerId) {
    return providers.get(providerId);
  }

  /** The view after the operator's own write of one provider. */
  PoolView with(WorkloadIdentityPoolProvider provider) {
    Map<String, WorkloadIdentityPoolProvider> copy = new LinkedHashMap<>(providers);
    copy.put(idOf(provider.getName()), provider);
    return new PoolView(pool, copy);
  }

  static String idOf(String resourceName) {
    return resourceName.substring(resourceName.lastIndexOf('/') + 1);
  }
}
