package dev.cifederation.operator.cloud.azure;

import dev.cifederation.operator.api.v1alpha1.AzureIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.AzureIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.AzureRoleAssignment;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.ConditionStatus;
import dev.cifederation.operator.api.v1alpha1.ConditionType;
import dev.cifederation.operator.api.v1alpha1.DeletionPolicy;
import dev.cifederation.operator.api.v1alpha1.Finding;
import dev.cifederation.operator.api.v1alpha1.Severity;
import dev.cifederation.operator.api.v1alpha1.SubjectMigrationPhase;
import dev.cifederation.operator.cloud.Attribution;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudReconciler;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.ScopeBreakers;
import dev.cifederation.operator.cloud.azure.ArmClient.LiveIdentity;
import dev.cifederation.operator.cloud.azure.ArmClient.RoleDefinitionRef;
import dev.cifederation.operator.cloud.azure.CredentialPlan.Credential;
import dev.cifederation.operator.config.OperatorConfig;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.trust.AzureTrust;
import dev.cifederation.operator.trust.CloudNames;
import dev.cifederation.operator.trust.LiveTrust;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Azure adapter: per identity, a user-assigned managed identity tagged as owned, its federated
 * identity credential (exact issuer, subject and audience; a second one during a subject
 * migration's window), and the declared role assignments; compared on every pass and corrected
 * (Enforce) or reported (Observe).
 *
 * <p>What the operator owns and how it tells: the identity by its ownership tags (see {@link
 * Ownership}); everything inside an owned identity, so credentials other than the operator's two
 * names are removed (see {@link CredentialPlan}); role assignments by their deterministic names
 * (see {@link AssignmentPlan}). Role assignments of the principal made by anyone else live on
 * scopes the operator does not own and may serve purposes it cannot see: they are never touched,
 * and reported as findings.
 */
public final class AzureCloudReconciler implements CloudReconciler {

  private static final Logger log = LoggerFactory.getLogger(AzureCloudReconciler.class);
  private static final Duration ROLE_CACHE_TTL = Duration.ofHours(1);
  private static final int MAX_CREDENTIALS = 20;

  private final ArmClient arm;
  private final String clusterName;
  private final Clock clock;
  private final IdentityLocks locks = new IdentityLocks();
  private final Map<String, CachedRole> builtInRoles = new ConcurrentHashMap<>();

  private record CachedRole(RoleDefinitionRef role, Instant until) {}

  /** A declared role assignment with its role definition resolved at its scope. */
  private record ResolvedAssignment(AzureRoleAssignment declared, RoleDefinitionRef role) {}

  AzureCloudReconciler(ArmClient arm, String clusterName, Clock clock) {
    this.arm = arm;
    this.clusterName = clusterName;
    this.clock = clock;
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
        registry,
        clock,
        ArmRetry.Policy.defaults(),
        duration -> Thread.sleep(duration.toMillis()));
  }

  static AzureCloudReconciler create(
      AzureSettings settings,
      String clusterName,
      Duration resyncInterval,
      MeterRegistry registry,
      Clock clock,
      ArmRetry.Policy retryPolicy,
      ArmRetry.Sleeper sleeper) {
    ArmRetry retry =
        new ArmRetry(
            // breaker hook: every ARM call passes its subscription's breaker
            new CloudCalls(registry, Cloud.Azure.name())
                .withGate(ArmError.breakers(resyncInterval, registry, clock)),
            retryPolicy,
            sleeper);
    ArmClient arm =
        new ArmClient(
            ArmPipeline.build(settings),
            ArmPipeline.environment(settings),
            settings.tenantId().orElse(null),
            retry);
    return new AzureCloudReconciler(arm, clusterName, clock);
  }

  @Override
  public Cloud cloud() {
    return Cloud.Azure;
  }

  @Override
  public CloudOutcome reconcile(CloudRequest request) {
    ScopeBreakers.enter(Cloud.Azure, ArmError.scopeOf(request.identity())); // breaker hook
    if (request.identity().getSpec().getAzure() != null && request.uid().isBlank()) {
      return CloudOutcome.failed(
          CloudReason.InvalidSpec,
          "The resource has no metadata.uid, which the operator marks its Azure objects with",
          Optional.empty());
    }
    if (request.revoked() && request.identity().getSpec().getAzure() != null) {
      // withdrawing needs no compiled trust: only what the status records
      Pass pass = new Pass(request, Target.of(request));
      try {
        return pass.revoke();
      } catch (AzureFailure failure) {
        return pass.failed(failure);
      }
    }
    AzureTrust trust = request.trust() == null ? null : request.trust().azure();
    if (trust == null || request.identity().getSpec().getAzure() == null) {
      return CloudOutcome.failed(
          CloudReason.TrustNotCompiled,
          "No Azure trust was compiled for this spec",
          Optional.empty());
    }
    Pass pass = new Pass(request, Target.of(request));
    try {
      return pass.reconcile();
    } catch (AzureFailure failure) {
      return pass.failed(failure);
    }
  }

  @Override
  public CloudOutcome cleanup(CloudRequest request) {
    ScopeBreakers.enter(Cloud.Azure, ArmError.scopeOf(request.identity())); // breaker hook
    Optional<String> recorded = recordedIdentityId(request.identity());
    if (request.identity().getSpec().getAzure() == null && recorded.isEmpty()) {
      return done("No Azure block and no recorded identity: nothing to clean up");
    }
    if (request.uid().isBlank()) {
      return CloudOutcome.failed(
          CloudReason.InvalidSpec,
          "The resource has no metadata.uid, so its Azure objects cannot be told from others",
          Optional.empty());
    }
    // the identity the status records: the spec may name another target by now, or none
    Pass pass = new Pass(request, Target.forCleanup(request, recorded));
    try {
      return pass.cleanup();
    } catch (AzureFailure failure) {
      return pass.failed(failure);
    }
  }

  private static Optional<String> recordedIdentityId(CIFederatedIdentity identity) {
    return Optional.ofNullable(identity.getStatus())
        .map(CIFederatedIdentityStatus::getAzure)
        .map(AzureIdentityStatus::getIdentityId);
  }

  // ------------------------------------------------------------------------------- target

  /** What one resource asks for in Azure; names from the compiled trust or, without it, derived. */
  private record Target(
      String subscriptionId,
      String resourceGroup,
      String location,
      String identityName,
      List<Credential> credentials,
      List<String> ownCredentialNames,
      List<AzureRoleAssignment> roleAssignments) {

    static Target of(CloudRequest request) {
      AzureIdentitySpec spec = request.identity().getSpec().getAzure();
      AzureTrust trust = request.trust() == null ? null : request.trust().azure();
      String identityName =
          trust != null
              ? trust.identityName()
              : spec.getIdentityName() == null || spec.getIdentityName().isBlank()
                  ? CloudNames.azureIdentityName(request.namespace(), request.name())
                  : spec.getIdentityName();
      List<Credential> credentials =
          trust == null
              ? List.of()
              : trust.credentials().stream()
                  .map(c -> new Credential(c.name(), c.issuer(), c.subject(), c.audiences()))
                  .toList();
      return new Target(
          spec.getSubscriptionId(),
          spec.getResourceGroup(),
          spec.getLocation(),
          identityName,
          credentials,
          ownCredentialNames(request),
          spec.getRoleAssignments() == null ? List.of() : List.copyOf(spec.getRoleAssignments()));
    }

    /**
     * For cleanup: the recorded identity when the status names one (a block removed from the spec
     * or a target changed since leaves it there), else the spec's.
     */
    static Target forCleanup(CloudRequest request, Optional<String> recordedId) {
      Optional<Location> recorded = recordedId.flatMap(Location::parse);
      if (recorded.isEmpty()) {
        return of(request);
      }
      AzureIdentitySpec spec = request.identity().getSpec().getAzure();
      Location at = recorded.get();
      return new Target(
          at.subscriptionId(),
          at.resourceGroup(),
          spec == null ? null : spec.getLocation(),
          at.name(),
          List.of(),
          ownCredentialNames(request),
          spec == null || spec.getRoleAssignments() == null
              ? List.of()
              : List.copyOf(spec.getRoleAssignments()));
    }

    /** The two names the operator owns on the identity: the first and a migration's second. */
    static List<String> ownCredentialNames(CloudRequest request) {
      return List.of(
          CloudNames.azureCredentialName(request.namespace(), request.name()),
          CloudNames.azureMigrationCredentialName(request.namespace(), request.name()));
    }

    String describeIdentity() {
      return "managed identity " + identityName + " in " + subscriptionId + "/" + resourceGroup;
    }
  }

  /** Where a managed identity lives. */
  private record Location(String subscriptionId, String resourceGroup, String name) {
    private static final Pattern IDENTITY_ID =
        Pattern.compile(
            "/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/"
                + "Microsoft\\.ManagedIdentity/userAssignedIdentities/([^/]+)",
            Pattern.CASE_INSENSITIVE);

    /** The identity the status records, or (status of an older version) the spec's. */
    static Location recorded(String identityId, Target target) {
      return parse(identityId)
          .orElseGet(
              () ->
                  new Location(
                      target.subscriptionId(), target.resourceGroup(), target.identityName()));
    }

    static Optional<Location> parse(String identityId) {
      if (identityId == null) {
        return Optional.empty();
      }
      Matcher m = IDENTITY_ID.matcher(identityId);
      return m.matches()
          ? Optional.of(new Location(m.group(1), m.group(2), m.group(3)))
          : Optional.empty();
    }

    String describe() {
      return "managed identity " + name + " in " + subscriptionId + "/" + resourceGroup;
    }
  }

  // --------------------------------------------------------------------------------- pass

  /** One reconcile or cleanup of one resource: what it learned, changed and found. */
  private final class Pass {
    /** The adapter's client, every call of which names this pass's identity. */
    private final ArmClient arm;

    private final CloudRequest request;
    private final Target target;
    private final CIFederatedIdentity identity;
    private final Ownership ownership;
    private final boolean observe;
    private final boolean countsAsDrift;
    private final AzureIdentityStatus previous;
    private final List<String> corrections = new ArrayList<>();
    private final List<String> drift = new ArrayList<>();
    private final List<Finding> findings = new ArrayList<>();
    private LiveIdentity live;
    private boolean conflicting;
    private List<Credential> liveCredentials;
    // where each desired credential is (or goes): the current subject's first
    private List<Credential> placed;

    Pass(CloudRequest request, Target target) {
      this.arm = AzureCloudReconciler.this.arm.attributedTo(Attribution.of(request));
      this.request = request;
      this.target = target;
      this.identity = request.identity();
      this.ownership = new Ownership(request.owner(), clusterName, request.uid());
      this.observe = request.observeOnly();
      this.previous =
          identity.getStatus() == null || identity.getStatus().getAzure() == null
              ? new AzureIdentityStatus()
              : identity.getStatus().getAzure();
      this.countsAsDrift = syncedAtThisGeneration(identity);
    }

    // ---------------------------------------------------------------------------- reconcile

    CloudOutcome reconcile() {
      // every role is resolved and checked against policy before anything is written
      List<ResolvedAssignment> roles = resolveRoles();
      Optional<LiveIdentity> found =
          arm.getIdentity(target.subscriptionId(), target.resourceGroup(), target.identityName());
      if (found.isEmpty()) {
        if (observe) {
          drift.add(target.describeIdentity() + " does not exist");
          return observed();
        }
        live =
            arm.createIdentity(
                target.subscriptionId(),
                target.resourceGroup(),
                target.identityName(),
                target.location(),
                ownership.tags());
        changed("created " + target.describeIdentity() + " (principal " + live.principalId() + ")");
      } else {
        live = found.get();
        Ownership.Verdict verdict =
            ownership.judge(live.tags(), live.principalId(), previous.getPrincipalId());
        if (!verdict.ours()) {
          Optional<String> grant =
              identity.getSpec().isAdoptExisting() && verdict.adoptable()
                  ? Ownership.grantedAdoption(request.grants().adoptable(), live.id())
                  : Optional.empty();
          if (grant.isEmpty() || observe) {
            return conflict(verdict);
          }
          live =
              arm.setTags(
                  target.subscriptionId(),
                  target.resourceGroup(),
                  target.identityName(),
                  ownership.withOwnership(live.tags()));
          String adopted =
              "adopted "
                  + live.id()
                  + " (spec.adoptExisting, granted by the adoptable pattern '"
                  + grant.get()
                  + "' of a CIFederationPolicy): ownership tags written";
          log.info("{}: Azure: {}", request.owner(), adopted);
          corrections.add("Azure: " + adopted);
        } else if (verdict == Ownership.Verdict.LEGACY && !observe) {
          // made by the version before UID marks and recorded by this resource: mark it once
          live =
              arm.setTags(
                  target.subscriptionId(),
                  target.resourceGroup(),
                  target.identityName(),
                  ownership.withOwnership(live.tags()));
          log.info("{}: Azure: marked {} with this resource's UID", request.owner(), live.id());
        }
        if (verdict == Ownership.Verdict.OWNED_TAGS_DRIFTED) {
          String what = "ownership tags of " + target.describeIdentity();
          if (observe) {
            drift.add(what + " are missing or changed");
          } else {
            live =
                arm.setTags(
                    target.subscriptionId(),
                    target.resourceGroup(),
                    target.identityName(),
                    ownership.withOwnership(live.tags()));
            changed("restored the " + what);
          }
        }
        if (!normaliseLocation(live.location()).equals(normaliseLocation(target.location()))) {
          findings.add(
              new Finding(
                  "IdentityLocationMismatch",
                  Severity.Low,
                  Cloud.Azure.name(),
                  target.describeIdentity()
                      + " is in "
                      + live.location()
                      + ", not "
                      + target.location()
                      + "; Azure cannot move an identity: restore spec.azure.location or recreate"
                      + " the identity"));
        }
      }
      locks.withLock(live.id(), this::reconcileCredentials);
      reconcileRoleAssignments(roles);
      return observe ? observed() : synced();
    }

    private Void reconcileCredentials() {
      List<Credential> listed =
          arm.listCredentials(
              target.subscriptionId(), target.resourceGroup(), target.identityName());
      CredentialPlan plan =
          CredentialPlan.of(target.credentials(), target.ownCredentialNames(), listed);
      placed = plan.after();
      // after this pass the identity trusts what was listed (Observe) or exactly the desired ones
      liveCredentials = observe ? List.copyOf(listed) : plan.after();
      for (Credential foreign : plan.foreign()) {
        String what =
            "federated credential " + foreign.describe() + " that the operator did not create";
        if (observe) {
          drift.add(target.identityName() + " holds " + what);
          findings.add(
              new Finding(
                  "ForeignFederatedCredential",
                  Severity.High,
                  Cloud.Azure.name(),
                  target.describeIdentity()
                      + " also trusts "
                      + foreign.describe()
                      + ": that subject can obtain the identity's roles"));
        } else {
          arm.deleteCredential(
              target.subscriptionId(),
              target.resourceGroup(),
              target.identityName(),
              foreign.name());
          changed("removed " + what + " from " + target.identityName());
        }
      }
      for (CredentialPlan.Put put : plan.puts()) {
        Credential desired = put.credential();
        String what =
            put.replaced().isEmpty()
                ? "created federated credential " + desired.describe()
                : "federated credential "
                    + desired.name()
                    + ": "
                    + String.join(", ", put.differences());
        if (observe) {
          drift.add(
              put.replaced().isEmpty()
                  ? "no federated credential admits subject " + desired.subject()
                  : what);
          continue;
        }
        putCredential(desired);
        changed(what);
      }
      for (Credential stale : plan.stale()) {
        String what =
            "federated credential "
                + stale.describe()
                + (migrationEnded() ? " of the subject migration, whose window has ended" : "");
        if (observe) {
          drift.add(what + " is no longer declared");
          // under one of the operator's names, but a trust the spec does not declare
          findings.add(
              new Finding(
                  "ForeignFederatedCredential",
                  Severity.High,
                  Cloud.Azure.name(),
                  target.describeIdentity()
                      + " also trusts "
                      + stale.describe()
                      + ", which the spec no longer declares: that subject can obtain the"
                      + " identity's roles"));
          continue;
        }
        // last: every desired subject is admitted before anything owned is removed
        arm.deleteCredential(
            target.subscriptionId(), target.resourceGroup(), target.identityName(), stale.name());
        if (migrationEnded()) {
          // the declared end of the window, not an out-of-band change
          log.info("{}: Azure: removed {}", request.owner(), what);
        } else {
          changed("removed " + what + ", no longer declared");
        }
      }
      return null;
    }

    /** Whether this pass is the first after the migration's window: the old subject goes now. */
    private boolean migrationEnded() {
      return request.trust() != null
          && request.trust().migrationPhase() == SubjectMigrationPhase.ImmutableOnly
          && identity.getStatus() != null
          && identity.getStatus().getSubjectMigrationPhase() == SubjectMigrationPhase.BothSubjects;
    }

    /**
     * Writes the credential; a 400 on creation is the 20-credential limit when the identity then
     * holds 20 others (Azure's message is not parsed), reported as a terminal LimitExceeded.
     */
    private void putCredential(Credential desired) {
      try {
        arm.putCredential(
            target.subscriptionId(), target.resourceGroup(), target.identityName(), desired);
      } catch (AzureFailure failure) {
        if (!failure.hasStatus(400)) {
          throw failure;
        }
        List<Credential> now =
            arm.listCredentials(
                target.subscriptionId(), target.resourceGroup(), target.identityName());
        boolean ours = now.stream().anyMatch(c -> c.name().equalsIgnoreCase(desired.name()));
        if (!ours && now.size() >= MAX_CREDENTIALS) {
          throw new AzureFailure(
              CloudReason.LimitExceeded,
              target.describeIdentity()
                  + " holds "
                  + now.size()
                  + " federated credentials, Azure's limit; remove one (or use another identity)"
                  + " before this credential can be added",
              Optional.empty());
        }
        throw failure;
      }
    }

    private void reconcileRoleAssignments(List<ResolvedAssignment> roles) {
      List<AssignmentPlan.Desired> desired = new ArrayList<>();
      for (ResolvedAssignment resolved : roles) {
        desired.add(
            new AssignmentPlan.Desired(
                resolved.declared().getScope(),
                resolved.role().guid().toLowerCase(Locale.ROOT),
                resolved.declared().getRole()));
      }
      AssignmentPlan plan =
          AssignmentPlan.of(
              desired,
              liveAssignments(desired.stream().map(AssignmentPlan.Desired::scope).toList()),
              live.principalId());
      for (AssignmentPlan.Live stale : plan.toDelete()) {
        String what = "role assignment " + stale.roleDefinitionGuid() + " at " + stale.scope();
        if (observe) {
          drift.add(what + " is no longer declared");
        } else {
          arm.deleteAssignment(stale.scope(), stale.name());
          changed("removed " + what + ", no longer declared");
        }
      }
      for (AssignmentPlan.Create create : plan.toCreate()) {
        AssignmentPlan.Desired d = create.desired();
        String what = "role assignment " + d.role() + " at " + d.scope();
        if (observe) {
          drift.add(what + " does not exist");
          continue;
        }
        boolean created =
            arm.createAssignment(
                d.scope(),
                create.name(),
                AssignmentPlan.definitionId(d.scope(), d.roleDefinitionGuid()),
                live.principalId(),
                "Managed by cifederation.dev for "
                    + ownership.owner()
                    + " (cluster "
                    + clusterName
                    + ")");
        if (created) {
          changed("created " + what);
        } else if (arm.getAssignment(d.scope(), create.name()).isEmpty()) {
          // 409 RoleAssignmentExists under another name: someone else's assignment grants it
          findings.add(grantedByOther(d, "an assignment the operator did not make"));
        }
        // else: the operator's own assignment, not yet listed (replication): converged
      }
      for (AssignmentPlan.GrantedByOther other : plan.grantedByOthers()) {
        findings.add(grantedByOther(other.desired(), "assignment " + other.assignment().name()));
      }
      for (AssignmentPlan.Live foreign : plan.undeclaredOfOthers()) {
        log.warn(
            "{}: principal {} also holds role definition {} at {} through assignment {}, which the"
                + " spec does not declare and the operator did not make; left untouched",
            request.owner(),
            live.principalId(),
            foreign.roleDefinitionGuid(),
            foreign.scope(),
            foreign.name());
        findings.add(
            new Finding(
                "UndeclaredRoleAssignment",
                Severity.High,
                Cloud.Azure.name(),
                "The identity also holds role definition "
                    + foreign.roleDefinitionGuid()
                    + " at "
                    + foreign.scope()
                    + " through assignment "
                    + foreign.name()
                    + ", which spec.azure.roleAssignments does not declare and the operator did not"
                    + " make (so it does not remove it): declare it or remove it in Azure"));
      }
    }

    private Finding grantedByOther(AssignmentPlan.Desired d, String by) {
      return new Finding(
          "RoleGrantedOutsideOperator",
          Severity.Low,
          Cloud.Azure.name(),
          d.role()
              + " at "
              + d.scope()
              + " is granted by "
              + by
              + "; it stays when this resource is deleted");
    }

    /** Every assignment of the principal in the subscriptions of the identity and of the scopes. */
    private List<AssignmentPlan.Live> liveAssignments(List<String> scopes) {
      Set<String> subscriptions = new LinkedHashSet<>();
      subscriptions.add(target.subscriptionId().toLowerCase(Locale.ROOT));
      scopes.forEach(
          scope ->
              subscriptions.add(AssignmentPlan.subscriptionOf(scope).toLowerCase(Locale.ROOT)));
      Map<String, AssignmentPlan.Live> byId = new LinkedHashMap<>();
      for (String subscription : subscriptions) {
        for (AssignmentPlan.Live a :
            arm.listAssignments("/subscriptions/" + subscription, live.principalId())) {
          byId.putIfAbsent(a.id().toLowerCase(Locale.ROOT), a);
        }
      }
      return List.copyOf(byId.values());
    }

    /**
     * Every declared role resolved to its definition at its scope, however it is written (name,
     * GUID or definition ID), and held against the roles the selecting policies forbid: a role that
     * is forbidden, or that cannot be resolved while some are forbidden, refuses the whole spec
     * before anything is written.
     */
    private List<ResolvedAssignment> resolveRoles() {
      ForbiddenRoles forbidden = new ForbiddenRoles(request.grants().forbiddenRoles());
      List<ResolvedAssignment> resolved = new ArrayList<>();
      List<AzureRoleAssignment> declared = target.roleAssignments();
      for (int i = 0; i < declared.size(); i++) {
        AzureRoleAssignment assignment = declared.get(i);
        String field = "spec.azure.roleAssignments[" + i + "].role";
        Optional<RoleDefinitionRef> role = resolveRole(assignment, field);
        if (role.isEmpty()) {
          String what =
              field
                  + " '"
                  + assignment.getRole().strip()
                  + "' names no role definition visible at "
                  + assignment.getScope();
          if (!forbidden.isEmpty()) {
            throw new AzureFailure(
                CloudReason.ForbiddenByPolicy,
                what
                    + ", so it cannot be held against spec.azure.forbiddenRoles of the"
                    + " CIFederationPolicies selecting this namespace: refused, nothing written",
                Optional.empty());
          }
          throw new AzureFailure(
              CloudReason.NotFound,
              what + " (it takes a role name, a role definition GUID or a role definition ID)",
              Optional.empty());
        }
        Optional<String> rule = forbidden.forbidding(role.get().guid(), role.get().roleName());
        if (rule.isPresent()) {
          throw new AzureFailure(
              CloudReason.ForbiddenByPolicy,
              field
                  + " '"
                  + assignment.getRole().strip()
                  + "' is the role '"
                  + role.get().roleName()
                  + "' ("
                  + role.get().guid().toLowerCase(Locale.ROOT)
                  + ") at "
                  + assignment.getScope()
                  + ", which a CIFederationPolicy selecting this namespace forbids"
                  + " (spec.azure.forbiddenRoles: '"
                  + rule.get()
                  + "'): refused, nothing written",
              Optional.empty());
        }
        resolved.add(new ResolvedAssignment(assignment, role.get()));
      }
      return resolved;
    }

    /**
     * The role's definition at the assignment's scope: looked up by GUID or by name (built-in ones
     * cached, as they never change); empty when there is none.
     */
    private Optional<RoleDefinitionRef> resolveRole(AzureRoleAssignment declared, String field) {
      Optional<String> guid = AssignmentPlan.definitionGuid(declared.getRole());
      String roleName = declared.getRole().strip();
      String cacheKey =
          AssignmentPlan.subscriptionOf(declared.getScope()).toLowerCase(Locale.ROOT)
              + "|"
              + guid.map(g -> "guid:" + g).orElse("name:" + roleName.toLowerCase(Locale.ROOT));
      CachedRole cached = builtInRoles.get(cacheKey);
      if (cached != null && cached.until().isAfter(clock.instant())) {
        return Optional.of(cached.role());
      }
      Optional<RoleDefinitionRef> role;
      if (guid.isPresent()) {
        role = arm.getRoleDefinition(declared.getScope(), guid.get());
      } else {
        List<RoleDefinitionRef> found = arm.findRoleDefinitions(declared.getScope(), roleName);
        if (found.size() > 1) {
          throw new AzureFailure(
              CloudReason.InvalidSpec,
              found.size()
                  + " role definitions are named '"
                  + roleName
                  + "' at "
                  + declared.getScope()
                  + "; give the role definition ID in "
                  + field
                  + " instead",
              Optional.empty());
        }
        role = found.stream().findFirst();
      }
      role.filter(RoleDefinitionRef::builtIn)
          .ifPresent(
              r ->
                  builtInRoles.put(
                      cacheKey, new CachedRole(r, clock.instant().plus(ROLE_CACHE_TTL))));
      return role;
    }

    // --------------------------------------------------------------------------- revocation

    /**
     * Withdraws the trust in place: the federated credentials of the identity this resource's
     * status records are removed, the identity (client and principal ID) and its role assignments
     * kept, so a later normal pass restores the same identity. Acts only where the status and the
     * ownership tags agree; a target the spec newly names is not touched.
     */
    CloudOutcome revoke() {
      CloudRequest.Revocation revocation = request.revocation().orElseThrow();
      if (previous.getPrincipalId() == null) {
        return revoked(
            revocation, "no Azure identity is recorded for this resource: nothing to withdraw");
      }
      Location location = Location.recorded(previous.getIdentityId(), target);
      Optional<LiveIdentity> found =
          arm.getIdentity(location.subscriptionId(), location.resourceGroup(), location.name());
      if (found.isEmpty()) {
        return revoked(revocation, location.describe() + " no longer exists: nothing to withdraw");
      }
      LiveIdentity candidate = found.get();
      Ownership.Verdict verdict =
          ownership.judge(candidate.tags(), candidate.principalId(), previous.getPrincipalId());
      if (!verdict.ours() || !previous.getPrincipalId().equalsIgnoreCase(candidate.principalId())) {
        // someone else's identity now stands where ours was: nothing of ours trusts anyone
        return revoked(
            revocation,
            location.describe()
                + " is no longer this resource's identity: nothing withdrawn there");
      }
      live = candidate;
      List<String> withdrawn = new ArrayList<>();
      locks.withLock(
          live.id(),
          () -> {
            List<Credential> listed =
                arm.listCredentials(
                    location.subscriptionId(), location.resourceGroup(), location.name());
            if (observe) {
              liveCredentials = List.copyOf(listed);
              return null;
            }
            for (Credential credential : listed) {
              arm.deleteCredential(
                  location.subscriptionId(),
                  location.resourceGroup(),
                  location.name(),
                  credential.name());
              withdrawn.add(credential.name());
            }
            liveCredentials = List.of();
            return null;
          });
      if (observe && !liveCredentials.isEmpty()) {
        return withLiveTrust(
            new CloudOutcome(
                ConditionStatus.False,
                CloudReason.DriftDetected,
                "Observe: the trust should be withdrawn ("
                    + revocation.message()
                    + "), but nothing is written: "
                    + location.describe()
                    + " still holds "
                    + liveCredentials.size()
                    + " federated credential(s)",
                statusWriter(true),
                List.of(),
                findings,
                Optional.empty(),
                true));
      }
      if (!withdrawn.isEmpty()) {
        log.info(
            "{}: Azure: trust withdrawn ({}): removed federated credential(s) {} from {}",
            request.owner(),
            revocation.reason(),
            withdrawn,
            location.describe());
      }
      return revoked(
          revocation,
          (withdrawn.isEmpty()
                  ? location.describe() + " holds no federated credential"
                  : "removed federated credential(s) "
                      + String.join(", ", withdrawn)
                      + " from "
                      + location.describe())
              + "; the identity (client ID "
              + live.clientId()
              + ") and its role assignments are kept, so it returns unchanged when the trust"
              + " is restored");
    }

    private CloudOutcome revoked(CloudRequest.Revocation revocation, String what) {
      return withLiveTrust(
          new CloudOutcome(
              ConditionStatus.False,
              CloudReason.Revoked,
              "Trust withdrawn ("
                  + revocation.reason()
                  + ": "
                  + revocation.message()
                  + "): "
                  + what,
              live == null ? s -> s.setAzure(previous) : statusWriter(true),
              List.of(),
              findings,
              Optional.empty(),
              true));
    }

    // ------------------------------------------------------------------------------ cleanup

    CloudOutcome cleanup() {
      if (observe) {
        return done("managementPolicy Observe: the Azure objects are left as they are");
      }
      Optional<LiveIdentity> found =
          arm.getIdentity(target.subscriptionId(), target.resourceGroup(), target.identityName());
      if (found.isEmpty()) {
        return done(target.describeIdentity() + " does not exist: nothing to remove");
      }
      live = found.get();
      Ownership.Verdict verdict =
          ownership.judge(live.tags(), live.principalId(), previous.getPrincipalId());
      if (!verdict.ours()) {
        return done(
            target.describeIdentity()
                + " is not this resource's ("
                + describe(verdict)
                + "): left untouched");
      }
      if (request.deletionPolicy() == DeletionPolicy.Orphan) {
        arm.setTags(
            target.subscriptionId(),
            target.resourceGroup(),
            target.identityName(),
            Ownership.withoutOwnership(live.tags()));
        log.info(
            "{}: orphaned {} (ownership tags removed)", request.owner(), target.describeIdentity());
        return done(
            "deletionPolicy Orphan: "
                + target.describeIdentity()
                + " left in place without ownership tags");
      }
      // role assignments first: once the identity is gone they would linger as "Identity not found"
      List<String> declaredScopes =
          target.roleAssignments().stream().map(AzureRoleAssignment::getScope).toList();
      int removedAssignments = 0;
      for (AssignmentPlan.Live assignment : liveAssignments(declaredScopes)) {
        if (assignment.principalId().equalsIgnoreCase(live.principalId())
            && assignment.madeByOperator()) {
          arm.deleteAssignment(assignment.scope(), assignment.name());
          removedAssignments++;
        } else {
          log.warn(
              "{}: leaving role assignment {} at {} of principal {}: the operator did not make it",
              request.owner(),
              assignment.name(),
              assignment.scope(),
              live.principalId());
        }
      }
      List<String> removed = new ArrayList<>();
      locks.withLock(
          live.id(),
          () -> {
            // both owned names: a migration's second credential goes with the first
            for (Credential credential :
                arm.listCredentials(
                    target.subscriptionId(), target.resourceGroup(), target.identityName())) {
              if (target.ownCredentialNames().stream()
                  .anyMatch(own -> own.equalsIgnoreCase(credential.name()))) {
                arm.deleteCredential(
                    target.subscriptionId(),
                    target.resourceGroup(),
                    target.identityName(),
                    credential.name());
                removed.add(credential.name());
              }
            }
            return null;
          });
      arm.deleteIdentity(target.subscriptionId(), target.resourceGroup(), target.identityName());
      locks.forget(live.id());
      log.info(
          "{}: deleted {} role assignment(s), federated credential(s) {} and {}",
          request.owner(),
          removedAssignments,
          removed,
          target.describeIdentity());
      return done(
          "deleted "
              + removedAssignments
              + " role assignment(s), "
              + removed.size()
              + " federated credential(s) and "
              + target.describeIdentity());
    }

    // ----------------------------------------------------------------------------- outcomes

    /** A change made: a drift correction when the spec was already in sync, else an update. */
    private void changed(String what) {
      if (countsAsDrift) {
        log.warn("{}: drift corrected in Azure: {}", request.owner(), what);
        corrections.add("Azure: " + what);
      } else {
        log.info("{}: Azure: {}", request.owner(), what);
      }
    }

    /** The federated credentials read in this pass, for the guardrails. */
    private CloudOutcome withLiveTrust(CloudOutcome outcome) {
      if (live == null || liveCredentials == null) {
        return outcome;
      }
      return outcome.withLiveTrust(
          new LiveTrust.Azure(
              live.id(),
              liveCredentials.stream()
                  .map(
                      c ->
                          new LiveTrust.FederatedCredential(
                              c.name(), c.issuer(), c.subject(), c.audiences()))
                  .toList()));
    }

    private CloudOutcome synced() {
      String message =
          "Managed identity "
              + target.identityName()
              + " trusts exactly "
              + (placed == null || placed.isEmpty()
                  ? "-"
                  : String.join(" and ", placed.stream().map(Credential::subject).toList()))
              + "; "
              + target.roleAssignments().size()
              + " declared role assignment(s) in place";
      return withLiveTrust(
          new CloudOutcome(
              ConditionStatus.True,
              CloudReason.Synced,
              message,
              statusWriter(true),
              corrections,
              findings,
              Optional.empty(),
              true));
    }

    private CloudOutcome observed() {
      if (drift.isEmpty()) {
        return withLiveTrust(
            new CloudOutcome(
                ConditionStatus.True,
                CloudReason.Observed,
                "Observe: " + target.describeIdentity() + " matches the spec; nothing written",
                statusWriter(true),
                List.of(),
                findings,
                Optional.empty(),
                true));
      }
      log.info("{}: Azure drift observed, not corrected: {}", request.owner(), drift);
      return withLiveTrust(
          new CloudOutcome(
              ConditionStatus.False,
              CloudReason.DriftDetected,
              "Observe: "
                  + drift.size()
                  + " difference(s), nothing written: "
                  + String.join("; ", drift),
              statusWriter(true),
              List.of(),
              findings,
              Optional.empty(),
              true));
    }

    /**
     * The identity is not this resource's. The message says which kind of stranger it is and what
     * would let this resource have it, but copies nothing of it (tags, credentials, assignments): a
     * spec naming someone else's identity must not read it out, not even under Observe.
     */
    private CloudOutcome conflict(Ownership.Verdict verdict) {
      String remedy =
          switch (verdict) {
            case UNMARKED, EARLIER_NAMESAKE ->
                observe && identity.getSpec().isAdoptExisting()
                    ? "managementPolicy Observe never adopts"
                    : identity.getSpec().isAdoptExisting()
                        ? "spec.adoptExisting is set, but no CIFederationPolicy selecting this"
                            + " namespace lists its resource ID in spec.azure.adoptableIdentities"
                        : "to take it over, set spec.adoptExisting: true and have a"
                            + " CIFederationPolicy selecting this namespace grant it in"
                            + " spec.azure.adoptableIdentities; or choose another"
                            + " spec.azure.identityName";
            case OTHER_OWNER ->
                "it is never adopted while marked: choose another spec.azure.identityName, or"
                    + " release it from its owner with deletionPolicy Orphan first";
            default -> "it is never adopted: choose another spec.azure.identityName";
          };
      String message =
          target.describeIdentity()
              + " exists and is not this resource's ("
              + describe(verdict)
              + "); it is left untouched: "
              + remedy;
      log.warn("{}: {}", request.owner(), message);
      conflicting = true;
      return new CloudOutcome(
          ConditionStatus.False,
          CloudReason.Conflict,
          message,
          statusWriter(false),
          List.of(),
          findings,
          Optional.empty(),
          false);
    }

    private String describe(Ownership.Verdict verdict) {
      return switch (verdict) {
        case UNMARKED -> "it carries no ownership tags of this operator";
        case EARLIER_NAMESAKE ->
            "it was made for an earlier object named "
                + request.owner()
                + ", not this one; adoption must be granted by a CIFederationPolicy";
        case OTHER_OWNER -> "it belongs to another resource of cluster " + clusterName;
        case OTHER_CLUSTER -> "it is managed by the operator of another cluster";
        default -> "owned";
      };
    }

    CloudOutcome failed(AzureFailure failure) {
      log.warn("{}: Azure {}: {}", request.owner(), failure.reason(), failure.getMessage());
      return new CloudOutcome(
          ConditionStatus.False,
          failure.reason(),
          failure.getMessage(),
          statusWriter(false),
          corrections,
          findings,
          failure.retryAfter(),
          false);
    }

    /**
     * What status.azure says: the identity's IDs when known (carried over while Azure fails), the
     * credential name, the last completed comparison, and the running count of corrections.
     */
    private Consumer<CIFederatedIdentityStatus> statusWriter(boolean compared) {
      AzureIdentityStatus status = new AzureIdentityStatus();
      // a conflicting identity is someone else's: its IDs are not for azure/login
      if (live != null && !conflicting) {
        status.setIdentityId(live.id());
        status.setClientId(live.clientId());
        status.setPrincipalId(live.principalId());
        status.setTenantId(live.tenantId());
      } else if (live == null && !compared) {
        // Azure failed before the identity was read: keep what was last known
        status.setIdentityId(previous.getIdentityId());
        status.setClientId(previous.getClientId());
        status.setPrincipalId(previous.getPrincipalId());
        status.setTenantId(previous.getTenantId());
      }
      List<Credential> credentials = placed != null ? placed : target.credentials();
      List<String> own = target.ownCredentialNames();
      status.setCredentialName(credentials.isEmpty() ? own.get(0) : credentials.get(0).name());
      if (credentials.size() > 1) {
        status.setMigrationCredentialName(credentials.get(1).name());
      }
      status.setLastSyncTime(
          compared
              ? clock.instant().truncatedTo(ChronoUnit.SECONDS).toString()
              : previous.getLastSyncTime());
      long before = previous.getDriftCorrections() == null ? 0 : previous.getDriftCorrections();
      status.setDriftCorrections(before + corrections.size());
      return s -> s.setAzure(status);
    }
  }

  private static CloudOutcome done(String message) {
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

  /**
   * Whether AzureReady last said the spec of this generation was in sync: only then is a difference
   * drift (an out-of-band change), rather than the operator applying a new spec.
   */
  private static boolean syncedAtThisGeneration(CIFederatedIdentity identity) {
    if (identity.getStatus() == null || identity.getStatus().getConditions() == null) {
      return false;
    }
    Long generation = identity.getMetadata().getGeneration();
    return identity.getStatus().getConditions().stream()
        .anyMatch(
            c ->
                ConditionType.AzureReady.name().equals(c.getType())
                    && ConditionStatus.True.name().equals(c.getStatus())
                    && CloudReason.Synced.name().equals(c.getReason())
                    && Objects.equals(c.getObservedGeneration(), generation));
  }

  private static String normaliseLocation(String location) {
    return location == null ? "" : location.replace(" ", "").toLowerCase(Locale.ROOT);
  }
}
