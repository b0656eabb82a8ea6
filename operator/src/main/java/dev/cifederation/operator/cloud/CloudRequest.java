package dev.cifederation.operator.cloud;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.DeletionPolicy;
import dev.cifederation.operator.api.v1alpha1.ManagementPolicy;
import dev.cifederation.operator.api.v1alpha1.TrustActiveReason;
import dev.cifederation.operator.trust.CompiledTrust;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What an adapter needs for one identity: the resource as the API server has it (spec, metadata,
 * last status), the trust compiled from it, and what tenancy decided for it.
 *
 * @param trust the compiled trust; null in a cleanup whose issuer or spec no longer compiles
 * @param revocation present when the trust must be withdrawn in place (suspended, or no longer
 *     compliant): the adapter keeps the objects but makes the cloud admit no token, acting only on
 *     objects it owns — those this identity's status records first, never a target the spec newly
 *     names
 * @param deletionPolicy the deletion policy in force: the spec's, or Orphan when the operator runs
 *     with its never-delete switch
 * @param grants what the selecting CIFederationPolicies grant this cloud beyond the spec checks
 * @param previous per cloud, what the last pass left (status block, condition reason, whether it
 *     was in sync at this generation): read from the resource once, here, so that adapters never
 *     read the resource's status themselves
 */
public record CloudRequest(
    CIFederatedIdentity identity,
    CompiledTrust trust,
    Optional<Revocation> revocation,
    DeletionPolicy deletionPolicy,
    Grants grants,
    Map<Cloud, PreviousPass> previous) {

  /**
   * Why the trust is withdrawn, for status and Events.
   *
   * @param reason Suspended or Revoked
   * @param message for people: by what (spec.suspend, which policy, which rule)
   * @param byAdministrator decided by policy (no longer compliant, or a policy's suspend), not by
   *     the identity itself: then managementPolicy Observe does not stop the withdrawal, or a
   *     tenant could keep a revoked trust alive by switching its identity to Observe
   */
  public record Revocation(TrustActiveReason reason, String message, boolean byAdministrator) {
    public Revocation {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(message, "message");
    }

    /** The identity's own suspend. */
    public Revocation(TrustActiveReason reason, String message) {
      this(reason, message, false);
    }
  }

  /**
   * Decisions that need the cloud's own answer, handed to the adapter by the reconciler.
   *
   * @param adoptable patterns of existing objects of this cloud (AWS role ARNs, GCP provider names,
   *     Azure identity resource IDs) an identity with spec.adoptExisting may take over, from the
   *     selecting policies; empty: an existing unowned object is a Conflict
   * @param forbiddenRoles Azure: role names or definition IDs the selecting policies forbid, to be
   *     checked again once a role is resolved in the cloud
   */
  public record Grants(List<String> adoptable, List<String> forbiddenRoles) {
    public static final Grants NONE = new Grants(List.of(), List.of());

    public Grants {
      adoptable = List.copyOf(adoptable);
      forbiddenRoles = List.copyOf(forbiddenRoles);
    }
  }

  public CloudRequest {
    Objects.requireNonNull(identity, "identity");
    Objects.requireNonNull(revocation, "revocation");
    Objects.requireNonNull(deletionPolicy, "deletionPolicy");
    Objects.requireNonNull(grants, "grants");
    previous = Map.copyOf(previous);
  }

  /** A request whose previous passes are read from the identity's status. */
  public CloudRequest(
      CIFederatedIdentity identity,
      CompiledTrust trust,
      Optional<Revocation> revocation,
      DeletionPolicy deletionPolicy,
      Grants grants) {
    this(identity, trust, revocation, deletionPolicy, grants, previousPasses(identity));
  }

  /** A request with no revocation, the spec's deletion policy and no grants (tests, plain flow). */
  public CloudRequest(CIFederatedIdentity identity, CompiledTrust trust) {
    this(identity, trust, Optional.empty(), specDeletionPolicy(identity), Grants.NONE);
  }

  /** What the last pass left in {@code cloud}. */
  public PreviousPass previous(Cloud cloud) {
    return previous.getOrDefault(cloud, PreviousPass.none(generation()));
  }

  /** The identity's {@code metadata.generation}; 0 for objects never stored (unit tests). */
  public long generation() {
    Long generation = identity.getMetadata().getGeneration();
    return generation == null ? 0 : generation;
  }

  public String namespace() {
    return identity.getMetadata().getNamespace();
  }

  public String name() {
    return identity.getMetadata().getName();
  }

  /** The value of the {@code cifederation.dev/owner} ownership tag: {@code <namespace>/<name>}. */
  public String owner() {
    return namespace() + "/" + name();
  }

  /**
   * The identity object's UID: carried as an ownership mark beside the owner, so an object of the
   * same namespace/name created later (after a stripped finalizer) cannot inherit what this one
   * left. Empty only for objects that were never stored (unit tests).
   */
  public String uid() {
    String uid = identity.getMetadata().getUid();
    return uid == null ? "" : uid;
  }

  public boolean revoked() {
    return revocation.isPresent();
  }

  /**
   * Whether the adapter may only read: managementPolicy Observe, unless an administrator's
   * revocation must withdraw the trust of what this identity owns.
   */
  public boolean observeOnly() {
    boolean observe =
        identity.getSpec() != null
            && identity.getSpec().getManagementPolicy() == ManagementPolicy.Observe;
    return observe && !revocation.map(Revocation::byAdministrator).orElse(false);
  }

  private static Map<Cloud, PreviousPass> previousPasses(CIFederatedIdentity identity) {
    Map<Cloud, PreviousPass> passes = new EnumMap<>(Cloud.class);
    for (Cloud cloud : Cloud.values()) {
      passes.put(cloud, PreviousPass.of(identity, cloud));
    }
    return passes;
  }

  private static DeletionPolicy specDeletionPolicy(CIFederatedIdentity identity) {
    return identity.getSpec() == null || identity.getSpec().getDeletionPolicy() == null
        ? DeletionPolicy.Delete
        : identity.getSpec().getDeletionPolicy();
  }
}
