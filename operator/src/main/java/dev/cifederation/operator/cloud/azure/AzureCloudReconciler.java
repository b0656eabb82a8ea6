package dev.cifederation.operator.cloud.azure;

import dev.cifederation.operator.api.v1alpha1.AzureIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.AzureRoleAssignment;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.ConditionStatus;
import dev.cifederation.operator.api.v1alpha1.DeletionPolicy;
import dev.cifederation.operator.api.v1alpha1.Finding;
import dev.cifederation.operator.api.v1alpha1.SubjectMigrationPhase;
import dev.cifederation.operator.cloud.Attribution;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudAdapter;
import dev.cifederation.operator.cloud.CloudFailure;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.JoinedCalls;
import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.cloud.Owner.Verdict;
import dev.cifederation.operator.cloud.RetryPolicy;
import dev.cifederation.operator.cloud.ScopeBreakers;
import dev.cifederation.operator.cloud.ScopeScans;
import dev.cifederation.operator.cloud.ScopeScans.Watched;
import dev.cifederation.operator.cloud.Sleeper;
import dev.cifederation.operator.cloud.azure.ArmClient.LiveIdentity;
import dev.cifederation.operator.cloud.azure.AzurePlan.Intent;
import dev.cifederation.operator.cloud.azure.CredentialPlan.Credential;
import dev.cifederation.operator.config.OperatorConfig;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.trust.CloudNames;
import dev.cifederation.operator.trust.LiveTrust;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Azure adapter: per identity, a user-assigned managed identity tagged as owned, its federated
 * identity credential (exact issuer, subject and audience; a second one during a subject
 * migration's window), and the declared role assignments. A pass has the shape of every adapter
 * ({@link CloudAdapter}): observe resolves the declared roles and reads the identity, its
 * credentials and its principal's assignments; {@link AzurePlan} decides; apply writes (Enforce);
 * report returns the outcome, with what Observe found different.
 *
 * <p>What the operator owns and how it tells: the identity by its ownership tags (see {@link
 * OwnershipTags}); everything inside an owned identity, so credentials other than the operator's
 * two names are removed (see {@link CredentialPlan}); role assignments by their deterministic names
 * (see {@link AssignmentPlan}). Role assignments of the principal made by anyone else live on
 * scopes the operator does not own and may serve purposes it cannot see: they are never touched,
 * and reported as findings. Azure fails concurrent credential writes on one identity, so a pass
 * reads and writes an identity's credentials under the identity's lock ({@link IdentityLocks}).
 */
public final class AzureCloudReconciler
    extends CloudAdapter<AzureIdentityStatus, AzureLive, AzureCloudReconciler.Work> {

  private static final Logger log = LoggerFactory.getLogger(AzureCloudReconciler.class);
  // while a group's identities were looked up in the last 2 s (identities being created in it),
  // the next lookup waits half a second for the passes still on their way, to serve them together
  private static final Duration LOOKUP_LINGER = Duration.ofMillis(500);
  private static final Duration LOOKUP_BURST = Duration.ofSeconds(2);

  private final ArmClient arm;
  private final String clusterName;
  private final IdentityLocks locks = new IdentityLocks();
  private final RoleDefinitions roles;
  private final ScopeScans<GroupScan> groups;
  private final JoinedCalls<String, Lookup, Optional<LiveIdentity>> lookups =
      new JoinedCalls<>(LOOKUP_LINGER, LOOKUP_BURST, Sleeper.REAL);

  // how many pages each group's identity list took when last read (by its scan or a lookup)
  private final Map<String, Integer> listPages = new ConcurrentHashMap<>();

  /** A pass looking up its identity, which its group's scan does not hold. */
  private record Lookup(IdentityRef at, ArmClient arm) {}

  /** A pass's plan and the record of what its apply wrote. */
  record Work(AzurePlan plan, Writes writes) {}

  /**
   * What one apply wrote, filled as it writes and read once, by report (or by {@link #failed} when
   * a write fails): the identity as Azure returned it, and the writes by kind. Each pass has its
   * own.
   */
  static final class Writes {
    private LiveIdentity identity;

    /** Writes that bring Azure to the spec: drift corrections when it was in sync before. */
    private final List<String> changes = new ArrayList<>();

    /** Taking an identity over (adoption): an Event, never drift. */
    private final List<String> notices = new ArrayList<>();

    /** The declared end of a migration, a legacy identity's UID mark: only logged. */
    private final List<String> quiet = new ArrayList<>();

    /** What only a write could tell (a role someone else's assignment already grants). */
    private final List<Finding> findings = new ArrayList<>();

    Writes(LiveIdentity identity) {
      this.identity = identity;
    }

    List<String> all() {
      List<String> all = new ArrayList<>(notices);
      all.addAll(changes);
      all.addAll(quiet);
      return all;
    }
  }

  AzureCloudReconciler(ArmClient arm, String clusterName, RetryPolicy retries, Clock clock) {
    super(Cloud.Azure, AzureIdentityStatus.class, retries, clock);
    this.arm = arm;
    this.clusterName = clusterName;
    this.roles = new RoleDefinitions(clock);
    // each resource group read once per resync on a schedule; passes are served from that read
    this.groups = new ScopeScans<>(Cloud.Azure, retries.resync(), clock, this::scanGroup);
  }

  @Override
  public void scanScopes(ScopeScans.DriftListener listener) {
    groups.onDrift(listener);
    groups.start();
  }

  /** The scheduled scans due now; for tests, which run no schedule. */
  List<String> scanDueGroups() {
    return groups.runDue();
  }

  /** Every resource group's view dropped; for tests of a pass's own reads. */
  void invalidateGroups() {
    groups.invalidateAll();
  }

  /** Every resource group scanned now; for tests that change Azure by hand. */
  void scanGroupsNow() {
    groups.runAll();
  }

  /**
   * One scan of a resource group: its identities (one list), the credentials of those this cluster
   * marked (one list each: Azure has no bulk list of credentials), and the role assignments at,
   * above and below the group (one list).
   */
  private GroupScan scanGroup(String key) {
    String[] parts = key.split("/"); // "", subscriptions, ID, resourceGroups, NAME
    String subscriptionId = parts[2];
    String group = parts[4];
    ScopeBreakers.enter(Cloud.Azure, subscriptionId);
    String cluster = OwnershipTags.tagValue(clusterName);
    List<LiveIdentity> identities =
        arm.listIdentities(subscriptionId, Optional.of(group), pages -> listPages.put(key, pages));
    Map<String, List<Credential>> credentials = new LinkedHashMap<>();
    for (LiveIdentity identity : identities) {
      if (cluster.equalsIgnoreCase(OwnershipTags.marks(identity.tags()).cluster())) {
        credentials.put(
            identity.name(), arm.listCredentials(subscriptionId, group, identity.name()));
      }
    }
    return new GroupScan(
        subscriptionId,
        group,
        identities,
        credentials,
        arm.listAssignmentsAround(groupKey(subscriptionId, group)));
  }

  private static String groupKey(String subscriptionId, String group) {
    return "/subscriptions/" + subscriptionId + "/resourceGroups/" + group;
  }

  private static String groupKey(IdentityRef at) {
    return groupKey(at.subscriptionId(), at.resourceGroup());
  }

  /** The adapter as the operator runs it, from the configuration read at start-up. */
  public static AzureCloudReconciler fromConfig(
      OperatorConfig config, MeterRegistry registry, Clock clock) {
    AzureSettings settings = AzureSettings.from(config.azure());
    log.info("Azure adapter: {}", settings);
    return create(
        settings,
        config.clusterName(),
        config.resyncInterval(),
        RetryPolicy.forResync(config.resyncInterval()),
        registry,
        clock,
        ArmRetry.Policy.defaults(),
        Sleeper.REAL);
  }

  static AzureCloudReconciler create(
      AzureSettings settings,
      String clusterName,
      Duration resyncInterval,
      RetryPolicy retries,
      MeterRegistry registry,
      Clock clock,
      ArmRetry.Policy callRetries,
      Sleeper sleeper) {
    ArmRetry retry =
        new ArmRetry(
            // breaker hook: every ARM call passes its subscription's breaker
            new CloudCalls(registry, Cloud.Azure.name())
                .withGate(ArmError.breakers(resyncInterval, registry, clock)),
            callRetries,
            sleeper);
    ArmClient arm =
        new ArmClient(
            ArmPipeline.build(settings),
            ArmPipeline.environment(settings),
            settings.tenantId().orElse(null),
            retry);
    return new AzureCloudReconciler(arm, clusterName, retries, clock);
  }

  @Override
  protected String scopeOf(CloudRequest request) {
    return ArmError.scopeOf(request); // breaker hook
  }

  @Override
  protected Optional<String> trustMissing(CloudRequest request) {
    return request.trust() == null
            || request.trust().azure() == null
            || request.identity().getSpec().getAzure() == null
        ? Optional.of("No Azure trust was compiled for this spec")
        : Optional.empty();
  }

  /** A pass reads and writes the identity's credentials with no other pass on it in between. */
  @Override
  protected CloudOutcome aroundPass(
      Attempt<AzureIdentityStatus> attempt, Supplier<CloudOutcome> pass) {
    return locks.withLock(Target.of(attempt.request()).identity().id(), pass);
  }

  // ----------------------------------------------------------------------------------- observe

  /**
   * The declared roles first, resolved and held against policy before anything is written; then the
   * identity, and only when this resource may act on it, its credentials and its principal's
   * assignments: nothing of a stranger's identity is read beyond its tags.
   */
  @Override
  protected AzureLive observe(Attempt<AzureIdentityStatus> attempt) {
    Intent intent = intent(attempt);
    Target target = intent.target();
    IdentityRef at = target.identity();
    ArmClient arm = armFor(attempt.request());
    List<AssignmentPlan.Desired> declared =
        roles.resolve(
            arm,
            target.roleAssignments(),
            new ForbiddenRoles(attempt.request().grants().forbiddenRoles()));
    String key = groupKey(at);
    GroupScan scan = groups.view(key);
    Optional<LiveIdentity> found = scan.identity(at.name());
    if (found.isEmpty()) {
      // a create is an upsert in ARM: never decided on a scan that may be an interval old, or a
      // stranger's identity made since would be overwritten; a read started after this pass asked
      found = lookups.join(key, new Lookup(at, arm), this::lookUp);
      found.ifPresent(
          live -> groups.record(key, GroupScan.identityKey(at.name()), s -> s.putIdentity(live)));
    }
    Set<Watched> watched = new HashSet<>();
    watched.add(new Watched(key, GroupScan.identityKey(at.name())));
    watched.add(new Watched(key, GroupScan.credentialsKey(at.name())));
    found.ifPresent(i -> watched.add(new Watched(key, GroupScan.assignmentsKey(i.principalId()))));
    groups.watch(attempt.request().owner(), watched);
    if (found.isEmpty()) {
      return AzureLive.missing(declared);
    }
    LiveIdentity identity = found.get();
    Verdict verdict = OwnershipTags.judge(intent.owner(), identity, intent.recordedPrincipalId());
    if (!AzurePlan.mayActOn(intent, identity, verdict)) {
      return AzureLive.stranger(declared, identity, verdict);
    }
    try {
      List<Credential> credentials =
          scan.credentials(at.name()).orElseGet(() -> readCredentials(arm, at));
      List<String> scopes = declared.stream().map(AssignmentPlan.Desired::scope).toList();
      List<AssignmentPlan.Live> assignments =
          scopes.stream().allMatch(scan::covers)
              ? scan.assignmentsOf(identity.principalId())
              // a declared scope outside the identity's group: the principal's, read per pass
              : liveAssignments(arm, at.subscriptionId(), scopes, identity.principalId());
      return new AzureLive(declared, found, Optional.of(verdict), credentials, assignments);
    } catch (CloudFailure failure) {
      throw verdict.isOurs() ? new Unfinished(failure, new Writes(identity)) : failure;
    }
  }

  /**
   * The identities of lookups in one group, as they are now: one list of the group when that is
   * fewer calls than a get for each (a list costs a call per page, as many as it took last time),
   * else a get for each.
   */
  private List<Optional<LiveIdentity>> lookUp(String key, List<Lookup> batch) {
    if (batch.size() <= listPages.getOrDefault(key, 1)) {
      return batch.stream()
          .map(
              l ->
                  l.arm()
                      .getIdentity(l.at().subscriptionId(), l.at().resourceGroup(), l.at().name()))
          .toList();
    }
    IdentityRef in = batch.get(0).at();
    Map<String, LiveIdentity> byName = new HashMap<>();
    arm.listIdentities(
            in.subscriptionId(),
            Optional.of(in.resourceGroup()),
            pages -> listPages.put(key, pages))
        .forEach(i -> byName.put(i.name().toLowerCase(Locale.ROOT), i));
    return batch.stream()
        .map(l -> Optional.ofNullable(byName.get(l.at().name().toLowerCase(Locale.ROOT))))
        .toList();
  }

  /**
   * The credentials of an identity the scan did not read (not yet marked by this cluster): read
   * now, and kept in the group's view until its next scan.
   */
  private List<Credential> readCredentials(ArmClient arm, IdentityRef at) {
    List<Credential> read = arm.listCredentials(at.subscriptionId(), at.resourceGroup(), at.name());
    groups.record(
        groupKey(at),
        GroupScan.credentialsKey(at.name()),
        scan -> scan.putCredentials(at.name(), read));
    return read;
  }

  @Override
  protected Work plan(Attempt<AzureIdentityStatus> attempt, AzureLive live) {
    AzurePlan plan = AzurePlan.of(intent(attempt), live);
    return new Work(plan, new Writes(plan.identityIsOurs() ? plan.existing().get() : null));
  }

  // ------------------------------------------------------------------------------------- apply

  /** The identity's write, then the credentials (foreign, desired, stale), then the assignments. */
  @Override
  protected List<String> apply(Attempt<AzureIdentityStatus> attempt, Work work) {
    AzurePlan plan = work.plan();
    if (plan.conflict().isPresent()) {
      return List.of(); // a stranger's identity: nothing is written
    }
    Writes writes = work.writes();
    ArmClient arm = armFor(attempt.request());
    try {
      writeIdentity(arm, plan, writes);
      writeCredentials(arm, plan, writes);
      writeAssignments(arm, plan, writes);
    } catch (CloudFailure failure) {
      // a write failed half-way: the view cannot know what Azure holds now for this identity, so
      // its next pass reads the identity and its credentials itself (not the whole group again)
      IdentityRef at = plan.intent().target().identity();
      groups.record(
          groupKey(at), GroupScan.identityKey(at.name()), scan -> scan.removeIdentity(at.name()));
      // what was made or adopted is recorded all the same, for a revocation or a cleanup
      throw writes.identity == null ? failure : new Unfinished(failure, writes);
    }
    return writes.all();
  }

  private void writeIdentity(ArmClient arm, AzurePlan plan, Writes writes) {
    Intent intent = plan.intent();
    Target target = intent.target();
    IdentityRef at = target.identity();
    switch (plan.identityWrite()) {
      case CREATE -> {
        writes.identity =
            arm.createIdentity(
                at.subscriptionId(),
                at.resourceGroup(),
                at.name(),
                target.location(),
                OwnershipTags.tags(intent.owner()));
        writes.changes.add(
            "created "
                + target.describeIdentity()
                + " (principal "
                + writes.identity.principalId()
                + ")");
      }
      case ADOPT -> {
        writes.identity = remark(arm, plan);
        writes.notices.add(
            "adopted "
                + writes.identity.id()
                + " (spec.adoptExisting, granted by the adoptable pattern '"
                + plan.grant().orElseThrow()
                + "' of a CIFederationPolicy): ownership tags written");
      }
      case MARK_LEGACY -> {
        // made by the version before UID marks and recorded by this resource: marked once
        writes.identity = remark(arm, plan);
        writes.quiet.add("marked " + writes.identity.id() + " with this resource's UID");
      }
      case RESTORE_MARKS -> {
        writes.identity = remark(arm, plan);
        writes.changes.add("restored the ownership tags of " + target.describeIdentity());
      }
      case NONE -> {}
    }
    if (writes.identity != null && plan.identityWrite() != AzurePlan.IdentityWrite.NONE) {
      LiveIdentity written = writes.identity;
      groups.record(
          groupKey(at), GroupScan.identityKey(at.name()), scan -> scan.putIdentity(written));
    }
  }

  /** The existing identity's tags with the ownership tags set, everyone else's kept. */
  private static LiveIdentity remark(ArmClient arm, AzurePlan plan) {
    IdentityRef at = plan.intent().target().identity();
    return arm.setTags(
        at.subscriptionId(),
        at.resourceGroup(),
        at.name(),
        OwnershipTags.withOwnership(plan.existing().orElseThrow().tags(), plan.intent().owner()));
  }

  /** Foreign credentials first, then the desired ones, and only then the stale owned ones. */
  private void writeCredentials(ArmClient arm, AzurePlan plan, Writes writes) {
    Intent intent = plan.intent();
    IdentityRef at = intent.target().identity();
    CredentialPlan credentials = plan.credentials();
    String key = groupKey(at);
    // what the identity holds after these writes, for the group's view
    List<Credential> held =
        new ArrayList<>(
            plan.identityWrite() == AzurePlan.IdentityWrite.CREATE
                ? List.of()
                : groups.view(key).credentials(at.name()).orElse(List.of()));
    boolean wrote = plan.identityWrite() == AzurePlan.IdentityWrite.CREATE;
    for (Credential foreign : credentials.foreign()) {
      arm.deleteCredential(at.subscriptionId(), at.resourceGroup(), at.name(), foreign.name());
      held.removeIf(c -> c.name().equalsIgnoreCase(foreign.name()));
      wrote = true;
      writes.changes.add(
          "removed federated credential "
              + foreign.describe()
              + " that the operator did not create from "
              + at.name());
    }
    for (CredentialPlan.Put put : credentials.puts()) {
      Credential desired = put.credential();
      putCredential(arm, intent.target(), desired);
      held.removeIf(c -> c.name().equalsIgnoreCase(desired.name()));
      held.add(desired);
      wrote = true;
      writes.changes.add(
          put.replaced().isEmpty()
              ? "created federated credential " + desired.describe()
              : "federated credential "
                  + desired.name()
                  + ": "
                  + String.join(", ", put.differences()));
    }
    // last: every desired subject is admitted before anything owned is removed
    for (Credential stale : credentials.stale()) {
      arm.deleteCredential(at.subscriptionId(), at.resourceGroup(), at.name(), stale.name());
      held.removeIf(c -> c.name().equalsIgnoreCase(stale.name()));
      wrote = true;
      String what = "removed " + AzurePlan.staleCredential(intent, stale);
      if (intent.migrationEnded()) {
        writes.quiet.add(what); // the declared end of the window, not an out-of-band change
      } else {
        writes.changes.add(what + ", no longer declared");
      }
    }
    if (wrote) {
      List<Credential> now = List.copyOf(held);
      groups.record(
          key, GroupScan.credentialsKey(at.name()), scan -> scan.putCredentials(at.name(), now));
    }
  }

  /**
   * Writes the credential; a 400 on creation is the 20-credential limit when the identity then
   * holds 20 others (Azure's message is not parsed), reported as a terminal LimitExceeded.
   */
  private static void putCredential(ArmClient arm, Target target, Credential desired) {
    IdentityRef at = target.identity();
    try {
      arm.putCredential(at.subscriptionId(), at.resourceGroup(), at.name(), desired);
    } catch (AzureFailure failure) {
      if (!failure.hasStatus(400)) {
        throw failure;
      }
      List<Credential> now =
          arm.listCredentials(at.subscriptionId(), at.resourceGroup(), at.name());
      boolean ours = now.stream().anyMatch(c -> c.name().equalsIgnoreCase(desired.name()));
      if (!ours && now.size() >= CredentialPlan.MAX_CREDENTIALS) {
        throw new CloudFailure(
            CloudReason.LimitExceeded,
            target.describeIdentity()
                + " holds "
                + now.size()
                + " federated credentials, Azure's limit; remove one (or use another identity)"
                + " before this credential can be added");
      }
      throw failure;
    }
  }

  /** The undeclared assignments of the operator deleted, the missing declared ones created. */
  private void writeAssignments(ArmClient arm, AzurePlan plan, Writes writes) {
    String principal = writes.identity.principalId();
    // a new identity's principal holds no assignment yet
    AssignmentPlan assignments =
        plan.assignments()
            .orElseGet(() -> AssignmentPlan.of(plan.declared(), List.of(), principal));
    String key = groupKey(plan.intent().target().identity());
    // the principal's assignments after these writes, for the group's view
    List<AssignmentPlan.Live> held =
        new ArrayList<>(
            plan.identityWrite() == AzurePlan.IdentityWrite.CREATE
                ? List.of()
                : groups.view(key).assignmentsOf(principal));
    boolean wrote = false;
    for (AssignmentPlan.Live stale : assignments.toDelete()) {
      arm.deleteAssignment(stale.scope(), stale.name());
      held.removeIf(a -> a.id().equalsIgnoreCase(stale.id()));
      wrote = true;
      writes.changes.add(
          "removed role assignment "
              + stale.roleDefinitionGuid()
              + " at "
              + stale.scope()
              + ", no longer declared");
    }
    for (AssignmentPlan.Create create : assignments.toCreate()) {
      AssignmentPlan.Desired d = create.desired();
      boolean created =
          arm.createAssignment(
              d.scope(),
              create.name(),
              AssignmentPlan.definitionId(d.scope(), d.roleDefinitionGuid()),
              principal,
              "Managed by cifederation.dev for "
                  + plan.intent().owner().owner()
                  + " (cluster "
                  + clusterName
                  + ")");
      if (created) {
        held.add(
            new AssignmentPlan.Live(
                d.scope() + "/providers/Microsoft.Authorization/roleAssignments/" + create.name(),
                create.name(),
                d.scope(),
                AssignmentPlan.definitionId(d.scope(), d.roleDefinitionGuid()),
                principal,
                "ServicePrincipal"));
        wrote = true;
        writes.changes.add("created role assignment " + d.role() + " at " + d.scope());
      } else if (arm.getAssignment(d.scope(), create.name()).isEmpty()) {
        // 409 RoleAssignmentExists under another name: someone else's assignment grants it
        writes.findings.add(AzurePlan.grantedByOther(d, "an assignment the operator did not make"));
      }
      // else: the operator's own assignment, not yet listed (replication): converged
    }
    if (wrote) {
      List<AssignmentPlan.Live> now = List.copyOf(held);
      groups.record(
          key,
          GroupScan.assignmentsKey(principal),
          scan -> scan.replaceAssignments(principal, now));
    }
  }

  // ------------------------------------------------------------------------------------ report

  @Override
  protected CloudOutcome report(
      Attempt<AzureIdentityStatus> attempt, AzureLive live, Work work, List<String> written) {
    AzurePlan plan = work.plan();
    String owner = attempt.request().owner();
    if (plan.conflict().isPresent()) {
      String message = plan.conflict().get();
      log.warn("{}: {}", owner, message);
      // not this resource's: none of its IDs are recorded, and nothing was compared
      AzureIdentityStatus block =
          block(
              plan,
              null,
              attempt.previousBlock().map(AzureIdentityStatus::getLastSyncTime).orElse(null),
              attempt.previous().driftCorrections());
      return CloudOutcome.failed(CloudReason.Conflict, message).block(block).build();
    }
    warnOfUndeclaredAssignments(owner, plan);
    if (attempt.request().observeOnly()) {
      return observed(attempt, live, plan);
    }
    Writes writes = work.writes();
    boolean drift = attempt.differenceIsDrift();
    writes.notices.forEach(w -> log.info("{}: Azure: {}", owner, w));
    writes.quiet.forEach(w -> log.info("{}: Azure: {}", owner, w));
    if (drift) {
      writes.changes.forEach(w -> log.warn("{}: drift corrected in Azure: {}", owner, w));
    } else {
      writes.changes.forEach(w -> log.info("{}: Azure: {}", owner, w));
    }
    List<Finding> findings = new ArrayList<>(plan.findings());
    findings.addAll(writes.findings);
    List<Credential> placed = plan.placed();
    String message =
        "Managed identity "
            + plan.intent().target().identity().name()
            + " trusts exactly "
            + (placed.isEmpty()
                ? "-"
                : String.join(" and ", placed.stream().map(Credential::subject).toList()))
            + "; "
            + plan.declared().size()
            + " declared role assignment(s) in place";
    return CloudOutcome.synced(message)
        .block(block(plan, writes.identity, now(), attempt.correctionsAfter(writes.changes)))
        .corrections(corrections(writes, drift))
        .findings(findings)
        .liveTrust(liveTrust(writes.identity, placed))
        .build();
  }

  /** Observe: the differences reported, nothing written; the live trust as Azure holds it. */
  private CloudOutcome observed(
      Attempt<AzureIdentityStatus> attempt, AzureLive live, AzurePlan plan) {
    LiveIdentity identity = live.identity().orElse(null);
    // an identity to be adopted is not this resource's yet: its ids are not recorded (a recorded
    // principal counts as ownership evidence), the adoption is only announced
    boolean adoptable = plan.identityWrite() == AzurePlan.IdentityWrite.ADOPT;
    String announced =
        adoptable
            ? ". "
                + identity.id()
                + " is not yet this resource's; the adoptable pattern '"
                + plan.grant().orElseThrow()
                + "' (spec.azure.adoptableIdentities) lets it be adopted: managementPolicy Enforce"
                + " takes it over, writing its ownership tags and nothing else unless a difference"
                + " is reported here"
            : "";
    AzureIdentityStatus block =
        block(plan, adoptable ? null : identity, now(), attempt.previous().driftCorrections());
    LiveTrust liveTrust = identity == null ? null : liveTrust(identity, live.credentials());
    if (plan.differences().isEmpty()) {
      return CloudOutcome.of(
              ConditionStatus.True,
              CloudReason.Observed,
              "Observe: "
                  + plan.intent().target().describeIdentity()
                  + " matches the spec; nothing written"
                  + announced)
          .block(block)
          .findings(plan.findings())
          .liveTrust(liveTrust)
          .build();
    }
    log.info(
        "{}: Azure drift observed, not corrected: {}",
        attempt.request().owner(),
        plan.differences());
    return CloudOutcome.failed(
            CloudReason.DriftDetected,
            "Observe: "
                + plan.differences().size()
                + " difference(s), nothing written: "
                + String.join("; ", plan.differences())
                + announced)
        .done(true)
        .block(block)
        .findings(plan.findings())
        .liveTrust(liveTrust)
        .build();
  }

  private static void warnOfUndeclaredAssignments(String owner, AzurePlan plan) {
    plan.assignments().stream()
        .flatMap(a -> a.undeclaredOfOthers().stream())
        .forEach(
            foreign ->
                log.warn(
                    "{}: principal {} also holds role definition {} at {} through assignment {},"
                        + " which the spec does not declare and the operator did not make; left"
                        + " untouched",
                    owner,
                    foreign.principalId(),
                    foreign.roleDefinitionGuid(),
                    foreign.scope(),
                    foreign.name()));
  }

  /** Events: adoption always; the other writes when they undid someone else's change. */
  private static List<String> corrections(Writes writes, boolean drift) {
    List<String> corrections = new ArrayList<>();
    writes.notices.forEach(n -> corrections.add("Azure: " + n));
    if (drift) {
      writes.changes.forEach(c -> corrections.add("Azure: " + c));
    }
    return corrections;
  }

  /**
   * status.azure: the identity's IDs when it is this resource's, the names of the credentials it
   * holds (the current subject's first), the last comparison and the running count of corrections.
   */
  private static AzureIdentityStatus block(
      AzurePlan plan, LiveIdentity identity, String lastSyncTime, long driftCorrections) {
    AzureIdentityStatus status = new AzureIdentityStatus();
    if (identity != null) {
      recordIds(status, identity);
    }
    nameCredentials(status, plan.placed(), plan.intent().target().ownCredentialNames());
    status.setLastSyncTime(lastSyncTime);
    status.setDriftCorrections(driftCorrections);
    return status;
  }

  private static void recordIds(AzureIdentityStatus status, LiveIdentity identity) {
    status.setIdentityId(identity.id());
    status.setClientId(identity.clientId());
    status.setPrincipalId(identity.principalId());
    status.setTenantId(identity.tenantId());
  }

  private static void nameCredentials(
      AzureIdentityStatus status, List<Credential> placed, List<String> ownNames) {
    status.setCredentialName(placed.isEmpty() ? ownNames.get(0) : placed.get(0).name());
    status.setMigrationCredentialName(placed.size() > 1 ? placed.get(1).name() : null);
  }

  /** The federated credentials of the identity, for the guardrails. */
  static LiveTrust.Azure liveTrust(LiveIdentity identity, List<Credential> credentials) {
    return new LiveTrust.Azure(
        identity.id(),
        credentials.stream()
            .map(
                c ->
                    new LiveTrust.FederatedCredential(
                        c.name(), c.issuer(), c.subject(), c.audiences()))
            .toList());
  }

  // ---------------------------------------------------------------------------------- failures

  /**
   * A failed pass keeps what the last pass recorded, and always records something: the IDs of an
   * identity this pass made, adopted or read as this resource's, and the corrections already made,
   * so that a revocation or a cleanup finds what exists. When to retry is the shared policy's.
   */
  @Override
  protected CloudOutcome failed(Attempt<AzureIdentityStatus> attempt, CloudFailure failure) {
    CloudOutcome outcome = super.failed(attempt, failure);
    AzureIdentityStatus block =
        attempt.previousBlock().map(AzureCloudReconciler::copy).orElseGet(() -> named(attempt));
    List<String> corrections = List.of();
    if (failure instanceof Unfinished unfinished) {
      Writes writes = unfinished.writes;
      recordIds(block, writes.identity);
      block.setDriftCorrections(attempt.correctionsAfter(writes.changes));
      corrections = corrections(writes, attempt.differenceIsDrift());
    }
    return outcome.toBuilder().block(block).corrections(corrections).build();
  }

  /** A failure after the pass knew the identity as this resource's, with what it had written. */
  private static final class Unfinished extends CloudFailure {
    private final transient Writes writes;

    Unfinished(CloudFailure cause, Writes writes) {
      super(cause.reason(), cause.getMessage(), cause.retryHint(), cause);
      this.writes = writes;
    }
  }

  private static AzureIdentityStatus copy(AzureIdentityStatus previous) {
    AzureIdentityStatus copy = new AzureIdentityStatus();
    copy.setIdentityId(previous.getIdentityId());
    copy.setClientId(previous.getClientId());
    copy.setPrincipalId(previous.getPrincipalId());
    copy.setTenantId(previous.getTenantId());
    copy.setCredentialName(previous.getCredentialName());
    copy.setMigrationCredentialName(previous.getMigrationCredentialName());
    copy.setLastSyncTime(previous.getLastSyncTime());
    copy.setDriftCorrections(
        previous.getDriftCorrections() == null ? 0L : previous.getDriftCorrections());
    return copy;
  }

  /** The first block of a resource whose first pass failed: the credential name, no IDs yet. */
  private static AzureIdentityStatus named(Attempt<AzureIdentityStatus> attempt) {
    CloudRequest request = attempt.request();
    AzureIdentityStatus block = new AzureIdentityStatus();
    block.setCredentialName(CloudNames.azureCredentialName(request.namespace(), request.name()));
    block.setDriftCorrections(0L);
    return block;
  }

  // ---------------------------------------------------------------------------------- withdraw

  /**
   * Withdraws the trust in place: the federated credentials of the identity this resource's status
   * records are removed, the identity (client and principal ID) and its role assignments kept, so a
   * later normal pass restores the same identity. Acts only where the status and the ownership tags
   * agree; a target the spec newly names is not touched. Under Observe (unless an administrator
   * revoked) only reported.
   */
  @Override
  protected CloudOutcome withdraw(Attempt<AzureIdentityStatus> attempt) {
    forgetPass(attempt);
    CloudRequest request = attempt.request();
    CloudRequest.Revocation revocation = request.revocation().orElseThrow();
    Owner owner = OwnershipTags.ownerOf(request, clusterName);
    AzureIdentityStatus recorded = attempt.previousBlock().orElseGet(AzureIdentityStatus::new);
    Optional<Target> target =
        Optional.ofNullable(request.identity().getSpec().getAzure()).map(s -> Target.of(request));
    // the identity the status records, or (status of an older version) the spec's
    Optional<IdentityRef> at =
        IdentityRef.parse(recorded.getIdentityId()).or(() -> target.map(Target::identity));
    if (recorded.getPrincipalId() == null || at.isEmpty()) {
      return revoked(
          revocation,
          "no Azure identity is recorded for this resource: nothing to withdraw",
          recorded,
          null);
    }
    IdentityRef ref = at.get();
    ArmClient arm = armFor(request);
    Optional<LiveIdentity> found =
        arm.getIdentity(ref.subscriptionId(), ref.resourceGroup(), ref.name());
    if (found.isEmpty()) {
      return revoked(
          revocation, ref.describe() + " no longer exists: nothing to withdraw", recorded, null);
    }
    LiveIdentity identity = found.get();
    Verdict verdict = OwnershipTags.judge(owner, identity, recorded.getPrincipalId());
    if (!verdict.isOurs() || !recorded.getPrincipalId().equalsIgnoreCase(identity.principalId())) {
      // someone else's identity now stands where ours was: nothing of ours trusts anyone
      return revoked(
          revocation,
          ref.describe() + " is no longer this resource's identity: nothing withdrawn there",
          recorded,
          null);
    }
    boolean observe = request.observeOnly();
    List<String> withdrawn = new ArrayList<>();
    List<Credential> listed =
        locks.withLock(
            ref.id(),
            () -> {
              List<Credential> credentials =
                  arm.listCredentials(ref.subscriptionId(), ref.resourceGroup(), ref.name());
              if (!observe) {
                for (Credential credential : credentials) {
                  arm.deleteCredential(
                      ref.subscriptionId(), ref.resourceGroup(), ref.name(), credential.name());
                  withdrawn.add(credential.name());
                }
              }
              return credentials;
            });
    AzureIdentityStatus block = new AzureIdentityStatus();
    recordIds(block, identity);
    List<String> ownNames = Target.ownCredentialNames(request);
    nameCredentials(block, target.map(Target::credentials).orElse(List.of()), ownNames);
    block.setLastSyncTime(now());
    block.setDriftCorrections(attempt.previous().driftCorrections());
    if (observe && !listed.isEmpty()) {
      return CloudOutcome.failed(
              CloudReason.DriftDetected,
              "Observe: the trust should be withdrawn ("
                  + revocation.message()
                  + "), but nothing is written: "
                  + ref.describe()
                  + " still holds "
                  + listed.size()
                  + " federated credential(s)")
          .done(true)
          .block(block)
          .liveTrust(liveTrust(identity, listed))
          .build();
    }
    if (!withdrawn.isEmpty()) {
      log.info(
          "{}: Azure: trust withdrawn ({}): removed federated credential(s) {} from {}",
          request.owner(),
          revocation.reason(),
          withdrawn,
          ref.describe());
    }
    return revoked(
        revocation,
        (withdrawn.isEmpty()
                ? ref.describe() + " holds no federated credential"
                : "removed federated credential(s) "
                    + String.join(", ", withdrawn)
                    + " from "
                    + ref.describe())
            + "; the identity (client ID "
            + identity.clientId()
            + ") and its role assignments are kept, so it returns unchanged when the trust"
            + " is restored",
        block,
        liveTrust(identity, observe ? listed : List.of()));
  }

  private static CloudOutcome revoked(
      CloudRequest.Revocation revocation,
      String what,
      AzureIdentityStatus block,
      LiveTrust liveTrust) {
    return CloudOutcome.failed(
            CloudReason.Revoked,
            "Trust withdrawn (" + revocation.reason() + ": " + revocation.message() + "): " + what)
        .done(true)
        .block(block)
        .liveTrust(liveTrust)
        .build();
  }

  // ----------------------------------------------------------------------------------- release

  /**
   * Deletes what the operator made for the resource: its role assignments first (once the identity
   * is gone they would linger as "Identity not found"), both owned credentials (a migration's
   * second goes with the first), then the identity. With deletionPolicy Orphan only the ownership
   * tags go; under Observe nothing does. Acts on the identity the status records (the spec may name
   * another by now, or none), and only when it is this resource's.
   */
  @Override
  protected CloudOutcome release(Attempt<AzureIdentityStatus> attempt) {
    forgetPass(attempt);
    groups.forget(attempt.request().owner());
    CloudRequest request = attempt.request();
    Optional<AzureIdentityStatus> previous = attempt.previousBlock();
    Optional<String> recordedId = previous.map(AzureIdentityStatus::getIdentityId);
    if (request.identity().getSpec().getAzure() == null && recordedId.isEmpty()) {
      return done("No Azure block and no recorded identity: nothing to clean up");
    }
    Owner owner = OwnershipTags.ownerOf(request, clusterName);
    Target target = Target.forCleanup(request, recordedId);
    if (request.observeOnly()) {
      return done("managementPolicy Observe: the Azure objects are left as they are");
    }
    IdentityRef at = target.identity();
    ArmClient arm = armFor(request);
    Optional<LiveIdentity> found =
        arm.getIdentity(at.subscriptionId(), at.resourceGroup(), at.name());
    if (found.isEmpty()) {
      return done(at.describe() + " does not exist: nothing to remove");
    }
    LiveIdentity identity = found.get();
    Verdict verdict =
        OwnershipTags.judge(
            owner, identity, previous.map(AzureIdentityStatus::getPrincipalId).orElse(null));
    if (!verdict.isOurs()) {
      return done(
          at.describe()
              + " is not this resource's ("
              + OwnershipTags.describe(verdict, request.owner(), clusterName)
              + "): left untouched");
    }
    if (request.deletionPolicy() == DeletionPolicy.Orphan) {
      arm.setTags(
          at.subscriptionId(),
          at.resourceGroup(),
          at.name(),
          OwnershipTags.withoutOwnership(identity.tags()));
      log.info("{}: orphaned {} (ownership tags removed)", request.owner(), at.describe());
      return done(
          "deletionPolicy Orphan: " + at.describe() + " left in place without ownership tags");
    }
    int removedAssignments = removeAssignments(arm, request, target, identity);
    List<String> removed =
        locks.withLock(at.id(), () -> removeOwnCredentials(arm, at, target.ownCredentialNames()));
    arm.deleteIdentity(at.subscriptionId(), at.resourceGroup(), at.name());
    locks.forget(at.id());
    log.info(
        "{}: deleted {} role assignment(s), federated credential(s) {} and {}",
        request.owner(),
        removedAssignments,
        removed,
        at.describe());
    return done(
        "deleted "
            + removedAssignments
            + " role assignment(s), "
            + removed.size()
            + " federated credential(s) and "
            + at.describe());
  }

  /** The operator's assignments of the principal; anyone else's stay. */
  private static int removeAssignments(
      ArmClient arm, CloudRequest request, Target target, LiveIdentity identity) {
    List<String> declaredScopes =
        target.roleAssignments().stream().map(AzureRoleAssignment::getScope).toList();
    int removed = 0;
    for (AssignmentPlan.Live assignment :
        liveAssignments(
            arm, target.identity().subscriptionId(), declaredScopes, identity.principalId())) {
      if (assignment.principalId().equalsIgnoreCase(identity.principalId())
          && assignment.madeByOperator()) {
        arm.deleteAssignment(assignment.scope(), assignment.name());
        removed++;
      } else {
        log.warn(
            "{}: leaving role assignment {} at {} of principal {}: the operator did not make it",
            request.owner(),
            assignment.name(),
            assignment.scope(),
            identity.principalId());
      }
    }
    return removed;
  }

  private static List<String> removeOwnCredentials(
      ArmClient arm, IdentityRef at, List<String> ownNames) {
    List<String> removed = new ArrayList<>();
    for (Credential credential :
        arm.listCredentials(at.subscriptionId(), at.resourceGroup(), at.name())) {
      if (ownNames.stream().anyMatch(own -> own.equalsIgnoreCase(credential.name()))) {
        arm.deleteCredential(at.subscriptionId(), at.resourceGroup(), at.name(), credential.name());
        removed.add(credential.name());
      }
    }
    return removed;
  }

  private static CloudOutcome done(String message) {
    return CloudOutcome.synced(message).build();
  }

  // ----------------------------------------------------------------------------------- helpers

  /** The client whose every call names the resource it is made for (User-Agent, request ID). */
  /**
   * A withdrawal or a release writes outside the pass's records: the group is read again by the
   * next pass that needs it; a released identity stops watching.
   */
  private void forgetPass(Attempt<AzureIdentityStatus> attempt) {
    Optional.ofNullable(attempt.request().identity().getSpec().getAzure())
        .ifPresent(
            azure ->
                groups.invalidate(groupKey(azure.getSubscriptionId(), azure.getResourceGroup())));
    attempt
        .previousBlock()
        .map(AzureIdentityStatus::getIdentityId)
        .flatMap(IdentityRef::parse)
        .ifPresent(at -> groups.invalidate(groupKey(at)));
  }

  private ArmClient armFor(CloudRequest request) {
    return arm.attributedTo(Attribution.of(request));
  }

  private Intent intent(Attempt<AzureIdentityStatus> attempt) {
    CloudRequest request = attempt.request();
    return new Intent(
        Target.of(request),
        OwnershipTags.ownerOf(request, clusterName),
        request.owner(),
        clusterName,
        attempt.previousBlock().map(AzureIdentityStatus::getPrincipalId).orElse(null),
        request.identity().getSpec().isAdoptExisting(),
        request.grants().adoptable(),
        request.observeOnly(),
        migrationEnded(attempt));
  }

  /**
   * Whether this is the first pass after a subject migration's window: the last pass placed the
   * migration's two credentials, and the trust now declares the immutable subject only.
   */
  private static boolean migrationEnded(Attempt<AzureIdentityStatus> attempt) {
    CloudRequest request = attempt.request();
    return request.trust() != null
        && request.trust().migrationPhase() == SubjectMigrationPhase.ImmutableOnly
        && attempt.previousBlock().map(AzureIdentityStatus::getMigrationCredentialName).isPresent();
  }

  /** Every assignment of the principal in the subscriptions of the identity and of the scopes. */
  private static List<AssignmentPlan.Live> liveAssignments(
      ArmClient arm, String identitySubscription, List<String> scopes, String principalId) {
    Set<String> subscriptions = new LinkedHashSet<>();
    subscriptions.add(identitySubscription.toLowerCase(Locale.ROOT));
    scopes.forEach(
        scope -> subscriptions.add(AssignmentPlan.subscriptionOf(scope).toLowerCase(Locale.ROOT)));
    Map<String, AssignmentPlan.Live> byId = new LinkedHashMap<>();
    for (String subscription : subscriptions) {
      for (AssignmentPlan.Live a :
          arm.listAssignments("/subscriptions/" + subscription, principalId)) {
        byId.putIfAbsent(a.id().toLowerCase(Locale.ROOT), a);
      }
    }
    return List.copyOf(byId.values());
  }
}
