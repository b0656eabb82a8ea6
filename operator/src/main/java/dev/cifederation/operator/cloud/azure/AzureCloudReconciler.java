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
import dev.cifederation.operator.api.v1alpha1.ManagementPolicy;
import dev.cifederation.operator.api.v1alpha1.Severity;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudReconciler;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.ScopeBreakers;
import dev.cifederation.operator.cloud.azure.ArmClient.LiveIdentity;
import dev.cifederation.operator.cloud.azure.ArmClient.RoleDefinitionRef;
import dev.cifederation.operator.cloud.azure.CredentialDiff.Credential;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Azure adapter: per identity, a user-assigned managed identity tagged as owned, its one
 * federated identity credential (exact issuer, subject and audience), and the declared role
 * assignments; compared on every pass and corrected (Enforce) or reported (Observe).
 *
 * <p>What the operator owns and how it tells: the identity by its ownership tags (see {@link
 * Ownership}); everything inside an owned identity, so credentials other than the operator's are
 * removed; role assignments by their deterministic names (see {@link AssignmentPlan}). Role
 * assignments of the principal made by anyone else live on scopes the operator does not own and may
 * serve purposes it cannot see: they are never touched, and reported as findings.
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

  private record CachedRole(String guid, Instant until) {}

  AzureCloudReconciler(ArmClient arm, String clusterName, Clock clock) {
    this.arm = arm;
    this.clusterName = clusterName;
    this.clock = clock;
  }

  /** The adapter configured from {@code CIFED_AZURE_*} (see {@link AzureSettings}). */
  public static AzureCloudReconciler fromEnvironment(
      Map<String, String> env, String clusterName, MeterRegistry registry, Clock clock) {
    AzureSettings settings = AzureSettings.fromEnvironment(env);
    log.info("Azure adapter: {}", settings);
    return create(
        settings,
        clusterName,
        registry,
        clock,
        ArmRetry.Policy.defaults(),
        duration -> Thread.sleep(duration.toMillis()));
  }

  static AzureCloudReconciler create(
      AzureSettings settings,
      String clusterName,
      MeterRegistry registry,
      Clock clock,
      ArmRetry.Policy retryPolicy,
      ArmRetry.Sleeper sleeper) {
    ArmRetry retry =
        new ArmRetry(
            // breaker hook: every ARM call passes its subscription's breaker
            new CloudCalls(registry, Cloud.Azure.name())
                .withGate(ArmError.breakers(registry, clock)),
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
    if (request.identity().getSpec().getAzure() == null) {
      return done("No Azure block: nothing to clean up");
    }
    Pass pass = new Pass(request, Target.of(request));
    try {
      return pass.cleanup();
    } catch (AzureFailure failure) {
      return pass.failed(failure);
    }
  }

  // ------------------------------------------------------------------------------- target

  /** What one resource asks for in Azure; names from the compiled trust or, without it, derived. */
  private record Target(
      String subscriptionId,
      String resourceGroup,
      String location,
      String identityName,
      Optional<Credential> credential,
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
      Optional<Credential> credential =
          trust == null
              ? Optional.empty()
              : Optional.of(
                  new Credential(
                      trust.credentialName(), trust.issuer(), trust.subject(), trust.audiences()));
      return new Target(
          spec.getSubscriptionId(),
          spec.getResourceGroup(),
          spec.getLocation(),
          identityName,
          credential,
          spec.getRoleAssignments() == null ? List.of() : List.copyOf(spec.getRoleAssignments()));
    }

    String credentialName(CloudRequest request) {
      return credential
          .map(Credential::name)
          .orElseGet(() -> CloudNames.azureCredentialName(request.namespace(), request.name()));
    }

    String describeIdentity() {
      return "managed identity " + identityName + " in " + subscriptionId + "/" + resourceGroup;
    }
  }

  // --------------------------------------------------------------------------------- pass

  /** One reconcile or cleanup of one resource: what it learned, changed and found. */
  private final class Pass {
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

    Pass(CloudRequest request, Target target) {
      this.request = request;
      this.target = target;
      this.identity = request.identity();
      this.ownership = new Ownership(request.owner(), clusterName);
      this.observe = identity.getSpec().getManagementPolicy() == ManagementPolicy.Observe;
      this.previous =
          identity.getStatus() == null || identity.getStatus().getAzure() == null
              ? new AzureIdentityStatus()
              : identity.getStatus().getAzure();
      this.countsAsDrift = syncedAtThisGeneration(identity);
    }

    // ---------------------------------------------------------------------------- reconcile

    CloudOutcome reconcile() {
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
        if (verdict == Ownership.Verdict.FOREIGN) {
          return conflict();
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
      Credential desired = target.credential().orElseThrow();
      locks.withLock(live.id(), () -> reconcileCredentials(desired));
      reconcileRoleAssignments();
      return observe ? observed() : synced();
    }

    private Void reconcileCredentials(Credential desired) {
      List<Credential> listed =
          arm.listCredentials(
              target.subscriptionId(), target.resourceGroup(), target.identityName());
      CredentialDiff diff = CredentialDiff.of(desired, listed);
      // after this pass the identity trusts what was listed (Observe) or exactly the desired one
      liveCredentials = observe ? List.copyOf(listed) : List.of(desired);
      for (Credential foreign : diff.foreign()) {
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
      if (diff.missing()) {
        if (observe) {
          drift.add("federated credential " + desired.name() + " does not exist");
          return null;
        }
        putCredential(desired);
        changed("created federated credential " + desired.describe());
      } else if (!diff.differences().isEmpty()) {
        if (observe) {
          drift.add(
              "federated credential "
                  + desired.name()
                  + ": "
                  + String.join(", ", diff.differences()));
          return null;
        }
        putCredential(desired);
        changed(
            "federated credential "
                + desired.name()
                + ": "
                + String.join(", ", diff.differences()));
      }
      return null;
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

    private void reconcileRoleAssignments() {
      List<AssignmentPlan.Desired> desired = new ArrayList<>();
      for (AzureRoleAssignment declared : target.roleAssignments()) {
        desired.add(
            new AssignmentPlan.Desired(
                declared.getScope(), resolveRole(declared), declared.getRole()));
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

    /** The role's definition GUID: given, or looked up by name (built-in ones cached). */
    private String resolveRole(AzureRoleAssignment declared) {
      Optional<String> given = AssignmentPlan.definitionGuid(declared.getRole());
      if (given.isPresent()) {
        return given.get();
      }
      String roleName = declared.getRole().strip();
      String cacheKey =
          AssignmentPlan.subscriptionOf(declared.getScope()).toLowerCase(Locale.ROOT)
              + "|"
              + roleName.toLowerCase(Locale.ROOT);
      CachedRole cached = builtInRoles.get(cacheKey);
      if (cached != null && cached.until().isAfter(clock.instant())) {
        return cached.guid();
      }
      List<RoleDefinitionRef> found = arm.findRoleDefinitions(declared.getScope(), roleName);
      if (found.isEmpty()) {
        throw new AzureFailure(
            CloudReason.NotFound,
            "No role named '"
                + roleName
                + "' is defined at "
                + declared.getScope()
                + " (spec.azure.roleAssignments[].role takes a role name or a role definition ID)",
            Optional.empty());
      }
      if (found.size() > 1) {
        throw new AzureFailure(
            CloudReason.InvalidSpec,
            found.size()
                + " role definitions are named '"
                + roleName
                + "' at "
                + declared.getScope()
                + "; give the role definition ID instead",
            Optional.empty());
      }
      RoleDefinitionRef role = found.get(0);
      if (role.builtIn()) {
        builtInRoles.put(
            cacheKey, new CachedRole(role.guid(), clock.instant().plus(ROLE_CACHE_TTL)));
      }
      return role.guid().toLowerCase(Locale.ROOT);
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
      if (verdict == Ownership.Verdict.FOREIGN) {
        return done(
            target.describeIdentity() + " is not owned by " + request.owner() + ": left untouched");
      }
      if (identity.getSpec().getDeletionPolicy() == DeletionPolicy.Orphan) {
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
      String credentialName = target.credentialName(request);
      locks.withLock(
          live.id(),
          () -> {
            boolean present =
                arm
                    .listCredentials(
                        target.subscriptionId(), target.resourceGroup(), target.identityName())
                    .stream()
                    .anyMatch(c -> c.name().equalsIgnoreCase(credentialName));
            if (present) {
              arm.deleteCredential(
                  target.subscriptionId(),
                  target.resourceGroup(),
                  target.identityName(),
                  credentialName);
            }
            return null;
          });
      arm.deleteIdentity(target.subscriptionId(), target.resourceGroup(), target.identityName());
      locks.forget(live.id());
      log.info(
          "{}: deleted {} role assignment(s), federated credential {} and {}",
          request.owner(),
          removedAssignments,
          credentialName,
          target.describeIdentity());
      return done(
          "deleted "
              + removedAssignments
              + " role assignment(s), the federated credential and "
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
              + target.credential().map(Credential::subject).orElse("-")
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

    private CloudOutcome conflict() {
      String message =
          target.describeIdentity()
              + " exists and is not owned by "
              + request.owner()
              + " in cluster "
              + clusterName
              + " (tags "
              + Ownership.OWNER_TAG
              + "="
              + Objects.toString(Ownership.tag(live.tags(), Ownership.OWNER_TAG), "(none)")
              + ", "
              + Ownership.CLUSTER_TAG
              + "="
              + Objects.toString(Ownership.tag(live.tags(), Ownership.CLUSTER_TAG), "(none)")
              + "); it is left untouched: choose another spec.azure.identityName";
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
        status.setClientId(live.clientId());
        status.setPrincipalId(live.principalId());
        status.setTenantId(live.tenantId());
      } else if (live == null && !compared) {
        // Azure failed before the identity was read: keep what was last known
        status.setClientId(previous.getClientId());
        status.setPrincipalId(previous.getPrincipalId());
        status.setTenantId(previous.getTenantId());
      }
      status.setCredentialName(target.credentialName(request));
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
