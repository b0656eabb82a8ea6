package dev.cifederation.operator.cloud.gcp;

import static dev.cifederation.operator.cloud.gcp.PolicyMembers.WORKLOAD_IDENTITY_USER;

import com.google.api.services.iam.v1.model.Binding;
import com.google.api.services.iam.v1.model.Oidc;
import com.google.api.services.iam.v1.model.Policy;
import com.google.api.services.iam.v1.model.WorkloadIdentityPool;
import com.google.api.services.iam.v1.model.WorkloadIdentityPoolProvider;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.ConditionStatus;
import dev.cifederation.operator.api.v1alpha1.ConditionType;
import dev.cifederation.operator.api.v1alpha1.DeletionPolicy;
import dev.cifederation.operator.api.v1alpha1.GcpIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.ManagementPolicy;
import dev.cifederation.operator.cloud.Attribution;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudReconciler;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.ScopeBreakers;
import dev.cifederation.operator.cloud.gcp.GcpFailure.RpcStatus;
import dev.cifederation.operator.cloud.gcp.Ownership.Verdict;
import dev.cifederation.operator.cloud.gcp.ProviderSpec.Field;
import dev.cifederation.operator.config.OperatorConfig;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.trust.GcpTrust;
import dev.cifederation.operator.trust.LiveTrust;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GCP workload identity federation for one identity: the pool (by default its issuer's own; a pool
 * serves one issuer), the identity's OIDC provider in it and the {@code
 * roles/iam.workloadIdentityUser} member on its service account.
 *
 * <p>Enforce: pool created when missing (undeleted when soft-deleted); provider created when
 * missing, undeleted when soft-deleted (its ID is blocked for 30 days, so re-creating is never an
 * option), and otherwise compared field by field with only the differing fields patched under an
 * update mask; the member added with an etag read-modify-write of the policy (version 3) retried as
 * a whole on 409 ABORTED. A provider of the same ID without this identity's ownership marks (owner,
 * uid, cluster) is a Conflict and is never changed, unless the identity asks to adopt it and a
 * policy grants that. A provider for a second issuer in a pool is refused before any write.
 * Observe: the same reads, no writes; differences are DriftDetected, a foreign provider only "not
 * ours". Revocation: the recorded, owned provider is disabled in place.
 *
 * <p>Reads are shared: a pool's providers are listed in one call and a service account's policy
 * read once per cache period ({@link GcpSettings#readCacheTtl()}) for all identities using them, so
 * a steady resync costs a few reads per pool and service account and no writes.
 *
 * <p>Pools are shared and reference-counted through the cloud's own state: a pool is deleted only
 * when this cluster's operator created it (its description says so) and no provider is left in it
 * except soft-deleted ones this operator deleted. Pool creation, provider creation/undeletion and
 * pool deletion take a per-pool lock, so a cleanup never deletes a pool under a concurrent creation
 * in the same operator.
 */
public final class GcpCloudReconciler implements CloudReconciler {

  private static final Logger log = LoggerFactory.getLogger(GcpCloudReconciler.class);

  static final String POOL_DISPLAY_NAME = "CI federation";
  private static final Duration POLICY_RETRY_BASE = Duration.ofMillis(100);

  private final GcpSettings settings;
  private final IamGateway gateway;
  private final IamGateway.Sleeper sleeper;
  private final String cluster;
  private final Clock clock;
  private final ReadCache<String, PoolView> pools;
  private final ReadCache<String, Policy> policies;
  private final Map<String, ReentrantReadWriteLock> poolLocks = new ConcurrentHashMap<>();
  private final Map<String, Object> policyLocks = new ConcurrentHashMap<>();

  GcpCloudReconciler(
      GcpSettings settings,
      IamGateway gateway,
      IamGateway.Sleeper sleeper,
      String cluster,
      Clock clock) {
    if (cluster == null || cluster.isBlank() || cluster.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "CIFED_CLUSTER_NAME='"
              + cluster
              + "' must be non-empty without whitespace: it is written into GCP descriptions as"
              + " cifederation.dev/cluster=<name>");
    }
    this.settings = settings;
    this.gateway = gateway;
    this.sleeper = sleeper;
    this.cluster = cluster;
    this.clock = clock;
    this.pools = new ReadCache<>(settings.readCacheTtl(), clock);
    this.policies = new ReadCache<>(settings.readCacheTtl(), clock);
  }

  /** The adapter as the operator runs it, from the configuration read at start-up. */
  public static GcpCloudReconciler fromConfig(
      OperatorConfig config, MeterRegistry registry, Clock clock) {
    return create(
        GcpSettings.from(config.gcp(), config.resyncInterval()),
        new CloudCalls(registry, Cloud.GCP.name()),
        config.clusterName(),
        config.resyncInterval(),
        clock);
  }

  /** The adapter with real sleeps, the SDK client built on first use. */
  public static GcpCloudReconciler create(
      GcpSettings settings,
      CloudCalls calls,
      String clusterName,
      Duration resyncInterval,
      Clock clock) {
    IamGateway.Sleeper sleeper = d -> Thread.sleep(d.toMillis());
    // breaker hook: every IAM call passes its project's breaker
    CloudCalls gated = calls.withGate(GcpFailure.breakers(resyncInterval, calls.registry(), clock));
    return new GcpCloudReconciler(
        settings, new IamGateway(settings, gated, sleeper), sleeper, clusterName, clock);
  }

  @Override
  public Cloud cloud() {
    return Cloud.GCP;
  }

  // --------------------------------------------------------------------------------- reconcile

  @Override
  public CloudOutcome reconcile(CloudRequest request) {
    ScopeBreakers.enter(Cloud.GCP, GcpFailure.scopeOf(request.identity())); // breaker hook
    try (var attributed = gateway.attributeTo(Attribution.of(request))) {
      return reconcileFor(request);
    }
  }

  private CloudOutcome reconcileFor(CloudRequest request) {
    GcpIdentityStatus previous = previousStatus(request.identity());
    boolean observe = request.observeOnly();
    if (request.revoked()) {
      try {
        return revoke(request, previous, observe);
      } catch (GcpFailure e) {
        log.warn("GCP {}: revoking: {}: {}", request.owner(), e.reason(), e.getMessage());
        return failed(e, previous);
      }
    }
    GcpTrust trust = request.trust() == null ? null : request.trust().gcp();
    if (trust == null) {
      return failed(
          new GcpFailure(
              CloudReason.TrustNotCompiled, RpcStatus.OK, "the gcp block did not compile"),
          previous);
    }
    Placement desired = Placement.of(trust);
    try {
      if (observe) {
        return observe(request, trust, desired, previous);
      }
      return enforce(request, trust, desired, previous);
    } catch (GcpFailure e) {
      log.warn("GCP {}: {}: {}", request.owner(), e.reason(), e.getMessage());
      return failed(e, previous);
    }
  }

  private CloudOutcome enforce(
      CloudRequest request, GcpTrust trust, Placement desired, GcpIdentityStatus previous) {
    List<String> changes = new ArrayList<>();
    // taking ownership (adoption, the uid mark of an older provider): Events, never drift
    List<String> claims = new ArrayList<>();
    WorkloadIdentityPoolProvider wanted =
        ProviderSpec.desired(trust, request.owner(), request.uid(), cluster);
    requireOneIssuer(desired, trust.issuerUri());
    ensurePool(desired, trust.issuerUri(), changes);
    ensureProvider(desired, wanted, request, previous, changes, claims);
    Optional<Placement> before = Placement.fromStatus(previous);
    ensureBinding(desired, before, changes);
    before.ifPresent(b -> releaseMoved(b, desired, request, changes));

    // Writes on an identity that was in sync at this generation undo someone else's change.
    boolean drift = wasInSync(request.identity());
    claims.forEach(c -> log.info("GCP {}: {}", request.owner(), c));
    for (String change : changes) {
      log.info("GCP {}: {}{}", request.owner(), drift ? "drift corrected: " : "", change);
    }
    List<String> corrected = drift ? changes : List.of();
    long count = previousCorrections(previous) + corrected.size();
    List<String> corrections = new ArrayList<>(claims);
    corrections.addAll(corrected);
    // the trust as GCP has it after this pass, from the views the pass just read or wrote
    WorkloadIdentityPoolProvider provider =
        poolView(desired.poolName()).provider(desired.providerId());
    LiveTrust.Gcp live =
        liveTrust(
            desired,
            provider == null ? wanted : provider,
            policy(desired.serviceAccountResource()));
    return new CloudOutcome(
            ConditionStatus.True,
            CloudReason.Synced,
            "Provider "
                + desired.providerName()
                + " admits only "
                + request.trust().subject()
                + ", and "
                + WORKLOAD_IDENTITY_USER
                + " binds exactly its principal on "
                + desired.serviceAccount(),
            statusWriter(trust, count),
            corrections,
            List.of(),
            Optional.empty(),
            true)
        .withLiveTrust(live);
  }

  private CloudOutcome observe(
      CloudRequest request, GcpTrust trust, Placement desired, GcpIdentityStatus previous) {
    List<String> drift = new ArrayList<>();
    PoolView view = poolView(desired.poolName());
    if (view.pool().isEmpty()) {
      drift.add("pool " + desired.poolName() + " does not exist");
    } else if (view.isDeleted()) {
      drift.add("pool " + desired.poolName() + " is deleted");
    }
    WorkloadIdentityPoolProvider live = view.provider(desired.providerId());
    if (live == null) {
      drift.add("provider " + desired.providerName() + " does not exist");
    } else {
      requireOurs(live, request, previous, true);
      if (PoolView.DELETED.equals(live.getState())) {
        drift.add("provider " + desired.providerName() + " is deleted");
      }
      otherIssuers(view, desired.providerId(), trust.issuerUri())
          .ifPresent(
              others ->
                  drift.add(
                      "pool "
                          + desired.poolName()
                          + " also serves "
                          + others
                          + ", whose tokens its principal:// members admit too"));
      List<Field> diff =
          ProviderSpec.diff(
              live, ProviderSpec.desired(trust, request.owner(), request.uid(), cluster));
      if (!diff.isEmpty()) {
        drift.add(
            "provider "
                + desired.providerName()
                + " differs: "
                + diff.stream()
                    .map(f -> ProviderSpec.describe(f, live))
                    .collect(Collectors.joining(", ")));
      }
    }
    Policy policy = policy(desired.serviceAccountResource());
    if (!PolicyMembers.has(policy, WORKLOAD_IDENTITY_USER, desired.principal())) {
      drift.add(
          WORKLOAD_IDENTITY_USER
              + " for "
              + desired.principal()
              + " is missing on "
              + desired.serviceAccount());
    }
    long count = previousCorrections(previous);
    Optional<LiveTrust> read =
        live == null ? Optional.empty() : Optional.of(liveTrust(desired, live, policy));
    if (drift.isEmpty()) {
      return new CloudOutcome(
          ConditionStatus.True,
          CloudReason.Observed,
          "Observe: provider "
              + desired.providerName()
              + " and the binding match the spec; nothing written",
          statusWriter(trust, count),
          List.of(),
          List.of(),
          Optional.empty(),
          true,
          read);
    }
    return new CloudOutcome(
        ConditionStatus.False,
        CloudReason.DriftDetected,
        "Observe (nothing written): " + String.join("; ", drift),
        statusWriter(trust, count),
        List.of(),
        List.of(),
        Optional.empty(),
        true,
        read);
  }

  /**
   * Withdraws the trust in place: the provider the status records, confirmed ours by its marks, is
   * disabled (it accepts no token); the pool, the provider and the binding stay, so a resume
   * restores the same provider name. Never acts on a target the spec newly names, nor on a provider
   * without this identity's marks. Under Observe nothing is written, only reported.
   */
  private CloudOutcome revoke(CloudRequest request, GcpIdentityStatus previous, boolean observe) {
    CloudRequest.Revocation revocation = request.revocation().orElseThrow();
    String why = revocation.reason() + ": " + revocation.message();
    Consumer<CIFederatedIdentityStatus> keep = status -> status.setGcp(copy(previous));
    Optional<Placement> recorded = Placement.fromStatus(previous);
    if (recorded.isEmpty()) {
      return revoked(
          "no GCP object of this identity is recorded; nothing to withdraw (" + why + ")", keep);
    }
    Placement at = recorded.get();
    String name = at.providerName();
    WorkloadIdentityPoolProvider live = poolView(at.poolName()).provider(at.providerId());
    if (live == null || PoolView.DELETED.equals(live.getState())) {
      return revoked(
          "provider " + name + " does not exist (any more): nothing admits a token (" + why + ")",
          keep);
    }
    Verdict verdict =
        Ownership.provider(live.getDescription(), request.owner(), request.uid(), cluster);
    boolean legacy = verdict == Verdict.LEGACY;
    if (verdict != Verdict.OURS && !legacy) {
      // recorded, but no longer marked as ours: not ours to disable
      throw conflict(live, verdict, request, observe);
    }
    boolean disabled = Boolean.TRUE.equals(live.getDisabled());
    if (observe) {
      return revoked(
              "Observe (nothing written): "
                  + why
                  + "; provider "
                  + name
                  + (disabled
                      ? " is disabled"
                      : " stays enabled, as the operator never writes under Observe"),
              keep)
          .withLiveTrust(liveTrust(at, live, recordedPolicy(at)));
    }
    WorkloadIdentityPoolProvider current = live;
    if (!disabled || legacy) {
      WorkloadIdentityPoolProvider body = new WorkloadIdentityPoolProvider().setDisabled(true);
      String mask = Field.disabled.maskPath();
      if (legacy) {
        body.setDescription(Ownership.providerDescription(request.owner(), request.uid(), cluster));
        mask = Field.description.maskPath() + "," + mask;
      }
      WorkloadIdentityPoolProvider patched = gateway.patchProvider(name, body, mask);
      pools.update(at.poolName(), v -> v.with(patched));
      current = patched;
      log.info("GCP {}: disabled provider {} ({})", request.owner(), name, why);
    }
    return revoked(
            "trust withdrawn ("
                + why
                + "): provider "
                + name
                + " is disabled and accepts no token; the pool, the provider and the "
                + WORKLOAD_IDENTITY_USER
                + " binding on "
                + at.serviceAccount()
                + " are kept, so the same provider comes back on resume",
            keep)
        .withLiveTrust(liveTrust(at, current, recordedPolicy(at)));
  }

  private static CloudOutcome revoked(
      String message, Consumer<CIFederatedIdentityStatus> statusWriter) {
    return new CloudOutcome(
        ConditionStatus.False,
        CloudReason.Revoked,
        message,
        statusWriter,
        List.of(),
        List.of(),
        Optional.empty(),
        true);
  }

  /**
   * The provider and the service account's workloadIdentityUser members that belong to the pool, in
   * the shape the trust lint and "who can assume this" read.
   */
  private static LiveTrust.Gcp liveTrust(
      Placement desired, WorkloadIdentityPoolProvider provider, Policy policy) {
    List<String> members = new ArrayList<>();
    if (policy != null && policy.getBindings() != null) {
      for (Binding binding : policy.getBindings()) {
        if (WORKLOAD_IDENTITY_USER.equals(binding.getRole()) && binding.getMembers() != null) {
          binding.getMembers().stream()
              .filter(m -> m.contains("/" + desired.poolName() + "/"))
              .forEach(members::add);
        }
      }
    }
    Oidc oidc = provider.getOidc();
    return new LiveTrust.Gcp(
        desired.providerName(),
        oidc == null ? null : oidc.getIssuerUri(),
        oidc == null || oidc.getAllowedAudiences() == null ? List.of() : oidc.getAllowedAudiences(),
        provider.getAttributeMapping() == null ? Map.of() : provider.getAttributeMapping(),
        provider.getAttributeCondition(),
        members,
        Boolean.TRUE.equals(provider.getDisabled()));
  }

  // -------------------------------------------------------------------------------------- pool

  private void ensurePool(Placement desired, String issuerUri, List<String> changes) {
    String poolName = desired.poolName();
    PoolView view = poolView(poolName);
    if (view.isActive() && !needsEnabling(view) && !needsIssuerMark(view)) {
      return;
    }
    withPoolLock(
        poolName,
        () -> {
          PoolView fresh = pools.refresh(poolName, () -> readPool(poolName));
          if (fresh.pool().isEmpty()) {
            createPool(desired, issuerUri, changes);
          } else if (fresh.isDeleted()) {
            gateway.undeletePool(poolName);
            changes.add(
                "undeleted workload identity pool "
                    + poolName
                    + " (it had been deleted; a deleted pool's ID stays blocked for 30 days)");
          } else if (needsEnabling(fresh)) {
            gateway.patchPool(poolName, new WorkloadIdentityPool().setDisabled(false), "disabled");
            changes.add("re-enabled workload identity pool " + poolName);
          }
          if (needsIssuerMark(fresh)) {
            // a pool this operator created before pools were dedicated to one issuer; the check
            // above found no other issuer in it
            String description = fresh.pool().orElseThrow().getDescription();
            gateway.patchPool(
                poolName,
                new WorkloadIdentityPool()
                    .setDescription(Ownership.withIssuer(description, issuerUri)),
                "description");
            log.info("GCP: marked pool {} as serving the issuer {} only", poolName, issuerUri);
          }
          pools.invalidate(poolName);
          return null;
        });
  }

  private void createPool(Placement desired, String issuerUri, List<String> changes) {
    String poolName = desired.poolName();
    try {
      gateway.createPool(
          desired.parent(),
          desired.poolId(),
          new WorkloadIdentityPool()
              .setDisplayName(POOL_DISPLAY_NAME)
              .setDescription(Ownership.poolDescription(cluster, issuerUri)));
      changes.add("created workload identity pool " + poolName);
    } catch (GcpFailure e) {
      if (e.status() != RpcStatus.ALREADY_EXISTS) {
        throw e;
      }
      if (gateway.getPool(poolName).isEmpty()) {
        throw GcpFailure.stillRunning(
            "pool " + poolName + " is still being created by an earlier request");
      }
    }
  }

  /** A pool this operator created without the issuer mark (made by an earlier version). */
  private boolean needsIssuerMark(PoolView view) {
    WorkloadIdentityPool pool = view.pool().orElse(null);
    return pool != null
        && PoolView.ACTIVE.equals(pool.getState())
        && Ownership.poolCreatedByUs(pool.getDescription(), cluster)
        && !Ownership.hasIssuerMark(pool.getDescription());
  }

  /**
   * One pool, one issuer: a {@code principal://…/workloadIdentityPools/POOL/subject/SUB} member
   * matches a token that passes any provider of the pool, so a second issuer's provider (GitHub
   * Enterprise Server beside github.com, minting the same sub) would pass for this identity. The
   * pool's issuer is its mark and the issuer URIs of its providers that are not deleted (pools made
   * by earlier versions or by others have no mark). Refused before anything is written.
   */
  private void requireOneIssuer(Placement desired, String issuerUri) {
    requireOneIssuer(poolView(desired.poolName()), desired, issuerUri);
  }

  private static void requireOneIssuer(PoolView view, Placement desired, String issuerUri) {
    otherIssuers(view, desired.providerId(), issuerUri)
        .ifPresent(
            others -> {
              throw new GcpFailure(
                  CloudReason.Conflict,
                  RpcStatus.FAILED_PRECONDITION,
                  "spec.gcp.poolId '"
                      + desired.poolId()
                      + "': pool "
                      + desired.poolName()
                      + " serves another issuer ("
                      + others
                      + "), and a principal:// member of a pool admits a token of any of its"
                      + " providers, so no provider for "
                      + issuerUri
                      + " is written into it. Leave spec.gcp.poolId unset (the issuer's own pool,"
                      + " cifed-<CIIssuer name>) or name a pool that serves this issuer only");
            });
  }

  /** The other issuers a pool serves, as its mark and its live providers say; empty if none. */
  private static Optional<String> otherIssuers(PoolView view, String ownId, String issuerUri) {
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

  /** Only a pool this operator created is re-enabled; someone else's disabled pool is theirs. */
  private boolean needsEnabling(PoolView view) {
    WorkloadIdentityPool pool = view.pool().orElseThrow();
    return Boolean.TRUE.equals(pool.getDisabled())
        && Ownership.poolCreatedByUs(pool.getDescription(), cluster);
  }

  // ---------------------------------------------------------------------------------- provider

  private void ensureProvider(
      Placement desired,
      WorkloadIdentityPoolProvider wanted,
      CloudRequest request,
      GcpIdentityStatus previous,
      List<String> changes,
      List<String> claims) {
    String poolName = desired.poolName();
    String name = desired.providerName();
    WorkloadIdentityPoolProvider live = poolView(poolName).provider(desired.providerId());
    if (live == null) {
      live = createProvider(desired, wanted, changes).orElse(null);
      if (live == null) {
        return;
      }
    }
    Optional<String> claim = claim(live, request, previous);
    if (claim.isPresent() && PoolView.DELETED.equals(live.getState())) {
      live = undelete(poolName, name, changes);
    }
    if (claim.isPresent()) {
      WorkloadIdentityPoolProvider marked =
          gateway.patchProvider(
              name,
              new WorkloadIdentityPoolProvider().setDescription(wanted.getDescription()),
              Field.description.maskPath());
      pools.update(poolName, v -> v.with(marked));
      live = marked;
      claims.add(claim.get());
    }
    if (PoolView.DELETED.equals(live.getState())) {
      live = undelete(poolName, name, changes);
    }
    WorkloadIdentityPoolProvider current = live;
    List<Field> diff = ProviderSpec.diff(current, wanted);
    if (diff.isEmpty()) {
      return;
    }
    WorkloadIdentityPoolProvider patched =
        gateway.patchProvider(
            name, ProviderSpec.patchBody(wanted, diff), ProviderSpec.updateMask(diff));
    pools.update(poolName, v -> v.with(patched));
    changes.add(
        "patched provider "
            + name
            + " ("
            + ProviderSpec.updateMask(diff)
            + "), which read "
            + diff.stream()
                .map(f -> ProviderSpec.describe(f, current))
                .collect(Collectors.joining(", ")));
  }

  private WorkloadIdentityPoolProvider undelete(
      String poolName, String name, List<String> changes) {
    WorkloadIdentityPoolProvider restored = inPool(poolName, () -> gateway.undeleteProvider(name));
    pools.update(poolName, v -> v.with(restored));
    changes.add(
        "undeleted provider "
            + name
            + " (it had been deleted; its ID stays blocked for 30 days, so it is restored, not"
            + " re-created)");
    return restored;
  }

  /**
   * Creates the provider, in the pool (shared with other provider operations, never with a pool
   * deletion) and after a fresh look at the pool. Returns the provider if it turned out to exist
   * already (to be checked and compared by the caller), empty if it was created as desired.
   */
  private Optional<WorkloadIdentityPoolProvider> createProvider(
      Placement desired, WorkloadIdentityPoolProvider wanted, List<String> changes) {
    String poolName = desired.poolName();
    String name = desired.providerName();
    // the first provider of a pool without issuer mark decides its issuer: created alone, so two
    // identities of different issuers cannot both pass the check below at once
    BiFunction<
            String,
            Supplier<Optional<WorkloadIdentityPoolProvider>>,
            Optional<WorkloadIdentityPoolProvider>>
        lock = decidesIssuer(poolView(poolName)) ? this::withPoolLock : this::inPool;
    return lock.apply(
        poolName,
        () -> {
          // a cleanup may have deleted the pool since the cached read
          PoolView fresh = poolView(poolName);
          if (!fresh.isActive()) {
            pools.invalidate(poolName);
            throw new GcpFailure(
                CloudReason.Transient,
                RpcStatus.FAILED_PRECONDITION,
                "pool " + poolName + " is not active any more; looking again later");
          }
          WorkloadIdentityPoolProvider existing = fresh.provider(desired.providerId());
          if (existing != null) {
            return Optional.of(existing);
          }
          // again on this view: another identity may have added a provider since the check
          requireOneIssuer(fresh, desired, wanted.getOidc().getIssuerUri());
          try {
            WorkloadIdentityPoolProvider created =
                gateway.createProvider(poolName, desired.providerId(), wanted);
            pools.update(poolName, v -> v.with(created));
            changes.add("created provider " + name);
            return Optional.empty();
          } catch (GcpFailure e) {
            if (e.status() != RpcStatus.ALREADY_EXISTS) {
              throw e;
            }
            // someone else's, soft-deleted (missed by a stale read), or still being created
            Optional<WorkloadIdentityPoolProvider> found = gateway.getProvider(name);
            if (found.isEmpty()) {
              throw GcpFailure.stillRunning(
                  "provider "
                      + name
                      + " is still being created by an earlier request (its ID is taken, it is not"
                      + " visible yet)");
            }
            pools.update(poolName, v -> v.with(found.get()));
            return found;
          }
        });
  }

  private static boolean decidesIssuer(PoolView view) {
    return view.pool().isPresent()
        && !Ownership.hasIssuerMark(view.pool().get().getDescription())
        && view.providers().values().stream().allMatch(p -> PoolView.DELETED.equals(p.getState()));
  }

  /**
   * Whether this identity may change the provider. Empty: it is this identity's. A message: it
   * becomes this identity's by writing the marks (the uid of a provider the status records but an
   * earlier version marked; or an adoption the identity asks for with spec.adoptExisting and a
   * policy grants). Otherwise a Conflict, and nothing is written.
   */
  private Optional<String> claim(
      WorkloadIdentityPoolProvider live, CloudRequest request, GcpIdentityStatus previous) {
    String name = live.getName();
    Verdict verdict = verdict(live, request, previous);
    if (verdict == Verdict.OURS) {
      return Optional.empty();
    }
    if (verdict == Verdict.LEGACY && recorded(previous, name)) {
      return Optional.of(
          "marked provider "
              + name
              + " with this identity's uid (its marks, written by an earlier version, named only"
              + " the owner and cluster)");
    }
    boolean adoptable =
        verdict == Verdict.UNMARKED
            || verdict == Verdict.LEGACY
            || verdict == Verdict.EARLIER_NAMESAKE;
    Optional<String> grant = Ownership.adoptionGrant(request.grants().adoptable(), name);
    if (adoptable && request.identity().getSpec().isAdoptExisting() && grant.isPresent()) {
      return Optional.of(
          "adopted provider "
              + name
              + " (spec.adoptExisting, granted by the policy pattern '"
              + grant.get()
              + "'; it had "
              + Ownership.describe(live.getDescription())
              + ")");
    }
    throw conflict(live, verdict, request, false);
  }

  /** For reading (Observe): a Conflict unless the provider is this identity's. */
  private void requireOurs(
      WorkloadIdentityPoolProvider live,
      CloudRequest request,
      GcpIdentityStatus previous,
      boolean observe) {
    Verdict verdict = verdict(live, request, previous);
    if (verdict != Verdict.OURS) {
      throw conflict(live, verdict, request, observe);
    }
  }

  /**
   * The ownership verdict; under Observe a LEGACY provider the status records counts as ours (its
   * uid is written by the next Enforce pass, see {@link #claim}).
   */
  private Verdict verdict(
      WorkloadIdentityPoolProvider live, CloudRequest request, GcpIdentityStatus previous) {
    Verdict verdict =
        Ownership.provider(live.getDescription(), request.owner(), request.uid(), cluster);
    return verdict == Verdict.LEGACY && recorded(previous, live.getName()) && readOnly(request)
        ? Verdict.OURS
        : verdict;
  }

  private static boolean readOnly(CloudRequest request) {
    return request.identity().getSpec().getManagementPolicy() == ManagementPolicy.Observe;
  }

  private static boolean recorded(GcpIdentityStatus previous, String providerName) {
    return previous != null && providerName.equals(previous.getProviderName());
  }

  /**
   * The refusal. It names whose the provider is as far as the marks say, never its trust (issuer,
   * condition, mapping, members): an identity must not learn another's trust by pointing at it.
   */
  private GcpFailure conflict(
      WorkloadIdentityPoolProvider live, Verdict verdict, CloudRequest request, boolean observe) {
    String name = live.getName();
    String adoption =
        "; to take it over, set spec.adoptExisting: true and have a CIFederationPolicy selecting"
            + " this namespace grant it in spec.gcp.adoptableProviders (a pattern matching "
            + name
            + ")"
            + (request.identity().getSpec().isAdoptExisting()
                ? " — spec.adoptExisting is set, but no selecting policy grants this provider"
                : "");
    String why =
        switch (verdict) {
          case OTHER_CLUSTER ->
              "it belongs to the operator of another cluster ("
                  + Ownership.describe(live.getDescription())
                  + "); it is never adopted";
          case OTHER_OWNER ->
              "it belongs to another identity ("
                  + Ownership.describe(live.getDescription())
                  + "); it is never adopted";
          case EARLIER_NAMESAKE, LEGACY ->
              "it was made for an earlier object of the same name ("
                  + request.owner()
                  + "), which this identity does not inherit"
                  + adoption;
          default ->
              "it was not created by this operator, or was released with deletionPolicy Orphan"
                  + adoption;
        };
    return new GcpFailure(
        CloudReason.Conflict,
        RpcStatus.ALREADY_EXISTS,
        (observe ? "Observe (nothing read from it is reported): " : "")
            + "provider "
            + name
            + " exists but is not this identity's: "
            + why
            + ". It is left untouched");
  }

  // ----------------------------------------------------------------------------------- binding

  private void ensureBinding(Placement desired, Optional<Placement> before, List<String> changes) {
    String resource = desired.serviceAccountResource();
    String principal = desired.principal();
    // a changed subject or pool leaves the old principal on the same service account: ours, remove
    String stale =
        before
            .filter(b -> Objects.equals(b.serviceAccount(), desired.serviceAccount()))
            .map(Placement::principal)
            .filter(p -> !p.equals(principal))
            .orElse(null);
    Policy policy = policy(resource);
    boolean add = !PolicyMembers.has(policy, WORKLOAD_IDENTITY_USER, principal);
    boolean remove = stale != null && PolicyMembers.has(policy, WORKLOAD_IDENTITY_USER, stale);
    if (!add && !remove) {
      return;
    }
    boolean written =
        modifyPolicy(
            resource,
            p -> {
              boolean changed = PolicyMembers.add(p, WORKLOAD_IDENTITY_USER, principal);
              if (stale != null) {
                changed |= PolicyMembers.remove(p, WORKLOAD_IDENTITY_USER, stale);
              }
              return changed;
            });
    if (written && add) {
      changes.add(
          "added "
              + WORKLOAD_IDENTITY_USER
              + " for "
              + principal
              + " on "
              + desired.serviceAccount());
    }
    if (written && remove) {
      changes.add("removed the previous member " + stale + " from " + desired.serviceAccount());
    }
  }

  /**
   * Read-modify-write of a service account's policy: a fresh read (version 3), the edit, a write
   * carrying the read's etag. A concurrent change (409 ABORTED) restarts the whole cycle, up to
   * {@link GcpSettings#policyAttempts()} times. Returns whether anything was written.
   */
  private boolean modifyPolicy(String resource, Predicate<Policy> edit) {
    // one read-modify-write per service account at a time from this operator: identities sharing
    // an account otherwise abort each other's writes (409 ABORTED) and retry, several times each
    synchronized (policyLocks.computeIfAbsent(resource, r -> new Object())) {
      return modifyPolicyOnce(resource, edit);
    }
  }

  private boolean modifyPolicyOnce(String resource, Predicate<Policy> edit) {
    for (int attempt = 1; ; attempt++) {
      Policy fresh = gateway.getIamPolicy(resource);
      Policy edited = fresh.clone();
      if (!edit.test(edited)) {
        policies.put(resource, fresh);
        return false;
      }
      edited.setVersion(PolicyMembers.POLICY_VERSION);
      try {
        policies.put(resource, gateway.setIamPolicy(resource, edited));
        return true;
      } catch (GcpFailure e) {
        if (e.status() != RpcStatus.ABORTED || attempt >= settings.policyAttempts()) {
          policies.invalidate(resource);
          throw e;
        }
        log.debug(
            "IAM policy of {} changed concurrently (attempt {}), retrying", resource, attempt);
        pause(POLICY_RETRY_BASE.multipliedBy(attempt));
      }
    }
  }

  // ---------------------------------------------------------------- moves and cleanup (release)

  /** After a change of pool or service account, the objects at the old place are released. */
  private void releaseMoved(
      Placement before, Placement desired, CloudRequest request, List<String> changes) {
    if (!before.providerName().equals(desired.providerName())) {
      release(
          new Placement(before.projectNumber(), before.poolId(), before.providerId(), null, null),
          request,
          DeletionPolicy.Delete,
          changes);
    }
    if (before.serviceAccount() != null
        && before.principal() != null
        && !before.serviceAccount().equals(desired.serviceAccount())) {
      String resource = before.serviceAccountResource();
      if (modifyPolicy(
          resource, p -> PolicyMembers.remove(p, WORKLOAD_IDENTITY_USER, before.principal()))) {
        changes.add(
            "removed "
                + before.principal()
                + " from the previous service account "
                + before.serviceAccount());
      }
    }
  }

  @Override
  public CloudOutcome cleanup(CloudRequest request) {
    ScopeBreakers.enter(Cloud.GCP, GcpFailure.scopeOf(request.identity())); // breaker hook
    try (var attributed = gateway.attributeTo(Attribution.of(request))) {
      return cleanupFor(request);
    }
  }

  private CloudOutcome cleanupFor(CloudRequest request) {
    CIFederatedIdentity identity = request.identity();
    CIFederatedIdentitySpec spec = identity.getSpec();
    if (spec.getManagementPolicy() == ManagementPolicy.Observe) {
      return cleaned(
          "Observe: the GCP objects were never written by this identity and are left as they are");
    }
    DeletionPolicy policy = request.deletionPolicy();
    List<Placement> placements = new ArrayList<>();
    Optional<Placement> recorded = Placement.fromStatus(previousStatus(identity));
    if (request.trust() != null && request.trust().gcp() != null) {
      placements.add(Placement.of(request.trust().gcp()));
    } else if (recorded.isEmpty()) {
      try {
        placements.add(
            Placement.fromSpec(
                request.namespace(), request.name(), spec.getIssuerRef(), spec.getGcp()));
      } catch (IllegalArgumentException e) {
        return cleaned("nothing recorded, and no pool can be derived: " + e.getMessage());
      }
    }
    recorded.filter(r -> !placements.contains(r)).ifPresent(placements::add);
    List<String> done = new ArrayList<>();
    try {
      for (Placement placement : placements) {
        release(placement, request, policy, done);
      }
    } catch (GcpFailure e) {
      log.warn("GCP cleanup of {}: {}: {}", request.owner(), e.reason(), e.getMessage());
      return new CloudOutcome(
          e.reason() == CloudReason.Reconciling ? ConditionStatus.Unknown : ConditionStatus.False,
          e.reason(),
          e.getMessage(),
          s -> {},
          List.of(),
          List.of(),
          Optional.of(retryAfter(e).orElse(settings.transientRetry())),
          false);
    }
    done.forEach(d -> log.info("GCP {}: {}", request.owner(), d));
    return cleaned(
        done.isEmpty() ? "nothing of this identity was left in GCP" : String.join("; ", done));
  }

  /**
   * Removes (Delete) or releases (Orphan) one placement's objects. A provider that is not this
   * identity's is left alone, and then so is the binding; with Orphan the binding stays too.
   */
  private void release(
      Placement placement, CloudRequest request, DeletionPolicy policy, List<String> done) {
    String name = placement.providerName();
    Optional<WorkloadIdentityPoolProvider> live = gateway.getProvider(name);
    if (live.isPresent() && !owned(live.get(), request)) {
      done.add("left provider " + name + " untouched: it is not this identity's");
      return;
    }
    boolean active = live.isPresent() && PoolView.ACTIVE.equals(live.get().getState());
    if (policy == DeletionPolicy.Orphan) {
      if (active) {
        gateway.patchProvider(
            name,
            new WorkloadIdentityPoolProvider().setDescription(""),
            Field.description.maskPath());
        pools.invalidate(placement.poolName());
        done.add(
            "released provider " + name + " (ownership marks removed; provider and binding kept)");
      }
      return;
    }
    if (active) {
      inPool(
          placement.poolName(),
          () -> {
            gateway.deleteProvider(name);
            pools.invalidate(placement.poolName());
            return null;
          });
      done.add("deleted provider " + name);
    }
    if (placement.principal() != null && placement.serviceAccount() != null) {
      if (modifyPolicy(
          placement.serviceAccountResource(),
          p -> PolicyMembers.remove(p, WORKLOAD_IDENTITY_USER, placement.principal()))) {
        done.add("removed " + placement.principal() + " from " + placement.serviceAccount());
      }
    } else if (active) {
      done.add(
          "binding not checked: the principal is unknown (the issuer is gone and no status"
              + " recorded it)");
    }
    deletePoolIfUnused(placement.poolName(), done);
  }

  /**
   * Whether the provider is this identity's to change or delete: marked with its owner, uid and
   * cluster, or (marked by an earlier version, without uid) recorded in its status.
   */
  private boolean owned(WorkloadIdentityPoolProvider live, CloudRequest request) {
    Verdict verdict =
        Ownership.provider(live.getDescription(), request.owner(), request.uid(), cluster);
    return verdict == Verdict.OURS
        || (verdict == Verdict.LEGACY
            && recorded(previousStatus(request.identity()), live.getName()));
  }

  /**
   * Deletes a pool this cluster's operator created once nothing uses it: no ACTIVE provider, and no
   * soft-deleted provider someone else might still undelete. Under the pool's lock, on fresh reads.
   */
  private void deletePoolIfUnused(String poolName, List<String> done) {
    withPoolLock(
        poolName,
        () -> {
          Optional<WorkloadIdentityPool> pool = gateway.getPool(poolName);
          if (pool.isEmpty()
              || !PoolView.ACTIVE.equals(pool.get().getState())
              || !Ownership.poolCreatedByUs(pool.get().getDescription(), cluster)) {
            return null;
          }
          long users =
              gateway.listProviders(poolName).stream()
                  .filter(
                      p ->
                          !PoolView.DELETED.equals(p.getState())
                              || !Ownership.markedByCluster(p.getDescription(), cluster))
                  .count();
          if (users == 0) {
            gateway.deletePool(poolName);
            done.add(
                "deleted workload identity pool "
                    + poolName
                    + " (created by this operator, now unused)");
          }
          pools.invalidate(poolName);
          return null;
        });
  }

  // ----------------------------------------------------------------------------------- helpers

  private PoolView poolView(String poolName) {
    return pools.get(poolName, () -> readPool(poolName));
  }

  private PoolView readPool(String poolName) {
    Optional<WorkloadIdentityPool> pool = gateway.getPool(poolName);
    if (pool.isEmpty()) {
      return PoolView.of(pool, List.of());
    }
    return PoolView.of(pool, gateway.listProviders(poolName));
  }

  private Policy recordedPolicy(Placement placement) {
    return placement.serviceAccount() == null ? null : policy(placement.serviceAccountResource());
  }

  private Policy policy(String resource) {
    return policies.get(resource, () -> gateway.getIamPolicy(resource));
  }

  /**
   * The pool to itself: creating, undeleting or re-enabling it, deleting it when unused. Waits for
   * every provider operation in the pool to end.
   */
  private <T> T withPoolLock(String poolName, Supplier<T> action) {
    Lock lock = poolLock(poolName).writeLock();
    lock.lock();
    try {
      return action.get();
    } finally {
      lock.unlock();
    }
  }

  /**
   * A provider operation in the pool, long-running operation included: any number at once (each
   * identity has its own provider), never while the pool itself is being changed or deleted.
   */
  private <T> T inPool(String poolName, Supplier<T> action) {
    Lock lock = poolLock(poolName).readLock();
    lock.lock();
    try {
      return action.get();
    } finally {
      lock.unlock();
    }
  }

  private ReentrantReadWriteLock poolLock(String poolName) {
    return poolLocks.computeIfAbsent(poolName, k -> new ReentrantReadWriteLock());
  }

  private void pause(Duration duration) {
    try {
      sleeper.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GcpFailure(CloudReason.Transient, RpcStatus.CANCELLED, "interrupted");
    }
  }

  private CloudOutcome failed(GcpFailure failure, GcpIdentityStatus previous) {
    return new CloudOutcome(
        failure.reason() == CloudReason.Reconciling
            ? ConditionStatus.Unknown
            : ConditionStatus.False,
        failure.reason(),
        failure.getMessage(),
        // keep what was known (names, the correction count) through a failed pass
        status -> status.setGcp(copy(previous)),
        List.of(),
        List.of(),
        retryAfter(failure),
        false);
  }

  private Optional<Duration> retryAfter(GcpFailure failure) {
    return switch (failure.reason()) {
      case Throttled -> Optional.of(settings.throttledRetry());
      case Transient, Unauthorized -> Optional.of(settings.transientRetry());
      case Reconciling -> Optional.of(settings.reconcilingRetry());
      default -> Optional.empty();
    };
  }

  private static CloudOutcome cleaned(String message) {
    return new CloudOutcome(
        ConditionStatus.True,
        CloudReason.Synced,
        message,
        s -> {},
        List.of(),
        List.of(),
        Optional.empty(),
        true);
  }

  private Consumer<CIFederatedIdentityStatus> statusWriter(GcpTrust trust, long corrections) {
    String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    return status -> {
      GcpIdentityStatus gcp = new GcpIdentityStatus();
      gcp.setProviderName(trust.providerName());
      gcp.setPrincipal(trust.principal());
      gcp.setAudience(trust.audience());
      gcp.setServiceAccount(trust.serviceAccount());
      gcp.setLastSyncTime(now);
      gcp.setDriftCorrections(corrections);
      status.setGcp(gcp);
    };
  }

  /** Whether the last pass left GCP in sync at the identity's current generation. */
  private static boolean wasInSync(CIFederatedIdentity identity) {
    CIFederatedIdentityStatus status = identity.getStatus();
    if (status == null
        || !Objects.equals(
            status.getObservedGeneration(), identity.getMetadata().getGeneration())) {
      return false;
    }
    return status.getConditions().stream()
        .anyMatch(
            c ->
                ConditionType.GCPReady.name().equals(c.getType())
                    && ConditionStatus.True.name().equals(c.getStatus())
                    && CloudReason.Synced.name().equals(c.getReason()));
  }

  private static GcpIdentityStatus previousStatus(CIFederatedIdentity identity) {
    return identity.getStatus() == null ? null : identity.getStatus().getGcp();
  }

  private static long previousCorrections(GcpIdentityStatus previous) {
    return previous == null || previous.getDriftCorrections() == null
        ? 0
        : previous.getDriftCorrections();
  }

  private static GcpIdentityStatus copy(GcpIdentityStatus previous) {
    if (previous == null) {
      return null;
    }
    GcpIdentityStatus copy = new GcpIdentityStatus();
    copy.setProviderName(previous.getProviderName());
    copy.setPrincipal(previous.getPrincipal());
    copy.setAudience(previous.getAudience());
    copy.setServiceAccount(previous.getServiceAccount());
    copy.setLastSyncTime(previous.getLastSyncTime());
    copy.setDriftCorrections(previous.getDriftCorrections());
    return copy;
  }
}
