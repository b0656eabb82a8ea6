package dev.cifederation.operator.cloud.gcp;

import static dev.cifederation.operator.cloud.gcp.PolicyMembers.WORKLOAD_IDENTITY_USER;

import com.google.api.services.iam.v1.model.Policy;
import com.google.api.services.iam.v1.model.WorkloadIdentityPool;
import com.google.api.services.iam.v1.model.WorkloadIdentityPoolProvider;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.cloud.gcp.GcpFailure.RpcStatus;
import dev.cifederation.operator.cloud.gcp.ProviderSpec.Field;
import dev.cifederation.operator.trust.GcpTrust;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What a pass must write for one identity, decided from what observe read and the compiled trust,
 * without a cloud call: under Enforce the writes, under Observe the differences it reports. A
 * provider that is not the identity's, or a pool that serves another issuer, is refused here,
 * before anything is written.
 *
 * @param desired where the identity's objects are to be
 * @param wanted the provider as the compiled trust wants it, marks included
 * @param moved what the status records, when the pool, provider or service account changed since:
 *     its provider and member are released
 * @param otherIssuers the other issuers the pool serves (reported under Observe; under Enforce a
 *     Conflict)
 */
record GcpPlan(
    Placement desired,
    WorkloadIdentityPoolProvider wanted,
    PoolWork pool,
    ProviderWork provider,
    BindingWork binding,
    Optional<Placement> moved,
    Optional<String> otherIssuers) {

  static GcpPlan of(
      GcpTrust trust,
      Claimant claimant,
      PoolView pool,
      Policy policy,
      Optional<Placement> recorded) {
    Placement desired = Placement.of(trust);
    WorkloadIdentityPoolProvider wanted = ProviderSpec.desired(trust, claimant.owner());
    Optional<String> others = otherIssuers(pool, desired.providerId(), trust.issuerUri());
    if (others.isPresent() && !claimant.observeOnly()) {
      throw anotherIssuer(desired, trust.issuerUri(), others.get());
    }
    WorkloadIdentityPoolProvider live = pool.provider(desired.providerId());
    ProviderWork provider =
        live == null ? ProviderWork.CREATE : ProviderWork.of(live, wanted, claimant);
    return new GcpPlan(
        desired,
        wanted,
        PoolWork.of(pool, claimant.owner().cluster()),
        provider,
        BindingWork.of(desired, recorded, policy),
        recorded.filter(before -> moved(before, desired)),
        others);
  }

  /**
   * What differs, in words, as Observe reports it: a missing or deleted pool or provider, the other
   * issuers of the pool, the provider's fields, the missing member. (Moves, stale members and a
   * pool's marks are the Enforce pass's business.)
   */
  List<String> differences() {
    List<String> differences = new ArrayList<>();
    switch (pool.action()) {
      case CREATE -> differences.add("pool " + desired.poolName() + " does not exist");
      case UNDELETE -> differences.add("pool " + desired.poolName() + " is deleted");
      default -> {}
    }
    Optional<WorkloadIdentityPoolProvider> live = provider.live();
    if (live.isEmpty()) {
      differences.add("provider " + desired.providerName() + " does not exist");
    } else {
      if (provider.undelete()) {
        differences.add("provider " + desired.providerName() + " is deleted");
      }
      otherIssuers.ifPresent(
          others ->
              differences.add(
                  "pool "
                      + desired.poolName()
                      + " also serves "
                      + others
                      + ", whose tokens its principal:// members admit too"));
      if (!provider.patch().isEmpty()) {
        differences.add(
            "provider " + desired.providerName() + " differs: " + provider.describe(live.get()));
      }
    }
    if (binding.add()) {
      differences.add(
          WORKLOAD_IDENTITY_USER
              + " for "
              + desired.principal()
              + " is missing on "
              + desired.serviceAccount());
    }
    return differences;
  }

  /** What the pool needs: made, undeleted or re-enabled, and whether to add its issuer mark. */
  record PoolWork(Action action, boolean markIssuer) {

    enum Action {
      NONE,
      CREATE,
      UNDELETE,
      ENABLE
    }

    static PoolWork of(PoolView view, String cluster) {
      Optional<WorkloadIdentityPool> pool = view.pool();
      Action action =
          pool.isEmpty()
              ? Action.CREATE
              : view.isDeleted()
                  ? Action.UNDELETE
                  : needsEnabling(pool.get(), cluster) ? Action.ENABLE : Action.NONE;
      return new PoolWork(action, pool.filter(p -> needsIssuerMark(p, cluster)).isPresent());
    }

    boolean isNone() {
      return action == Action.NONE && !markIssuer;
    }

    /** Only a pool this operator created is re-enabled; someone else's disabled pool is theirs. */
    private static boolean needsEnabling(WorkloadIdentityPool pool, String cluster) {
      return Boolean.TRUE.equals(pool.getDisabled())
          && Ownership.poolCreatedByUs(pool.getDescription(), cluster);
    }

    /** A pool this operator created without the issuer mark (made by an earlier version). */
    private static boolean needsIssuerMark(WorkloadIdentityPool pool, String cluster) {
      return PoolView.ACTIVE.equals(pool.getState())
          && Ownership.poolCreatedByUs(pool.getDescription(), cluster)
          && !Ownership.hasIssuerMark(pool.getDescription());
    }
  }

  /**
   * What the identity's provider needs. No {@code live} provider: it is created as wanted.
   * Otherwise, in this order: undeleted, marked as this identity's ({@code claim}: an Event, never
   * drift), and the fields that differ patched under an update mask.
   */
  record ProviderWork(
      Optional<WorkloadIdentityPoolProvider> live,
      boolean undelete,
      Optional<String> claim,
      List<Field> patch) {

    static final ProviderWork CREATE =
        new ProviderWork(Optional.empty(), false, Optional.empty(), List.of());

    ProviderWork {
      patch = List.copyOf(patch);
    }

    /**
     * @throws GcpFailure a Conflict when the provider is not the claimant's to change
     */
    static ProviderWork of(
        WorkloadIdentityPoolProvider live, WorkloadIdentityPoolProvider wanted, Claimant claimant) {
      Optional<String> claim = claimant.claim(live);
      // the claim writes the marks (and the operator's display name) in one patch
      WorkloadIdentityPoolProvider marked =
          claim.isPresent()
              ? live.clone()
                  .setDescription(wanted.getDescription())
                  .setDisplayName(wanted.getDisplayName())
              : live;
      return new ProviderWork(
          Optional.of(live),
          PoolView.DELETED.equals(live.getState()),
          claim,
          ProviderSpec.diff(marked, wanted));
    }

    /** For messages: how the fields to patch read on {@code provider}. */
    String describe(WorkloadIdentityPoolProvider provider) {
      return patch.stream()
          .map(f -> ProviderSpec.describe(f, provider))
          .collect(Collectors.joining(", "));
    }
  }

  /**
   * The identity's member on the service account: added when missing; a previous member of the
   * identity (a changed subject or pool) on the same account removed.
   *
   * @param stale the identity's previous principal on this account, if it changed
   * @param removeStale whether the policy still lists it
   */
  record BindingWork(
      String serviceAccountResource,
      String principal,
      boolean add,
      Optional<String> stale,
      boolean removeStale) {

    static BindingWork of(Placement desired, Optional<Placement> recorded, Policy policy) {
      String principal = desired.principal();
      Optional<String> stale =
          recorded
              .filter(b -> Objects.equals(b.serviceAccount(), desired.serviceAccount()))
              .map(Placement::principal)
              .filter(p -> !p.equals(principal));
      return new BindingWork(
          desired.serviceAccountResource(),
          principal,
          !PolicyMembers.has(policy, WORKLOAD_IDENTITY_USER, principal),
          stale,
          stale.filter(p -> PolicyMembers.has(policy, WORKLOAD_IDENTITY_USER, p)).isPresent());
    }

    boolean isNone() {
      return !add && !removeStale;
    }
  }

  /** Whether the recorded objects are elsewhere than the desired ones. */
  private static boolean moved(Placement before, Placement desired) {
    return !before.providerName().equals(desired.providerName())
        || (before.serviceAccount() != null
            && before.principal() != null
            && !before.serviceAccount().equals(desired.serviceAccount()));
  }

  /**
   * One pool, one issuer: a {@code principal://…/workloadIdentityPools/POOL/subject/SUB} member
   * matches a token that passes any provider of the pool, so a second issuer's provider (GitHub
   * Enterprise Server beside github.com, minting the same sub) would pass for this identity. The
   * pool's issuer is its mark and the issuer URIs of its providers that are not deleted (pools made
   * by earlier versions or by others have no mark). Refused before anything is written.
   *
   * @throws GcpFailure a Conflict naming spec.gcp.poolId and the other issuers
   */
  static void requireOneIssuer(PoolView view, Placement desired, String issuerUri) {
    Optional<String> others = otherIssuers(view, desired.providerId(), issuerUri);
    if (others.isPresent()) {
      throw anotherIssuer(desired, issuerUri, others.get());
    }
  }

  private static GcpFailure anotherIssuer(Placement desired, String issuerUri, String others) {
    return new GcpFailure(
        CloudReason.Conflict,
        RpcStatus.FAILED_PRECONDITION,
        "spec.gcp.poolId '"
            + desired.poolId()
            + "': pool "
            + desired.poolName()
            + " serves another issuer ("
            + others
            + "), and a principal:// member of a pool admits a token of any of its providers, so"
            + " no provider for "
            + issuerUri
            + " is written into it. Leave spec.gcp.poolId unset (the issuer's own pool,"
            + " cifed-<CIIssuer name>) or name a pool that serves this issuer only");
  }

  /** The other issuers a pool serves, as its mark and its live providers say; empty if none. */
  static Optional<String> otherIssuers(PoolView view, String ownId, String issuerUri) {
    if (view.pool().isEmpty()) {
      return Optional.empty();
    }
    Set<String> others = new TreeSet<>();
    String description = view.pool().get().getDescription();
    if (Ownership.poolServesOther(description, issuerUri).orElse(false)) {
      others.add(Ownership.markedIssuer(description));
    }
    view.providers()
        .forEach(
            (id, provider) -> {
              String iss = provider.getOidc() == null ? null : provider.getOidc().getIssuerUri();
              if (!id.equals(ownId)
                  && !PoolView.DELETED.equals(provider.getState())
                  && iss != null
                  && !iss.equals(issuerUri)) {
                others.add(iss);
              }
            });
    return others.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", others));
  }
}
