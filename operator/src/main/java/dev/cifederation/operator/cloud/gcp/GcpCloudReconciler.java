package dev.cifederation.operator.cloud.gcp;

import static dev.cifederation.operator.cloud.gcp.PolicyMembers.WORKLOAD_IDENTITY_USER;

import com.google.api.services.iam.v1.model.Binding;
import com.google.api.services.iam.v1.model.Oidc;
import com.google.api.services.iam.v1.model.Policy;
import com.google.api.services.iam.v1.model.WorkloadIdentityPool;
import com.google.api.services.iam.v1.model.WorkloadIdentityPoolProvider;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.ConditionStatus;
import dev.cifederation.operator.api.v1alpha1.DeletionPolicy;
import dev.cifederation.operator.api.v1alpha1.GcpIdentityStatus;
import dev.cifederation.operator.cloud.Attribution;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudAdapter;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.JoinedCalls;
import dev.cifederation.operator.cloud.Owner.Verdict;
import dev.cifederation.operator.cloud.RetryPolicy;
import dev.cifederation.operator.cloud.ScopeBreakers;
import dev.cifederation.operator.cloud.ScopeScans;
import dev.cifederation.operator.cloud.ScopeScans.Watched;
import dev.cifederation.operator.cloud.Sleeper;
import dev.cifederation.operator.cloud.gcp.GcpFailure.RpcStatus;
import dev.cifederation.operator.cloud.gcp.GcpPlan.BindingWork;
import dev.cifederation.operator.cloud.gcp.GcpPlan.PoolWork;
import dev.cifederation.operator.cloud.gcp.GcpPlan.ProviderWork;
import dev.cifederation.operator.cloud.gcp.ProviderSpec.Field;
import dev.cifederation.operator.config.OperatorConfig;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.trust.GcpTrust;
import dev.cifederation.operator.trust.LiveTrust;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GCP workload identity federation for one identity: the pool (by default its issuer's own; a pool
 * serves one issuer), the identity's OIDC provider in it and the {@code
 * roles/iam.workloadIdentityUser} member on its service account. A pass has the shape of every
 * adapter ({@link CloudAdapter}): observe reads the pool with its providers and the service
 * account's policy, {@link GcpPlan} decides, apply writes, report returns the outcome.
 *
 * <p>Enforce: pool created when missing (undeleted when soft-deleted); provider created when
 * missing, undeleted when soft-deleted (its ID is blocked for 30 days, so re-creating is never an
 * option), and otherwise compared field by field with only the differing fields patched under an
 * update mask; the member added with an etag read-modify-write of the policy (version 3) retried as
 * a whole on 409 ABORTED. A provider of the same ID that is not this identity's by its ownership
 * marks (owner, uid, cluster; see {@link Claimant}) is a Conflict and is never changed, unless the
 * identity asks to adopt it and a policy grants that. A provider for a second issuer in a pool is
 * refused before any write. Observe: the same reads, no writes; differences are DriftDetected, a
 * foreign provider only "not ours". Revocation: the recorded, owned provider is disabled in place.
 *
 * <p>Reads are shared and scheduled ({@link ScopeScans}): each pool (its pool object and one
 * provider list) and each bound service account's policy is read once per resync interval, every
 * pass is served from those reads and records its own writes in them, and a scan that finds a
 * watched object changed triggers its identity at once. A steady resync costs 2 reads per pool and
 * 1 per service account, and no writes. A policy write still reads the policy itself for its etag.
 *
 * <p>Pools are shared and reference-counted through the cloud's own state: a pool is deleted only
 * when this cluster's operator created it (its description says so) and no provider is left in it
 * except soft-deleted ones this operator deleted. Pool creation, provider creation/undeletion and
 * pool deletion take a per-pool lock, so a cleanup never deletes a pool under a concurrent creation
 * in the same operator.
 */
public final class GcpCloudReconciler
    extends CloudAdapter<GcpIdentityStatus, GcpCloudReconciler.Live, GcpPlan> {

  private static final Logger log = LoggerFactory.getLogger(GcpCloudReconciler.class);

  static final String POOL_DISPLAY_NAME = "CI federation";
  private static final Duration POLICY_RETRY_BASE = Duration.ofMillis(100);
  // while a service account's policy was written in the last 2 s (identities being created on it),
  // the next write waits half a second for the edits of the passes still on their way
  private static final Duration POLICY_EDIT_LINGER = Duration.ofMillis(500);
  private static final Duration POLICY_EDIT_BURST = Duration.ofSeconds(2);
  // the record key of a pass's fresh read of a pool (a write of the pool itself is POOL_KEY)
  private static final String FRESH_POOL_READ = "fresh-read";

  /** What observe read for one identity: its pool with every provider, its account's policy. */
  record Live(PoolView pool, Policy policy) {}

  private final GcpSettings settings;
  private final IamGateway gateway;
  private final Sleeper sleeper;
  private final String cluster;
  private final ScopeScans<PoolScan> pools;
  private final ScopeScans<PolicyScan> policies;
  // the project whose breaker a scheduled read of a service account's policy passes
  private final Map<String, String> policyProjects = new ConcurrentHashMap<>();
  private final Map<String, ReentrantReadWriteLock> poolLocks = new ConcurrentHashMap<>();
  private final JoinedCalls<String, Predicate<Policy>, Boolean> policyEdits;

  GcpCloudReconciler(
      GcpSettings settings,
      IamGateway gateway,
      Sleeper sleeper,
      String cluster,
      RetryPolicy retries,
      Clock clock) {
    super(Cloud.GCP, GcpIdentityStatus.class, retries, clock);
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
    // a write refused for what it holds (400) may be one pass's edit: then each edit goes alone,
    // and one identity's refused edit never fails its neighbours on the service account
    this.policyEdits =
        new JoinedCalls<>(
            POLICY_EDIT_LINGER,
            POLICY_EDIT_BURST,
            sleeper,
            failure ->
                failure instanceof GcpFailure g
                    && (g.status() == RpcStatus.INVALID_ARGUMENT
                        || g.status() == RpcStatus.FAILED_PRECONDITION));
    // each pool and each bound service account's policy read once per resync on a schedule;
    // passes are served from those reads and record their own writes in them
    this.pools = new ScopeScans<>(Cloud.GCP, retries.resync(), clock, this::scanPool);
    this.policies = new ScopeScans<>(Cloud.GCP, retries.resync(), clock, this::scanPolicy);
  }

  /** The adapter as the operator runs it, from the configuration read at start-up. */
  public static GcpCloudReconciler fromConfig(
      OperatorConfig config, MeterRegistry registry, Clock clock) {
    return create(
        GcpSettings.from(config.gcp()),
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
    // breaker hook: every IAM call passes its project's breaker
    CloudCalls gated = calls.withGate(GcpFailure.breakers(resyncInterval, calls.registry(), clock));
    return new GcpCloudReconciler(
        settings,
        new IamGateway(settings, gated, Sleeper.REAL),
        Sleeper.REAL,
        clusterName,
        RetryPolicy.forResync(resyncInterval),
        clock);
  }

  @Override
  protected String scopeOf(CloudRequest request) {
    return GcpFailure.scopeOf(request.identity()); // breaker hook
  }

  @Override
  protected Optional<String> trustMissing(CloudRequest request) {
    return request.trust() == null || request.trust().gcp() == null
        ? Optional.of("the gcp block did not compile")
        : Optional.empty();
  }

  // ----------------------------------------------------------------------------------- observe

  @Override
  protected Live observe(Attempt<GcpIdentityStatus> attempt) {
    Placement desired = Placement.of(trust(attempt));
    watch(attempt.request().owner(), desired);
    return attributed(
        attempt,
        () -> new Live(poolView(desired.poolName()), policy(desired.serviceAccountResource())));
  }

  /** A scan finding the pool, the provider or the identity's member changed triggers it. */
  private void watch(String identity, Placement desired) {
    String resource = desired.serviceAccountResource();
    policyProjects.put(resource, desired.projectNumber());
    pools.watch(
        identity,
        Set.of(
            new Watched(desired.poolName(), PoolScan.POOL_KEY),
            new Watched(desired.poolName(), PoolScan.providerKey(desired.providerId()))));
    policies.watch(
        identity, Set.of(new Watched(resource, PolicyScan.memberKey(desired.principal()))));
  }

  @Override
  protected GcpPlan plan(Attempt<GcpIdentityStatus> attempt, Live live) {
    return GcpPlan.of(
        trust(attempt),
        claimant(attempt),
        live.pool(),
        live.policy(),
        attempt.previousBlock().flatMap(Placement::fromStatus));
  }

  // ------------------------------------------------------------------------------------- apply

  @Override
  protected List<String> apply(Attempt<GcpIdentityStatus> attempt, GcpPlan plan) {
    return attributed(
        attempt,
        () -> {
          List<String> writes = new ArrayList<>();
          ensurePool(plan).ifPresent(writes::add);
          writes.addAll(ensureProvider(plan, claimant(attempt)));
          writes.addAll(ensureBinding(plan.desired(), plan.binding()));
          plan.moved()
              .ifPresent(before -> writes.addAll(releaseMoved(before, plan.desired(), attempt)));
          return writes;
        });
  }

  // ------------------------------------------------------------------------------------ report

  @Override
  protected CloudOutcome report(
      Attempt<GcpIdentityStatus> attempt, Live live, GcpPlan plan, List<String> writes) {
    GcpTrust trust = trust(attempt);
    if (attempt.request().observeOnly()) {
      return observed(attempt, trust, live, plan);
    }
    // taking ownership (adoption, the uid mark of an older provider): Events, never drift
    List<String> claims = plan.provider().claim().filter(writes::contains).stream().toList();
    List<String> changes = writes.stream().filter(w -> !claims.contains(w)).toList();
    // writes on an identity that was in sync at this generation undo someone else's change
    boolean drift = attempt.differenceIsDrift();
    String owner = attempt.request().owner();
    claims.forEach(c -> log.info("GCP {}: {}", owner, c));
    changes.forEach(c -> log.info("GCP {}: {}{}", owner, drift ? "drift corrected: " : "", c));
    List<String> corrections = new ArrayList<>(claims);
    if (drift) {
      corrections.addAll(changes);
    }
    Placement desired = plan.desired();
    return CloudOutcome.synced(
            "Provider "
                + desired.providerName()
                + " admits only "
                + attempt.request().trust().subject()
                + ", and "
                + WORKLOAD_IDENTITY_USER
                + " binds exactly its principal on "
                + desired.serviceAccount())
        .block(block(trust, attempt.correctionsAfter(changes)))
        .corrections(corrections)
        .liveTrust(liveTrustAfter(plan, live))
        .build();
  }

  private CloudOutcome observed(
      Attempt<GcpIdentityStatus> attempt, GcpTrust trust, Live live, GcpPlan plan) {
    List<String> differences = plan.differences();
    GcpIdentityStatus block = block(trust, attempt.previous().driftCorrections());
    // a recorded provider name counts as ownership evidence (Claimant): recorded only for a
    // provider that exists and is this identity's. Not for one announced for adoption, and not for
    // a missing one, which someone could create unmarked at that ID for Enforce to take over
    Optional<String> adoptable = plan.provider().claim();
    String announced = adoptable.map(a -> ". " + a).orElse("");
    Claimant claimant = claimant(attempt);
    boolean ours =
        adoptable.isEmpty()
            && plan.provider().live().map(p -> claimant.verdict(p).isOurs()).orElse(false);
    if (!ours) {
      block.setProviderName(null);
    }
    Optional<LiveTrust> read =
        plan.provider().live().map(p -> liveTrust(plan.desired(), p, live.policy()));
    if (differences.isEmpty()) {
      return CloudOutcome.of(
              ConditionStatus.True,
              CloudReason.Observed,
              "Observe: provider "
                  + plan.desired().providerName()
                  + " and the binding match the spec; nothing written"
                  + announced)
          .block(block)
          .liveTrust(read)
          .build();
    }
    return CloudOutcome.of(
            ConditionStatus.False,
            CloudReason.DriftDetected,
            "Observe (nothing written): " + String.join("; ", differences) + announced)
        .done(true)
        .block(block)
        .liveTrust(read)
        .build();
  }

  /**
   * The trust as GCP has it after the pass, from the views the pass read and its writes kept up to
   * date; no call.
   */
  private LiveTrust.Gcp liveTrustAfter(GcpPlan plan, Live live) {
    Placement desired = plan.desired();
    WorkloadIdentityPoolProvider provider =
        Optional.ofNullable(poolView(desired.poolName()).provider(desired.providerId()))
            .or(() -> Optional.ofNullable(live.pool().provider(desired.providerId())))
            .orElse(plan.wanted());
    Policy policy =
        Optional.ofNullable(policy(desired.serviceAccountResource())).orElse(live.policy());
    return liveTrust(desired, provider, policy);
  }

  /**
   * The provider and the service account's workloadIdentityUser members that belong to the pool, in
   * the shape the trust lint and "who can assume this" read.
   */
  static LiveTrust.Gcp liveTrust(
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

  private GcpIdentityStatus block(GcpTrust trust, long corrections) {
    GcpIdentityStatus gcp = new GcpIdentityStatus();
    gcp.setProviderName(trust.providerName());
    gcp.setPrincipal(trust.principal());
    gcp.setAudience(trust.audience());
    gcp.setServiceAccount(trust.serviceAccount());
    gcp.setLastSyncTime(now());
    gcp.setDriftCorrections(corrections);
    return gcp;
  }

  // ---------------------------------------------------------------------------------- withdraw

  /**
   * Withdraws the trust in place: the provider the status records, confirmed ours by its marks, is
   * disabled (it accepts no token); the pool, the provider and the binding stay, so a resume
   * restores the same provider name. Never acts on a target the spec newly names, nor on a provider
   * that is not this identity's. Under Observe nothing is written, only reported.
   */
  @Override
  protected CloudOutcome withdraw(Attempt<GcpIdentityStatus> attempt) {
    return attributed(attempt, () -> disableRecorded(attempt));
  }

  private CloudOutcome disableRecorded(Attempt<GcpIdentityStatus> attempt) {
    CloudRequest request = attempt.request();
    CloudRequest.Revocation revocation = request.revocation().orElseThrow();
    String why = revocation.reason() + ": " + revocation.message();
    GcpIdentityStatus kept = attempt.previousBlock().orElse(null);
    Optional<Placement> recorded = attempt.previousBlock().flatMap(Placement::fromStatus);
    if (recorded.isEmpty()) {
      return revoked(
          "no GCP object of this identity is recorded; nothing to withdraw (" + why + ")", kept);
    }
    Placement at = recorded.get();
    String name = at.providerName();
    WorkloadIdentityPoolProvider live = poolView(at.poolName()).provider(at.providerId());
    if (live == null || PoolView.DELETED.equals(live.getState())) {
      return revoked(
          "provider " + name + " does not exist (any more): nothing admits a token (" + why + ")",
          kept);
    }
    Claimant claimant = claimant(attempt);
    Verdict verdict = claimant.verdict(live);
    if (!verdict.isOurs()) {
      // recorded, but no longer marked as ours: not ours to disable
      throw claimant.conflict(live, verdict);
    }
    boolean disabled = Boolean.TRUE.equals(live.getDisabled());
    if (request.observeOnly()) {
      return revoked(
          "Observe (nothing written): "
              + why
              + "; provider "
              + name
              + (disabled
                  ? " is disabled"
                  : " stays enabled, as the operator never writes under Observe"),
          kept,
          liveTrust(at, live, recordedPolicy(at)));
    }
    WorkloadIdentityPoolProvider current = live;
    if (!disabled || verdict.needsMarks()) {
      // judged again on a read now before writing: the scan's view may be a resync old, and a
      // provider re-marked by someone else since must not be patched
      live = gateway.getProvider(name).orElse(null);
      if (live == null || PoolView.DELETED.equals(live.getState())) {
        pools.invalidate(at.poolName());
        return revoked(
            "provider " + name + " does not exist (any more): nothing admits a token (" + why + ")",
            kept);
      }
      verdict = claimant.verdict(live);
      if (!verdict.isOurs()) {
        pools.invalidate(at.poolName());
        throw claimant.conflict(live, verdict);
      }
      WorkloadIdentityPoolProvider body = new WorkloadIdentityPoolProvider().setDisabled(true);
      String mask = Field.disabled.maskPath();
      if (verdict.needsMarks()) {
        body.setDescription(Ownership.providerDescription(claimant.owner()));
        mask = Field.description.maskPath() + "," + mask;
      }
      WorkloadIdentityPoolProvider patched = gateway.patchProvider(name, body, mask);
      keep(at.poolName(), patched);
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
        kept,
        liveTrust(at, current, recordedPolicy(at)));
  }

  private static CloudOutcome revoked(String message, GcpIdentityStatus kept) {
    return revoked(message, kept, null);
  }

  /** Status False, reason Revoked; the status block kept as recorded (the names do not change). */
  private static CloudOutcome revoked(String message, GcpIdentityStatus kept, LiveTrust live) {
    return CloudOutcome.failed(CloudReason.Revoked, message)
        .done(true)
        .block(kept)
        .liveTrust(live)
        .build();
  }

  private Policy recordedPolicy(Placement placement) {
    return placement.serviceAccount() == null ? null : policy(placement.serviceAccountResource());
  }

  // -------------------------------------------------------------------------------------- pool

  /**
   * The pool's work, under the pool's lock: skipped when another pass did it while this one waited
   * (it recorded its write in the view), else decided again on a fresh read, as the plan's view may
   * be a resync old. So a pool is read once and written once however many identities planned before
   * it existed.
   */
  private Optional<String> ensurePool(GcpPlan plan) {
    if (plan.pool().isNone()) {
      return Optional.empty();
    }
    Placement desired = plan.desired();
    String poolName = desired.poolName();
    String issuerUri = plan.wanted().getOidc().getIssuerUri();
    return withPoolLock(
        poolName,
        () -> {
          if (PoolWork.of(poolView(poolName), cluster).isNone()) {
            return Optional.<String>empty();
          }
          PoolView fresh = readPool(poolName);
          pools.record(poolName, FRESH_POOL_READ, scan -> scan.replace(fresh));
          PoolWork work = PoolWork.of(fresh, cluster);
          Optional<String> written =
              switch (work.action()) {
                case CREATE -> createPool(desired, issuerUri);
                case UNDELETE -> {
                  keepPool(poolName, gateway.undeletePool(poolName));
                  yield Optional.of(
                      "undeleted workload identity pool "
                          + poolName
                          + " (it had been deleted; a deleted pool's ID stays blocked for 30"
                          + " days)");
                }
                case ENABLE -> {
                  keepPool(
                      poolName,
                      gateway.patchPool(
                          poolName, new WorkloadIdentityPool().setDisabled(false), "disabled"));
                  yield Optional.of("re-enabled workload identity pool " + poolName);
                }
                case NONE -> Optional.empty();
              };
          if (work.markIssuer()) {
            // a pool this operator created before pools were dedicated to one issuer; the plan
            // found no other issuer in it
            String description = fresh.pool().orElseThrow().getDescription();
            keepPool(
                poolName,
                gateway.patchPool(
                    poolName,
                    new WorkloadIdentityPool()
                        .setDescription(Ownership.withIssuer(description, issuerUri)),
                    "description"));
            log.info("GCP: marked pool {} as serving the issuer {} only", poolName, issuerUri);
          }
          return written;
        });
  }

  private Optional<String> createPool(Placement desired, String issuerUri) {
    String poolName = desired.poolName();
    try {
      keepPool(
          poolName,
          gateway.createPool(
              desired.parent(),
              desired.poolId(),
              new WorkloadIdentityPool()
                  .setDisplayName(POOL_DISPLAY_NAME)
                  .setDescription(Ownership.poolDescription(cluster, issuerUri))));
      return Optional.of("created workload identity pool " + poolName);
    } catch (GcpFailure e) {
      if (e.status() != RpcStatus.ALREADY_EXISTS) {
        pools.invalidate(poolName);
        throw e;
      }
      Optional<WorkloadIdentityPool> found = gateway.getPool(poolName);
      if (found.isEmpty()) {
        throw GcpFailure.stillRunning(
            "pool " + poolName + " is still being created by an earlier request");
      }
      keepPool(poolName, found.get());
      return Optional.empty();
    }
  }

  // ---------------------------------------------------------------------------------- provider

  /** Creates, or undeletes, claims and patches the provider as the plan says. */
  private List<String> ensureProvider(GcpPlan plan, Claimant claimant) {
    Placement desired = plan.desired();
    String poolName = desired.poolName();
    String name = desired.providerName();
    ProviderWork work = plan.provider();
    if (work.live().isEmpty()) {
      Optional<WorkloadIdentityPoolProvider> existing = createProvider(desired, plan.wanted());
      if (existing.isEmpty()) {
        return List.of("created provider " + name);
      }
      // there after all (an earlier request's, or missed by the cached read): judged as read now
      work = ProviderWork.of(existing.get(), plan.wanted(), claimant);
      if (work.claim().isPresent()) {
        throw GcpFailure.stillRunning(
            "provider "
                + name
                + " appeared while this pass created it; it is judged again in the next pass");
      }
    }
    List<String> writes = new ArrayList<>();
    WorkloadIdentityPoolProvider current = work.live().orElseThrow();
    if (work.undelete()) {
      current = inPool(poolName, () -> gateway.undeleteProvider(name));
      writes.add(
          "undeleted provider "
              + name
              + " (it had been deleted; its ID stays blocked for 30 days, so it is restored, not"
              + " re-created)");
      keep(poolName, current);
    }
    if (work.claim().isPresent()) {
      current =
          gateway.patchProvider(
              name,
              new WorkloadIdentityPoolProvider()
                  .setDescription(plan.wanted().getDescription())
                  .setDisplayName(plan.wanted().getDisplayName()),
              ProviderSpec.updateMask(List.of(Field.description, Field.displayName)));
      keep(poolName, current);
      writes.add(work.claim().get());
    }
    if (!work.patch().isEmpty()) {
      String mask = ProviderSpec.updateMask(work.patch());
      keep(
          poolName,
          gateway.patchProvider(name, ProviderSpec.patchBody(plan.wanted(), work.patch()), mask));
      writes.add(
          "patched provider " + name + " (" + mask + "), which read " + work.describe(current));
    }
    return writes;
  }

  /** The pool's view after the operator's own write (or fresh read) of one provider. */
  private void keep(String poolName, WorkloadIdentityPoolProvider written) {
    if (written == null) {
      pools.invalidate(poolName); // an operation that returned no resource: read it again
      return;
    }
    pools.record(
        poolName,
        PoolScan.providerKey(PoolView.idOf(written.getName())),
        scan -> scan.putProvider(written));
  }

  /** The pool's view after the operator's own write (or fresh read) of the pool itself. */
  private void keepPool(String poolName, WorkloadIdentityPool written) {
    if (written == null) {
      pools.invalidate(poolName);
      return;
    }
    pools.record(poolName, PoolScan.POOL_KEY, scan -> scan.putPool(written));
  }

  /**
   * Creates the provider, in the pool (shared with other provider operations, never with a pool
   * deletion) and after a fresh look at the pool. Returns the provider if it turned out to exist
   * already (to be judged and compared by the caller), empty if it was created as desired.
   */
  private Optional<WorkloadIdentityPoolProvider> createProvider(
      Placement desired, WorkloadIdentityPoolProvider wanted) {
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
          // a cleanup may have deleted the pool since the view's read (it invalidated the view)
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
          // again on this view: another identity may have added a provider since the plan
          GcpPlan.requireOneIssuer(fresh, desired, wanted.getOidc().getIssuerUri());
          try {
            keep(poolName, gateway.createProvider(poolName, desired.providerId(), wanted));
            return Optional.empty();
          } catch (GcpFailure e) {
            if (e.status() != RpcStatus.ALREADY_EXISTS) {
              pools.invalidate(poolName); // the next pass decides on a fresh read
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
            keep(poolName, found.get());
            return found;
          }
        });
  }

  private static boolean decidesIssuer(PoolView view) {
    return view.pool().isPresent()
        && !Ownership.hasIssuerMark(view.pool().get().getDescription())
        && view.providers().values().stream().allMatch(p -> PoolView.DELETED.equals(p.getState()));
  }

  // ----------------------------------------------------------------------------------- binding

  private List<String> ensureBinding(Placement desired, BindingWork work) {
    if (work.isNone()) {
      return List.of();
    }
    String principal = work.principal();
    Optional<String> stale = work.stale();
    boolean written =
        modifyPolicy(
            work.serviceAccountResource(),
            p -> {
              boolean changed = PolicyMembers.add(p, WORKLOAD_IDENTITY_USER, principal);
              if (stale.isPresent()) {
                changed |= PolicyMembers.remove(p, WORKLOAD_IDENTITY_USER, stale.get());
              }
              return changed;
            });
    List<String> writes = new ArrayList<>();
    if (written && work.add()) {
      writes.add(
          "added "
              + WORKLOAD_IDENTITY_USER
              + " for "
              + principal
              + " on "
              + desired.serviceAccount());
    }
    if (written && work.removeStale()) {
      writes.add(
          "removed the previous member " + stale.get() + " from " + desired.serviceAccount());
    }
    return writes;
  }

  /**
   * Read-modify-write of a service account's policy: a fresh read (version 3), the edit, a write
   * carrying the read's etag. A concurrent change (409 ABORTED) restarts the whole cycle, up to
   * {@link GcpSettings#policyAttempts()} times. Returns whether anything was written.
   */
  private boolean modifyPolicy(String resource, Predicate<Policy> edit) {
    // one read-modify-write per service account at a time from this operator, carrying the edits
    // of every pass waiting on it: identities sharing an account otherwise abort each other's
    // writes (409 ABORTED), and each would read and write the policy on its own
    return policyEdits.join(resource, edit, this::modifyPolicyTogether);
  }

  /** One read-modify-write carrying several passes' edits; which of them changed the policy. */
  private List<Boolean> modifyPolicyTogether(String resource, List<Predicate<Policy>> edits) {
    boolean[] changed = new boolean[edits.size()];
    modifyPolicyOnce(
        resource,
        policy -> {
          // run again on every fresh read: each edit judged against the policy as it is now
          boolean any = false;
          for (int i = 0; i < edits.size(); i++) {
            changed[i] = edits.get(i).test(policy);
            any |= changed[i];
          }
          return any;
        });
    List<Boolean> answers = new ArrayList<>(edits.size());
    for (boolean c : changed) {
      answers.add(c);
    }
    return answers;
  }

  private boolean modifyPolicyOnce(String resource, Predicate<Policy> edit) {
    for (int attempt = 1; ; attempt++) {
      // the write's own read, for its etag: never the scan's
      Policy fresh = gateway.getIamPolicy(resource);
      Policy edited = fresh.clone();
      if (!edit.test(edited)) {
        keepPolicy(resource, fresh);
        return false;
      }
      edited.setVersion(PolicyMembers.POLICY_VERSION);
      try {
        keepPolicy(resource, gateway.setIamPolicy(resource, edited));
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

  /** The account's policy view after the operator's own read-modify-write. */
  private void keepPolicy(String resource, Policy policy) {
    policies.record(resource, PolicyScan.POLICY_KEY, scan -> scan.put(policy));
  }

  // ---------------------------------------------------------------- moves and cleanup (release)

  /** After a change of pool or service account, the objects at the old place are released. */
  private List<String> releaseMoved(
      Placement before, Placement desired, Attempt<GcpIdentityStatus> attempt) {
    List<String> writes = new ArrayList<>();
    if (!before.providerName().equals(desired.providerName())) {
      writes.addAll(
          release(
              new Placement(
                  before.projectNumber(), before.poolId(), before.providerId(), null, null),
              claimant(attempt),
              DeletionPolicy.Delete));
    }
    if (before.serviceAccount() != null
        && before.principal() != null
        && !before.serviceAccount().equals(desired.serviceAccount())) {
      String resource = before.serviceAccountResource();
      if (modifyPolicy(
          resource, p -> PolicyMembers.remove(p, WORKLOAD_IDENTITY_USER, before.principal()))) {
        writes.add(
            "removed "
                + before.principal()
                + " from the previous service account "
                + before.serviceAccount());
      }
    }
    return writes;
  }

  @Override
  protected CloudOutcome release(Attempt<GcpIdentityStatus> attempt) {
    pools.forget(attempt.request().owner());
    policies.forget(attempt.request().owner());
    CloudRequest request = attempt.request();
    if (request.observeOnly()) {
      return cleaned(
          "Observe: the GCP objects were never written by this identity and are left as they are");
    }
    CIFederatedIdentitySpec spec = request.identity().getSpec();
    List<Placement> placements = new ArrayList<>();
    Optional<Placement> recorded = attempt.previousBlock().flatMap(Placement::fromStatus);
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
    Claimant claimant = claimant(attempt);
    List<String> done =
        attributed(
            attempt,
            () -> {
              List<String> released = new ArrayList<>();
              for (Placement placement : placements) {
                released.addAll(release(placement, claimant, request.deletionPolicy()));
              }
              return released;
            });
    done.forEach(d -> log.info("GCP {}: {}", request.owner(), d));
    return cleaned(
        done.isEmpty() ? "nothing of this identity was left in GCP" : String.join("; ", done));
  }

  /**
   * Removes (Delete) or releases (Orphan) one placement's objects, judged on a fresh read. A
   * provider that is not this identity's is left alone, and then so is the binding; with Orphan the
   * binding stays too.
   */
  private List<String> release(Placement placement, Claimant claimant, DeletionPolicy policy) {
    String name = placement.providerName();
    Optional<WorkloadIdentityPoolProvider> live = gateway.getProvider(name);
    if (live.isPresent() && !claimant.verdict(live.get()).isOurs()) {
      return List.of("left provider " + name + " untouched: it is not this identity's");
    }
    boolean active = live.isPresent() && PoolView.ACTIVE.equals(live.get().getState());
    List<String> done = new ArrayList<>();
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
      return done;
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
    deletePoolIfUnused(placement.poolName()).ifPresent(done::add);
    return done;
  }

  /**
   * Deletes a pool this cluster's operator created once nothing uses it: no ACTIVE provider, and no
   * soft-deleted provider someone else might still undelete. Under the pool's lock, on fresh reads.
   */
  private Optional<String> deletePoolIfUnused(String poolName) {
    return withPoolLock(
        poolName,
        () -> {
          Optional<WorkloadIdentityPool> pool = gateway.getPool(poolName);
          if (pool.isEmpty()
              || !PoolView.ACTIVE.equals(pool.get().getState())
              || !Ownership.poolCreatedByUs(pool.get().getDescription(), cluster)) {
            return Optional.empty();
          }
          long users =
              gateway.listProviders(poolName).stream()
                  .filter(
                      p ->
                          !PoolView.DELETED.equals(p.getState())
                              || !Ownership.markedByCluster(p.getDescription(), cluster))
                  .count();
          Optional<String> deleted = Optional.empty();
          if (users == 0) {
            gateway.deletePool(poolName);
            deleted =
                Optional.of(
                    "deleted workload identity pool "
                        + poolName
                        + " (created by this operator, now unused)");
          }
          pools.invalidate(poolName);
          return deleted;
        });
  }

  private static CloudOutcome cleaned(String message) {
    return CloudOutcome.synced(message).build();
  }

  // ----------------------------------------------------------------------------------- helpers

  private static GcpTrust trust(Attempt<GcpIdentityStatus> attempt) {
    return attempt.request().trust().gcp();
  }

  private Claimant claimant(Attempt<GcpIdentityStatus> attempt) {
    return Claimant.of(attempt.request(), cluster, attempt.previousBlock());
  }

  /** Runs the calls of a pass for its identity: each names it in its User-Agent. */
  private <T> T attributed(Attempt<GcpIdentityStatus> attempt, Supplier<T> calls) {
    try (var attributed = gateway.attributeTo(Attribution.of(attempt.request()))) {
      return calls.get();
    }
  }

  private PoolView poolView(String poolName) {
    return pools.view(poolName).view();
  }

  @Override
  public void scanScopes(ScopeScans.DriftListener listener) {
    pools.onDrift(listener);
    policies.onDrift(listener);
    pools.start();
    policies.start();
  }

  /** The scheduled scans due now; for tests, which run no schedule. */
  List<String> scanDue() {
    List<String> scanned = new ArrayList<>(pools.runDue());
    scanned.addAll(policies.runDue());
    return scanned;
  }

  /** One scheduled (or first) read of a pool: the pool, then its providers in one list. */
  private PoolScan scanPool(String poolName) {
    ScopeBreakers.enter(Cloud.GCP, projectOf(poolName));
    return new PoolScan(readPool(poolName));
  }

  /** One scheduled (or first) read of a bound service account's policy. */
  private PolicyScan scanPolicy(String resource) {
    ScopeBreakers.enter(Cloud.GCP, policyProjects.get(resource));
    return new PolicyScan(gateway.getIamPolicy(resource));
  }

  /** {@code projects/NUMBER/locations/global/workloadIdentityPools/ID}: its project number. */
  private static String projectOf(String poolName) {
    String[] parts = poolName.split("/");
    return parts.length > 1 ? parts[1] : null;
  }

  private PoolView readPool(String poolName) {
    Optional<WorkloadIdentityPool> pool = gateway.getPool(poolName);
    if (pool.isEmpty()) {
      return PoolView.of(pool, List.of());
    }
    return PoolView.of(pool, gateway.listProviders(poolName));
  }

  private Policy policy(String resource) {
    return policies.view(resource).policy();
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
}
