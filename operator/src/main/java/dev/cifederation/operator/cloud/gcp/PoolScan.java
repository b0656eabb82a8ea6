package dev.cifederation.operator.cloud.gcp;

import com.google.api.services.iam.v1.model.Oidc;
import com.google.api.services.iam.v1.model.WorkloadIdentityPool;
import com.google.api.services.iam.v1.model.WorkloadIdentityPoolProvider;
import dev.cifederation.operator.cloud.ScopeScans;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One scheduled scan of a pool ({@code pools.get} and one {@code providers.list}), as the passes of
 * its identities share it: the latest {@link PoolView}, which their own writes keep up to date.
 */
final class PoolScan implements ScopeScans.View {

  static final String POOL_KEY = "pool";

  private volatile PoolView view;

  PoolScan(PoolView view) {
    this.view = view;
  }

  PoolView view() {
    return view;
  }

  /** The operator's own write (or fresh read) of the pool itself. */
  synchronized void putPool(WorkloadIdentityPool pool) {
    view = new PoolView(java.util.Optional.of(pool), view.providers());
  }

  /** The operator's own write (or fresh read) of one provider. */
  synchronized void putProvider(WorkloadIdentityPoolProvider provider) {
    view = view.with(provider);
  }

  /** A fresh read of the whole pool, made by a pass that had to decide on it. */
  synchronized void replace(PoolView fresh) {
    view = fresh;
  }

  static String providerKey(String providerId) {
    return "provider/" + providerId;
  }

  /**
   * {@code pool}: its state, disabled flag and description (the issuer mark); {@code provider/ID}:
   * each provider's state and every field the trust depends on.
   */
  @Override
  public Map<String, Object> fingerprints() {
    PoolView now = view;
    Map<String, Object> fingerprints = new HashMap<>();
    now.pool()
        .ifPresent(
            p ->
                fingerprints.put(
                    POOL_KEY,
                    Arrays.asList(
                        p.getState(), Boolean.TRUE.equals(p.getDisabled()), p.getDescription())));
    now.providers().forEach((id, p) -> fingerprints.put(providerKey(id), fingerprint(p)));
    return fingerprints;
  }

  private static List<Object> fingerprint(WorkloadIdentityPoolProvider p) {
    Oidc oidc = p.getOidc();
    return Arrays.asList(
        p.getState(),
        Boolean.TRUE.equals(p.getDisabled()),
        p.getDescription(),
        p.getDisplayName(),
        oidc == null ? null : oidc.getIssuerUri(),
        oidc == null || oidc.getAllowedAudiences() == null
            ? List.of()
            : List.copyOf(oidc.getAllowedAudiences()),
        p.getAttributeMapping() == null ? Map.of() : new TreeMap<>(p.getAttributeMapping()),
        p.getAttributeCondition());
  }
}
