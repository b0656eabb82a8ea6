package dev.cifederation.operator.cloud.aws;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.api.v1alpha1.AwsIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.AwsIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.ConditionStatus;
import dev.cifederation.operator.api.v1alpha1.ConditionType;
import dev.cifederation.operator.api.v1alpha1.DeletionPolicy;
import dev.cifederation.operator.api.v1alpha1.ManagementPolicy;
import dev.cifederation.operator.cloud.Attribution;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudReconciler;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.OidcProviders;
import dev.cifederation.operator.cloud.ProviderReport;
import dev.cifederation.operator.cloud.aws.AwsFailure.Kind;
import dev.cifederation.operator.config.OperatorConfig;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.trust.AwsTrust;
import dev.cifederation.operator.trust.CloudNames;
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
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * The AWS adapter: per identity, the account's IAM OIDC provider for the issuer (shared, created
 * when missing, deleted with the last role that trusts it) and the identity's IAM role, kept at the
 * compiled trust policy and the declared permissions.
 *
 * <p>Every pass works from the account's bulk snapshot ({@link AccountSnapshots}), compares
 * semantically ({@link RolePlanner}) and writes only the difference; a pass with no drift writes
 * nothing, and what a pass writes is recorded in the snapshot, so N identities created together
 * cost one bulk read, not N. The bulk read and the shared provider are handled by one pass of an
 * account at a time, each identity's own role in parallel; cleanup has the account to itself, so
 * the operator never races itself on a shared provider. A role is an identity's only when its
 * owner, cluster and UID tags say so ({@link Ownership}); any other is a Conflict and never
 * modified or deleted, unless the identity asks to adopt it and a policy grants it ({@link
 * Adoption}). A revoked identity only withdraws the trust of the role its status records ({@link
 * TrustWithdrawal}), creating nothing.
 */
public final class AwsCloud implements CloudReconciler, OidcProviders, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AwsCloud.class);

  private final IamAccounts accounts;
  private final AccountSnapshots snapshots;
  private final ThumbprintSource thumbprints;
  private final AwsSettings settings;
  private final String iamPath;
  private final String clusterName;
  private final Clock clock;
  private final Map<String, AccountLocks> accountLocks = new ConcurrentHashMap<>();

  /**
   * @param credentials the base credentials: the default chain in production, static ones for an
   *     emulator in tests; with an assume-role template they only assume the per-account role
   * @param resyncInterval bounds how long a bulk read of an account is reused
   */
  public AwsCloud(
      AwsSettings settings,
      AwsCredentialsProvider credentials,
      ThumbprintSource thumbprints,
      String iamPath,
      String clusterName,
      Duration resyncInterval,
      MeterRegistry registry,
      Clock clock) {
    this.settings = settings;
    this.accounts =
        new IamAccounts(
            settings,
            credentials,
            // breaker hook: every IAM/STS call passes its account's breaker
            new CloudCalls(registry, Cloud.AWS.name())
                .withGate(AwsFailure.breakers(resyncInterval, registry, clock)),
            clock);
    this.snapshots = new AccountSnapshots(AccountSnapshots.ttlFor(resyncInterval), clock);
    this.thumbprints = thumbprints;
    this.iamPath = iamPath;
    this.clusterName = clusterName;
    this.clock = clock;
  }

  /**
   * The adapter as the operator runs it: the configuration read at start-up, the default credential
   * chain; new providers get their thumbprints from {@code thumbprints} (the issuer checks).
   */
  public static AwsCloud fromConfig(
      OperatorConfig config, MeterRegistry registry, Clock clock, ThumbprintSource thumbprints) {
    return new AwsCloud(
        AwsSettings.from(config.aws()),
        DefaultCredentialsProvider.builder().build(),
        thumbprints,
        config.iamPath(),
        config.clusterName(),
        config.resyncInterval(),
        registry,
        clock);
  }

  @Override
  public Cloud cloud() {
    return Cloud.AWS;
  }

  // ---------------------------------------------------------------------------------- reconcile

  @Override
  public CloudOutcome reconcile(CloudRequest request) {
    CIFederatedIdentity identity = request.identity();
    AwsIdentityStatus previous = previousStatus(identity);
    if (request.revoked()) {
      // before anything else: a revoked identity acts only on what its status records, and never
      // creates a provider or a role (not even where a changed spec now points)
      return withdraw(request, previous);
    }
    AwsTrust trust = request.trust() == null ? null : request.trust().aws();
    if (trust == null) {
      return failure(
          CloudReason.TrustNotCompiled,
          "spec.aws could not be compiled into a trust policy",
          Optional.empty(),
          carry(previous));
    }
    boolean observe = identity.getSpec().getManagementPolicy() == ManagementPolicy.Observe;
    boolean orphan = request.deletionPolicy() == DeletionPolicy.Orphan;
    Ownership ownership = new Ownership(request.owner(), clusterName, request.uid());
    DesiredRole desired = DesiredRole.of(trust, identity.getSpec().getAws(), iamPath, ownership);
    Pass pass =
        new Pass(
            observe,
            recordedRoleArn(previous),
            identity.getSpec().isAdoptExisting(),
            request.grants().adoptable());

    String accountId = trust.accountId();
    AccountLocks locks = accountLocks(accountId);
    // The bulk read and the shared provider, one pass of the account at a time; then the role,
    // which is this identity's own (JOSDK never reconciles one identity twice at once), in parallel
    // with
    // the other identities' roles. Passes share the account, cleanup has it to itself: it never
    // deletes a provider under a role being written.
    locks.shared.readLock().lock();
    try {
      IamGateway iam = accounts.gateway(accountId, Attribution.of(request));
      AccountSnapshot snapshot;
      locks.snapshot.lock();
      try {
        snapshot = snapshots.get(accountId, () -> iam.readAccount(iamPath));
        ensureProvider(iam, snapshot, trust, pass);
        if (!pass.writes.isEmpty()) {
          snapshots.invalidate(accountId);
        }
      } finally {
        locks.snapshot.unlock();
      }
      if (pass.conflict == null) {
        ensureRole(iam, snapshot, desired, ownership, pass);
      }
      if (pass.conflict == null) {
        releaseSupersededRoles(iam, snapshot, desired, ownership, orphan, pass);
      }
    } catch (AwsFailure failure) {
      // a failed write may still have happened (e.g. a timeout after IAM applied it)
      snapshots.invalidate(accountId);
      return failure(failure, request, accountId, carry(previous));
    } finally {
      locks.shared.readLock().unlock();
    }
    return outcome(request, trust, previous, pass);
  }

  // --------------------------------------------------------------------------------- revocation

  /**
   * Withdraws the trust in place: the role this identity's status records (whatever the spec now
   * names) gets a trust policy that admits no web identity; the role, its RoleId and permissions
   * stay, so a resume brings the same ARN back. Nothing is created, a role our marks do not confirm
   * is not touched, and a second pass writes nothing. Under Observe it only reports.
   */
  private CloudOutcome withdraw(CloudRequest request, AwsIdentityStatus previous) {
    String why = request.revocation().orElseThrow().message();
    boolean observe = request.observeOnly();
    Optional<String> roleName = Arns.roleName(previous);
    if (roleName.isEmpty()) {
      return revoked(
          "no IAM role is recorded for this identity, so there is no trust to withdraw ("
              + why
              + ")",
          previous,
          List.of(),
          Optional.empty());
    }
    String recordedArn = previous.getRoleArn();
    String accountId = Arns.account(previous).orElseThrow();
    Ownership ownership = new Ownership(request.owner(), clusterName, request.uid());
    AccountLocks locks = accountLocks(accountId);
    locks.shared.readLock().lock();
    try {
      IamGateway iam = accounts.gateway(accountId, Attribution.of(request));
      // read fresh, not from the shared snapshot: this decides a write, and it is the incident
      // button — an out-of-band change since the last bulk read must not survive it
      Optional<LiveRole> found = iam.readRole(roleName.get());
      if (found.isEmpty()) {
        return revoked(
            "IAM role "
                + recordedArn
                + " no longer exists, so there is no trust to withdraw ("
                + why
                + ")",
            previous,
            List.of(),
            Optional.empty());
      }
      LiveRole live = found.get();
      Ownership.Verdict verdict = ownership.verdict(live.tags(), live.arn().equals(recordedArn));
      if (!verdict.isOurs()) {
        return failure(
            CloudReason.Conflict,
            "IAM role "
                + live.arn()
                + " is recorded in status but not managed by this identity ("
                + ownership.explain(verdict, live.tags())
                + "): its trust is not this operator's to withdraw, and it is left untouched ("
                + why
                + ")",
            Optional.empty(),
            carry(previous));
      }
      Set<String> providers = live.federatedPrincipals();
      if (providers.isEmpty() && previous.getProviderArn() != null) {
        providers = Set.of(previous.getProviderArn());
      }
      boolean withdrawn = TrustWithdrawal.isWithdrawn(live.trustPolicy(), providers);
      if (observe) {
        if (withdrawn) {
          return revoked(
              "IAM role " + live.arn() + " admits no web identity token (Observe; " + why + ")",
              previous,
              List.of(),
              Optional.of(liveTrust(live)));
        }
        return failure(
                CloudReason.DriftDetected,
                "Observe: the trust of IAM role "
                    + live.arn()
                    + " is to be withdrawn ("
                    + why
                    + "), but nothing is written; the role still admits what its trust policy"
                    + " allows",
                Optional.empty(),
                carry(previous))
            .withLiveTrust(liveTrust(live));
      }
      List<String> notices = new ArrayList<>();
      if (verdict == Ownership.Verdict.LEGACY_RECORDED) {
        Map<String, String> mark = Map.of(Ownership.UID_TAG, ownership.uid());
        iam.tagRole(live.name(), mark);
        live = live.withTags(mark);
        notices.add(
            "IAM role "
                + live.arn()
                + ": ownership mark "
                + Ownership.UID_TAG
                + "="
                + ownership.uid()
                + " written (the role predates UID marks; this identity's status records it)");
      }
      if (withdrawn) {
        return revoked(
            "trust withdrawn: IAM role "
                + live.arn()
                + " admits no web identity token; the role, its RoleId and permissions are kept ("
                + why
                + ")",
            previous,
            notices,
            Optional.of(liveTrust(live)));
      }
      ObjectNode document = TrustWithdrawal.document(providers);
      iam.updateTrustPolicy(live.name(), document);
      live = live.withTrustPolicy(document);
      snapshots.record(accountId, live);
      String wrote =
          "trust withdrawn: the trust policy of IAM role "
              + live.arn()
              + " now admits no web identity token; the role, its RoleId and permissions are kept";
      log.info("{} in account {}: {} ({})", request.owner(), accountId, wrote, why);
      if (previousReason(request.identity()).filter(CloudReason.Revoked::equals).isPresent()) {
        // it was withdrawn already: someone gave the trust back by hand
        notices.add("IAM role " + live.arn() + ": trust changed while revoked, withdrawn again");
      }
      return revoked(wrote + " (" + why + ")", previous, notices, Optional.of(liveTrust(live)));
    } catch (AwsFailure failure) {
      snapshots.invalidate(accountId);
      return failure(failure, request, accountId, carry(previous));
    } finally {
      locks.shared.readLock().unlock();
    }
  }

  /** Status False, reason Revoked; the status block kept as recorded (the ids do not change). */
  private CloudOutcome revoked(
      String message,
      AwsIdentityStatus previous,
      List<String> notices,
      Optional<LiveTrust.Aws> liveTrust) {
    AwsIdentityStatus status = copy(previous);
    if (status != null) {
      status.setLastSyncTime(clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
    }
    CloudOutcome outcome =
        new CloudOutcome(
                ConditionStatus.False,
                CloudReason.Revoked,
                message,
                writer(status),
                List.of(),
                List.of(),
                Optional.empty(),
                true)
            .withCorrections(notices);
    return liveTrust.isPresent() ? outcome.withLiveTrust(liveTrust.get()) : outcome;
  }

  private static AwsIdentityStatus copy(AwsIdentityStatus previous) {
    if (previous == null) {
      return null;
    }
    AwsIdentityStatus copy = new AwsIdentityStatus();
    copy.setRoleArn(previous.getRoleArn());
    copy.setProviderArn(previous.getProviderArn());
    copy.setLastSyncTime(previous.getLastSyncTime());
    copy.setDriftCorrections(previous.getDriftCorrections());
    return copy;
  }

  /** The provider for the issuer in the account: created when missing, else only completed. */
  private void ensureProvider(IamGateway iam, AccountSnapshot snapshot, AwsTrust trust, Pass pass) {
    String arn = trust.providerArn();
    Optional<LiveProvider> live = snapshot.provider(arn, iam::readProvider);
    Ownership ownership = Ownership.ofProvider(clusterName);
    if (live.isEmpty()) {
      if (pass.observe) {
        pass.differs("IAM OIDC provider " + arn + " does not exist");
        return;
      }
      try {
        iam.createProvider(
            trust.providerUrl(),
            List.of(trust.audience()),
            thumbprints.thumbprints(trust),
            ownership.tags());
        pass.wrote("IAM OIDC provider " + arn + " created");
        pass.providerArn = arn;
        return;
      } catch (AwsFailure e) {
        if (e.kind() != Kind.ALREADY_EXISTS) {
          throw e;
        }
        // created since the snapshot was taken (e.g. by another operator instance)
        live = iam.readProvider(arn);
        if (live.isEmpty()) {
          throw new AwsFailure(
              Kind.TRANSIENT, e.operation(), null, "IAM OIDC provider " + arn + " is in flux");
        }
      }
    }
    LiveProvider provider = live.get();
    Optional<String> otherCluster = otherClusterProvider(provider);
    if (otherCluster.isPresent()) {
      // The operator of another cluster made it and keeps it while any role of the account trusts
      // it (its cleanup reads every role): our roles trust it too, but we never write it.
      if (!provider.clientIds().contains(trust.audience())) {
        String what =
            "IAM OIDC provider "
                + arn
                + " belongs to the operator of cluster "
                + otherCluster.get()
                + " and does not list client ID "
                + trust.audience()
                + "; it is left untouched (that operator adds the client ID when one of its"
                + " identities needs it)";
        if (pass.observe) {
          pass.differs(what);
        } else {
          pass.conflict(what);
        }
        return;
      }
      pass.providerArn = arn;
      return;
    }
    if (!ownership.owns(provider.tags())) {
      if (!pass.observe) {
        pass.conflict(
            "IAM OIDC provider "
                + arn
                + " exists but is not managed by this operator ("
                + Ownership.describe(provider.tags())
                + "); it is left untouched. Tag it "
                + Ownership.OWNER_TAG
                + "="
                + Ownership.SHARED_OWNER
                + ", "
                + Ownership.CLUSTER_TAG
                + "="
                + clusterName
                + " to let the operator manage it");
        return;
      }
      pass.differs("IAM OIDC provider " + arn + " lacks the operator's ownership tags");
    }
    if (!provider.clientIds().contains(trust.audience())) {
      // only when missing: Add/RemoveClientID are rare writes (and moto does not implement them)
      if (pass.observe) {
        pass.differs("IAM OIDC provider " + arn + " does not list client ID " + trust.audience());
      } else {
        iam.addClientId(arn, trust.audience());
        pass.wrote("client ID " + trust.audience() + " added to IAM OIDC provider " + arn);
      }
    }
    // The thumbprints of an existing provider are the issuer checks' to keep (keepThumbprints):
    // they add a rotated one before removing the old, which a per-identity pass cannot see.
    pass.providerArn = arn;
  }

  private void ensureRole(
      IamGateway iam,
      AccountSnapshot snapshot,
      DesiredRole desired,
      Ownership ownership,
      Pass pass) {
    String name = desired.name();
    LiveRole live = snapshot.role(name).orElse(null);
    boolean created = false;
    if (live == null) {
      if (pass.observe) {
        pass.differs("IAM role " + name + " does not exist");
        return;
      }
      try {
        live = iam.createRole(desired);
        created = true;
        pass.wrote("IAM role " + live.arn() + " created");
      } catch (AwsFailure e) {
        if (e.kind() != Kind.ALREADY_EXISTS) {
          throw compiledTrustRejected(e);
        }
        // created since the snapshot: by an earlier run of the operator that stopped half-way, or
        // by someone else; which one the tags decide below
        live =
            iam.readRole(name)
                .orElseThrow(
                    () ->
                        new AwsFailure(
                            Kind.TRANSIENT, e.operation(), null, "IAM role " + name + " in flux"));
      }
    }
    Ownership.Verdict verdict =
        ownership.verdict(live.tags(), live.arn().equals(pass.recordedRoleArn));
    if (!verdict.isOurs()) {
      Optional<String> grant =
          verdict.isAdoptable() && pass.adoptExisting
              ? Adoption.grantFor(pass.adoptable, live.arn())
              : Optional.empty();
      if (grant.isEmpty()) {
        // never a word of a foreign role's trust or permissions: only whose it is
        pass.conflict(notOurs(live, verdict, ownership, pass));
        return;
      }
      String adoption =
          "IAM role "
              + live.arn()
              + " adopted ("
              + ownership.explain(verdict, live.tags())
              + "; spec.adoptExisting, granted by spec.aws.adoptableRoles pattern "
              + grant.get()
              + " of a CIFederationPolicy)";
      if (pass.observe) {
        pass.differs(
            "IAM role " + live.arn() + " would be adopted (granted by " + grant.get() + ")");
      } else {
        iam.tagRole(name, ownership.tags());
        live = live.withTags(ownership.tags());
        pass.notice(adoption + ": ownership marks written");
      }
    } else if (verdict == Ownership.Verdict.LEGACY_RECORDED && !pass.observe) {
      Map<String, String> mark = Map.of(Ownership.UID_TAG, ownership.uid());
      iam.tagRole(name, mark);
      live = live.withTags(mark);
      pass.notice(
          "IAM role "
              + live.arn()
              + ": ownership mark "
              + Ownership.UID_TAG
              + "="
              + ownership.uid()
              + " written (the role predates UID marks; this identity's status records it)");
    }
    if (live.maxSessionDuration().isEmpty()) {
      // outside the operator's IAM path, so not in the bulk ListRoles: read it on its own
      live = iam.readRole(name).orElse(live);
    }
    pass.roleArn = live.arn();
    List<RoleChange> changes = RolePlanner.plan(desired, live);
    // the trust as IAM has it after this pass: as read, or as corrected (every planned change is
    // applied, or the pass fails)
    pass.liveTrust = pass.observe || changes.isEmpty() ? liveTrust(live) : liveTrust(desired, live);
    for (RoleChange change : changes) {
      if (pass.observe) {
        pass.differs("IAM role " + name + ": " + change.describe());
      } else {
        try {
          iam.apply(desired, change);
        } catch (AwsFailure e) {
          throw change instanceof RoleChange.UpdateTrustPolicy ? compiledTrustRejected(e) : e;
        }
        pass.wrote("IAM role " + name + ": " + change.describe());
      }
    }
    if (!pass.observe && (created || !changes.isEmpty() || !pass.notices.isEmpty())) {
      // every write succeeded: the snapshot learns the role as it now is, instead of the whole
      // account being read again for the next identity (an O(N) read per identity at creation)
      snapshots.record(iam.accountId(), live.afterApplying(desired));
    }
  }

  /**
   * The trust policy is compiled, not written by the user: when IAM calls it malformed, the likely
   * cause is a provider created moments ago that IAM does not see yet (it is eventually
   * consistent), so it is retried soon rather than reported as a spec the user must fix.
   */
  private static AwsFailure compiledTrustRejected(AwsFailure failure) {
    if (failure.kind() != Kind.INVALID) {
      return failure;
    }
    return new AwsFailure(
        Kind.TRANSIENT,
        failure.operation(),
        failure.errorCode(),
        failure.getMessage()
            + " (the trust policy is compiled by the operator; retrying in case IAM does not see"
            + " the OIDC provider yet)");
  }

  /**
   * The Conflict message for a role that is not this identity's: whose it is and what would let
   * this identity have it — never its trust policy, principals or permissions.
   */
  private static String notOurs(
      LiveRole live, Ownership.Verdict verdict, Ownership ownership, Pass pass) {
    String found =
        (pass.observe ? "Observe: " : "")
            + "IAM role "
            + live.arn()
            + " exists but is not managed by this identity ("
            + ownership.explain(verdict, live.tags())
            + ")";
    if (pass.observe) {
      return found + "; nothing of a role the operator does not own is compared or reported";
    }
    found += "; it is left untouched. ";
    if (verdict == Ownership.Verdict.OTHER_CLUSTER) {
      return found
          + "A role of another cluster's operator is never adopted: choose another"
          + " spec.aws.roleName";
    }
    String needed =
        "Choose another spec.aws.roleName, or have it adopted: spec.adoptExisting: true on this"
            + " identity and the role's ARN granted in spec.aws.adoptableRoles of a"
            + " CIFederationPolicy selecting this namespace";
    if (pass.adoptExisting) {
      needed += " (spec.adoptExisting is set, but no selecting policy grants " + live.arn() + ")";
    }
    return found + needed;
  }

  /** The cluster of another operator whose shared provider this is, if it is. */
  private Optional<String> otherClusterProvider(LiveProvider provider) {
    String cluster = provider.tags().get(Ownership.CLUSTER_TAG);
    return Ownership.SHARED_OWNER.equals(provider.tags().get(Ownership.OWNER_TAG))
            && cluster != null
            && !cluster.equals(clusterName)
        ? Optional.of(cluster)
        : Optional.empty();
  }

  private static String recordedRoleArn(AwsIdentityStatus previous) {
    return previous == null ? null : previous.getRoleArn();
  }

  /**
   * A role this identity owns under another name is what an earlier spec.aws.roleName created: it
   * goes the way deletionPolicy says, so a rename leaves neither a duplicate nor an orphan.
   */
  private void releaseSupersededRoles(
      IamGateway iam,
      AccountSnapshot snapshot,
      DesiredRole desired,
      Ownership ownership,
      boolean orphan,
      Pass pass) {
    for (LiveRole role : ownedRoles(snapshot, ownership, pass.recordedRoleArn)) {
      if (role.name().equals(desired.name())) {
        continue;
      }
      String why = " (spec.aws.roleName is now " + desired.name() + ")";
      if (pass.observe) {
        pass.differs("IAM role " + role.name() + " is no longer in the spec" + why);
      } else {
        pass.wrote(release(iam, role, orphan) + why);
        snapshots.invalidate(iam.accountId());
      }
    }
  }

  private static LiveTrust.Aws liveTrust(LiveRole role) {
    Map<String, String> inline = new TreeMap<>();
    role.inlinePolicies().forEach((name, document) -> inline.put(name, document.toString()));
    return new LiveTrust.Aws(
        role.arn(),
        role.trustPolicy().toString(),
        inline,
        role.managedPolicyArns(),
        role.maxSessionDuration().isPresent()
            ? Optional.of(Duration.ofSeconds(role.maxSessionDuration().getAsInt()))
            : Optional.empty());
  }

  private static LiveTrust.Aws liveTrust(DesiredRole desired, LiveRole role) {
    return new LiveTrust.Aws(
        role.arn(),
        desired.trustPolicy().toString(),
        desired
            .inlinePolicy()
            .map(p -> Map.of(DesiredRole.INLINE_POLICY_NAME, p.toString()))
            .orElse(Map.of()),
        desired.managedPolicyArns(),
        Optional.of(Duration.ofSeconds(desired.maxSessionDuration())));
  }

  private CloudOutcome outcome(
      CloudRequest request, AwsTrust trust, AwsIdentityStatus previous, Pass pass) {
    return pass.withLiveTrust(outcomeOf(request, trust, previous, pass));
  }

  private CloudOutcome outcomeOf(
      CloudRequest request, AwsTrust trust, AwsIdentityStatus previous, Pass pass) {
    long previousCorrections =
        previous == null || previous.getDriftCorrections() == null
            ? 0
            : previous.getDriftCorrections();
    String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    if (pass.conflict != null) {
      AwsIdentityStatus status = new AwsIdentityStatus();
      status.setProviderArn(pass.providerArn);
      status.setDriftCorrections(previousCorrections);
      return failure(CloudReason.Conflict, pass.conflict, Optional.empty(), writer(status));
    }
    AwsIdentityStatus status = new AwsIdentityStatus();
    status.setRoleArn(pass.roleArn);
    status.setProviderArn(pass.providerArn);
    status.setLastSyncTime(now);
    if (pass.observe) {
      status.setDriftCorrections(previousCorrections);
      if (pass.differences.isEmpty()) {
        return new CloudOutcome(
            ConditionStatus.True,
            CloudReason.Observed,
            "IAM role " + pass.roleArn + " matches the spec (Observe: nothing is written)",
            writer(status),
            List.of(),
            List.of(),
            Optional.empty(),
            true);
      }
      return new CloudOutcome(
          ConditionStatus.False,
          CloudReason.DriftDetected,
          "Observe: the live state differs from the spec and is left as is: "
              + String.join("; ", pass.differences),
          writer(status),
          List.of(),
          List.of(),
          Optional.empty(),
          true);
    }
    // The spec has not changed since a pass that left everything in sync: whatever had to be
    // written now was changed by someone else.
    boolean drift = wasSynced(request.identity());
    List<String> driftCorrected = drift ? List.copyOf(pass.writes) : List.of();
    status.setDriftCorrections(previousCorrections + driftCorrected.size());
    // adoption and the UID migration are Events, too, but not drift
    List<String> corrections = new ArrayList<>(pass.notices);
    corrections.addAll(driftCorrected);
    driftCorrected.forEach(
        c ->
            log.warn(
                "Drift corrected for {} in account {}: {}", request.owner(), trust.accountId(), c));
    pass.notices.forEach(
        n -> log.info("{} in account {}: {}", request.owner(), trust.accountId(), n));
    if (!drift) {
      pass.writes.forEach(
          w -> log.info("{} in account {}: {}", request.owner(), trust.accountId(), w));
    }
    return CloudOutcome.synced(
            "IAM role "
                + pass.roleArn
                + " is in sync with the spec, trusted through "
                + pass.providerArn,
            writer(status))
        .withCorrections(corrections);
  }

  // -------------------------------------------------------------------------- issuer thumbprints

  @Override
  public ProviderReport keepThumbprints(
      String accountId, String issuerUrl, Function<List<String>, Optional<List<String>>> plan) {
    String arn = providerArn(accountId, issuerUrl);
    // like a pass's provider step: shared with the account's role writes, exclusive of the other
    // provider steps and of cleanup (which may delete the provider)
    AccountLocks locks = accountLocks(accountId);
    locks.shared.readLock().lock();
    locks.snapshot.lock();
    try {
      // the issuer's upkeep, made for no identity: the shared session
      IamGateway iam = accounts.gateway(accountId);
      // read fresh, not from the shared snapshot: this decides a write
      Optional<LiveProvider> live = iam.readProvider(arn);
      if (live.isEmpty()) {
        return report(
            accountId,
            arn,
            ProviderReport.State.Missing,
            List.of(),
            List.of(),
            false,
            List.of(),
            "IAM OIDC provider "
                + arn
                + " does not exist yet (an identity's reconcile creates it)");
      }
      LiveProvider provider = live.get();
      Optional<List<String>> target = plan.apply(provider.thumbprints());
      if (!Ownership.ofProvider(clusterName).owns(provider.tags())) {
        return report(
            accountId,
            arn,
            ProviderReport.State.NotOwned,
            provider.thumbprints(),
            provider.clientIds(),
            false,
            provider.thumbprints(),
            "IAM OIDC provider "
                + arn
                + " is not managed by this operator ("
                + Ownership.describe(provider.tags())
                + "); its thumbprints are left untouched"
                + target.map(t -> " (they should be " + t + ")").orElse(""));
      }
      if (target.isEmpty() || target.get().equals(provider.thumbprints())) {
        return report(
            accountId,
            arn,
            ProviderReport.State.Present,
            provider.thumbprints(),
            provider.clientIds(),
            false,
            provider.thumbprints(),
            "IAM OIDC provider " + arn + " lists " + provider.thumbprints());
      }
      iam.updateThumbprints(arn, target.get());
      snapshots.invalidate(accountId);
      return report(
          accountId,
          arn,
          ProviderReport.State.Present,
          target.get(),
          provider.clientIds(),
          true,
          provider.thumbprints(),
          "thumbprints of IAM OIDC provider "
              + arn
              + " changed from "
              + provider.thumbprints()
              + " to "
              + target.get());
    } catch (AwsFailure failure) {
      snapshots.invalidate(accountId);
      return new ProviderReport(
          accountId,
          arn,
          ProviderReport.State.Failed,
          List.of(),
          List.of(),
          false,
          List.of(),
          failure.kind().reason(),
          failure.getMessage());
    } finally {
      locks.snapshot.unlock();
      locks.shared.readLock().unlock();
    }
  }

  /** The provider's ARN as IAM forms it: the issuer URL without scheme and trailing slash. */
  static String providerArn(String accountId, String issuerUrl) {
    String hostAndPath = issuerUrl.replaceFirst("^https://", "").replaceFirst("/+$", "");
    return "arn:aws:iam::" + accountId + ":oidc-provider/" + hostAndPath;
  }

  private static ProviderReport report(
      String accountId,
      String arn,
      ProviderReport.State state,
      List<String> thumbprints,
      List<String> clientIds,
      boolean written,
      List<String> before,
      String message) {
    return new ProviderReport(
        accountId, arn, state, thumbprints, clientIds, written, before, null, message);
  }

  // ------------------------------------------------------------------------------------ cleanup

  @Override
  public CloudOutcome cleanup(CloudRequest request) {
    CIFederatedIdentity identity = request.identity();
    if (identity.getSpec().getManagementPolicy() == ManagementPolicy.Observe) {
      return CloudOutcome.synced("Observe: the operator created nothing in AWS to remove", s -> {});
    }
    // null when the aws block was removed from the spec: then the status says where things are
    AwsIdentitySpec spec = identity.getSpec().getAws();
    AwsIdentityStatus previous = previousStatus(identity);
    AwsTrust trust = request.trust() == null ? null : request.trust().aws();
    Optional<String> recordedAccount =
        spec != null ? Optional.of(spec.getAccountId()) : Arns.account(previous);
    if (recordedAccount.isEmpty()) {
      return CloudOutcome.synced("no IAM role or provider was recorded for this identity", s -> {});
    }
    String accountId = recordedAccount.get();
    String roleName = roleName(request, spec, trust, previous);
    boolean orphan = request.deletionPolicy() == DeletionPolicy.Orphan;
    Ownership ownership = new Ownership(request.owner(), clusterName, request.uid());
    String recordedArn = recordedRoleArn(previous);
    Set<String> providers = new TreeSet<>();
    if (trust != null) {
      providers.add(trust.providerArn());
    }
    if (previous != null && previous.getProviderArn() != null) {
      providers.add(previous.getProviderArn());
    }

    AccountLocks locks = accountLocks(accountId);
    locks.shared.writeLock().lock();
    try {
      IamGateway iam = accounts.gateway(accountId, Attribution.of(request));
      List<String> done = new ArrayList<>();
      // one fresh bulk read: the named role, and any other role this identity still owns (a
      // roleName changed while the operator was down)
      AccountSnapshot account = iam.readAccount(iamPath);
      Optional<LiveRole> named = account.role(roleName);
      if (named.isEmpty()) {
        done.add("IAM role " + roleName + " does not exist");
      } else {
        Ownership.Verdict verdict =
            ownership.verdict(named.get().tags(), named.get().arn().equals(recordedArn));
        if (!verdict.isOurs()) {
          done.add(
              "IAM role "
                  + roleName
                  + " is not managed by this identity ("
                  + ownership.explain(verdict, named.get().tags())
                  + "): left untouched");
        }
      }
      for (LiveRole role : ownedRoles(account, ownership, recordedArn)) {
        providers.addAll(role.federatedPrincipals());
        done.add(release(iam, role, orphan));
      }
      if (!orphan) {
        done.addAll(releaseProviders(iam, providers));
      }
      String message = String.join("; ", done);
      log.info("Cleanup of {} in account {}: {}", request.owner(), accountId, message);
      return CloudOutcome.synced(message, s -> {});
    } catch (AwsFailure failure) {
      return failure(failure, request, accountId, s -> {});
    } finally {
      // cleanup reads fresh and may write: whatever the account snapshot said is stale now
      snapshots.invalidate(accountId);
      locks.shared.writeLock().unlock();
    }
  }

  private AccountLocks accountLocks(String accountId) {
    return accountLocks.computeIfAbsent(accountId, a -> new AccountLocks());
  }

  /**
   * {@code shared}: held shared by reconcile passes, exclusively by cleanup. {@code snapshot}: one
   * pass at a time reads the account and ensures its provider (taken after {@code shared}).
   */
  private static final class AccountLocks {
    final ReentrantReadWriteLock shared = new ReentrantReadWriteLock();
    final ReentrantLock snapshot = new ReentrantLock();
  }

  /** The role's name from the compiled trust, the spec, the recorded ARN, or derived. */
  private static String roleName(
      CloudRequest request, AwsIdentitySpec spec, AwsTrust trust, AwsIdentityStatus previous) {
    if (trust != null) {
      return trust.roleName();
    }
    if (spec != null && spec.getRoleName() != null && !spec.getRoleName().isBlank()) {
      return spec.getRoleName();
    }
    return Arns.roleName(previous)
        .orElseGet(() -> CloudNames.awsRoleName(request.namespace(), request.name()));
  }

  /**
   * The roles this identity owns: marked with its owner, cluster and UID, or marked before UID
   * marks existed and recorded in its status ({@code recordedArn}).
   */
  private static List<LiveRole> ownedRoles(
      AccountSnapshot account, Ownership ownership, String recordedArn) {
    return account.roles().stream()
        .filter(r -> ownership.verdict(r.tags(), r.arn().equals(recordedArn)).isOurs())
        .toList();
  }

  /** Deletes the role (Delete) or removes only its ownership tags (Orphan); says which. */
  private static String release(IamGateway iam, LiveRole role, boolean orphan) {
    if (orphan) {
      ignoringMissing(() -> iam.untagRole(role.name(), Ownership.MARKS));
      return "IAM role " + role.arn() + " orphaned: kept, ownership tags removed";
    }
    deleteRole(iam, role);
    return "IAM role " + role.arn() + " deleted";
  }

  /** Detach and delete the policies first: IAM refuses to delete a role that still has them. */
  private static void deleteRole(IamGateway iam, LiveRole role) {
    for (String arn : role.managedPolicyArns()) {
      ignoringMissing(() -> iam.detachPolicy(role.name(), arn));
    }
    for (String policy : role.inlinePolicies().keySet()) {
      ignoringMissing(() -> iam.deleteInlinePolicy(role.name(), policy));
    }
    ignoringMissing(() -> iam.deleteRole(role.name()));
  }

  /**
   * Deletes each provider the operator owns that no role in the account trusts any more (read
   * afresh, whoever owns the roles): a shared provider goes with its last user, never before.
   */
  private List<String> releaseProviders(IamGateway iam, Set<String> providerArns) {
    List<String> released = new ArrayList<>();
    if (providerArns.isEmpty()) {
      return released;
    }
    AccountSnapshot fresh = iam.readAccount(iamPath);
    Ownership ownership = Ownership.ofProvider(clusterName);
    for (String arn : providerArns) {
      Optional<LiveProvider> provider = fresh.provider(arn, iam::readProvider);
      if (provider.isEmpty() || !ownership.owns(provider.get().tags())) {
        continue;
      }
      if (fresh.anyRoleTrusts(arn, null)) {
        released.add("IAM OIDC provider " + arn + " kept: other roles trust it");
        continue;
      }
      ignoringMissing(() -> iam.deleteProvider(arn));
      released.add("IAM OIDC provider " + arn + " deleted: no role trusts it any more");
    }
    return released;
  }

  private static void ignoringMissing(Runnable write) {
    try {
      write.run();
    } catch (AwsFailure e) {
      if (e.kind() != Kind.NO_SUCH_ENTITY) {
        throw e;
      }
    }
  }

  @Override
  public void close() {
    accounts.close();
  }

  // ---------------------------------------------------------------------------------- outcomes

  private CloudOutcome failure(
      AwsFailure failure,
      CloudRequest request,
      String accountId,
      Consumer<CIFederatedIdentityStatus> writer) {
    String message = failure.getMessage();
    if (failure.kind() == Kind.DENIED) {
      Optional<String> assumed = settings.assumeRoleArn(accountId);
      if (assumed.isPresent()) {
        message += " (the operator acts in the account as " + assumed.get() + ")";
      }
    }
    // terminal failures wait for a change of the spec or of permissions (and the next resync)
    Optional<Duration> retryAfter =
        !failure.kind().retryable()
            ? Optional.empty()
            : Optional.of(
                jittered(
                    failure.kind() == Kind.THROTTLED
                        ? settings.throttledRetryAfter()
                        : settings.transientRetryAfter()));
    log.warn("AWS {} for {}: {}", failure.kind().reason(), request.owner(), message);
    return failure(failure.kind().reason(), message, retryAfter, writer);
  }

  private static CloudOutcome failure(
      CloudReason reason,
      String message,
      Optional<Duration> retryAfter,
      Consumer<CIFederatedIdentityStatus> writer) {
    return new CloudOutcome(
        ConditionStatus.False, reason, message, writer, List.of(), List.of(), retryAfter, false);
  }

  /** Up to half again as long, so that identities failing together do not retry together. */
  private static Duration jittered(Duration base) {
    return base.plusMillis(ThreadLocalRandom.current().nextLong(base.toMillis() / 2 + 1));
  }

  private static Consumer<CIFederatedIdentityStatus> writer(AwsIdentityStatus aws) {
    return status -> status.setAws(aws);
  }

  /** On a failure the status keeps what the last pass knew (role ARN, corrections). */
  private static Consumer<CIFederatedIdentityStatus> carry(AwsIdentityStatus previous) {
    return status -> status.setAws(previous);
  }

  private static AwsIdentityStatus previousStatus(CIFederatedIdentity identity) {
    return identity.getStatus() == null ? null : identity.getStatus().getAws();
  }

  /** The reason of the AWSReady condition the last pass left. */
  private static Optional<CloudReason> previousReason(CIFederatedIdentity identity) {
    CIFederatedIdentityStatus status = identity.getStatus();
    if (status == null || status.getConditions() == null) {
      return Optional.empty();
    }
    return status.getConditions().stream()
        .filter(c -> ConditionType.AWSReady.name().equals(c.getType()))
        .findFirst()
        .flatMap(
            c -> {
              try {
                return Optional.of(CloudReason.valueOf(c.getReason()));
              } catch (IllegalArgumentException | NullPointerException unknown) {
                return Optional.empty();
              }
            });
  }

  /** The last pass saw this generation and left AWS in sync. */
  private static boolean wasSynced(CIFederatedIdentity identity) {
    CIFederatedIdentityStatus status = identity.getStatus();
    if (status == null
        || !Objects.equals(
            status.getObservedGeneration(), identity.getMetadata().getGeneration())) {
      return false;
    }
    return status.getConditions().stream()
        .anyMatch(
            c ->
                ConditionType.AWSReady.name().equals(c.getType())
                    && CloudReason.Synced.name().equals(c.getReason()));
  }

  /** What one pass found and did. */
  private static final class Pass {
    final boolean observe;

    /** status.aws.roleArn: the role this identity recorded as its own in an earlier pass */
    final String recordedRoleArn;

    final boolean adoptExisting;
    final List<String> adoptable;
    final List<String> writes = new ArrayList<>();

    /** adoption and migration of ownership marks: Events, not drift */
    final List<String> notices = new ArrayList<>();

    final List<String> differences = new ArrayList<>();
    String conflict;
    String roleArn;
    String providerArn;
    LiveTrust.Aws liveTrust;

    /** The outcome with the live trust read in this pass attached, for the guardrails. */
    CloudOutcome withLiveTrust(CloudOutcome outcome) {
      return liveTrust == null ? outcome : outcome.withLiveTrust(liveTrust);
    }

    Pass(boolean observe, String recordedRoleArn, boolean adoptExisting, List<String> adoptable) {
      this.observe = observe;
      this.recordedRoleArn = recordedRoleArn;
      this.adoptExisting = adoptExisting;
      this.adoptable = adoptable;
    }

    void notice(String what) {
      notices.add(what);
    }

    void wrote(String what) {
      writes.add(what);
    }

    void differs(String what) {
      differences.add(what);
    }

    void conflict(String what) {
      conflict = what;
    }
  }
}
