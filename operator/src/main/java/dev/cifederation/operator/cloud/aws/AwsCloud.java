package dev.cifederation.operator.cloud.aws;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.api.v1alpha1.AwsIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.AwsIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.ConditionStatus;
import dev.cifederation.operator.api.v1alpha1.DeletionPolicy;
import dev.cifederation.operator.api.v1alpha1.ManagementPolicy;
import dev.cifederation.operator.cloud.Attribution;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudAdapter;
import dev.cifederation.operator.cloud.CloudFailure;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.OidcProviders;
import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.cloud.Owner.Verdict;
import dev.cifederation.operator.cloud.ProviderReport;
import dev.cifederation.operator.cloud.RetryPolicy;
import dev.cifederation.operator.cloud.ScopeBreakers;
import dev.cifederation.operator.cloud.ScopeScans;
import dev.cifederation.operator.cloud.ScopeScans.Watched;
import dev.cifederation.operator.cloud.aws.AwsFailure.Kind;
import dev.cifederation.operator.cloud.aws.AwsPlan.ProviderStep;
import dev.cifederation.operator.cloud.aws.AwsPlan.ProviderWrite;
import dev.cifederation.operator.cloud.aws.AwsPlan.RoleStep;
import dev.cifederation.operator.config.OperatorConfig;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.trust.AwsTrust;
import dev.cifederation.operator.trust.CloudNames;
import dev.cifederation.operator.trust.LiveTrust;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * The AWS adapter: per identity, the account's IAM OIDC provider for the issuer (shared, created
 * when missing, deleted with the last role that trusts it) and the identity's IAM role, kept at the
 * compiled trust policy and the declared permissions. A pass is {@link CloudAdapter}'s:
 *
 * <ol>
 *   <li>{@link #observe}: the account's bulk snapshot, read once per resync on a schedule ({@link
 *       ScopeScans}) and shared by the passes of its identities, so a pass makes no IAM read; a
 *       scan that finds an identity's role changed triggers that identity at once;
 *   <li>{@link #plan}: {@link PassPlanner}, pure — only the difference, compared semantically;
 *   <li>{@link #apply}: the plan's writes, recorded in the snapshot, so N identities created
 *       together cost one bulk read, not N;
 *   <li>{@link #report}: the condition and the {@link AwsIdentityStatus} block.
 * </ol>
 *
 * Passes share the account ({@link AccountLocks}): one at a time reads it and decides and writes
 * its shared provider, each identity's role is written in parallel, and cleanup has the account to
 * itself. Whose an object is, is {@link Owner}'s rule on the tags ({@link OwnershipTags}); any
 * other's is a Conflict and never modified or deleted, unless the identity asks to adopt it and a
 * policy grants it ({@link Adoption}). A revoked identity only withdraws the trust of the role its
 * status records ({@link TrustWithdrawal}), creating nothing.
 */
public final class AwsCloud extends CloudAdapter<AwsIdentityStatus, AccountView, AwsPlan>
    implements OidcProviders, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AwsCloud.class);

  private final AwsSettings settings;
  private final IamAccounts accounts;
  private final ScopeScans<AccountSnapshot> snapshots;
  private final AccountLocks locks = new AccountLocks();
  private final ProviderThumbprints providerThumbprints;
  private final ThumbprintSource thumbprints;
  private final String iamPath;
  private final String clusterName;

  /**
   * @param credentials the base credentials: the default chain in production, static ones for an
   *     emulator in tests; with an assume-role template they only assume the per-account role
   * @param retries when a failed pass is tried again; its resync also bounds how long a bulk read
   *     of an account is reused and how long the account's breaker pauses
   */
  public AwsCloud(
      AwsSettings settings,
      AwsCredentialsProvider credentials,
      ThumbprintSource thumbprints,
      String iamPath,
      String clusterName,
      RetryPolicy retries,
      MeterRegistry registry,
      Clock clock) {
    super(Cloud.AWS, AwsIdentityStatus.class, retries, clock);
    this.settings = settings;
    this.accounts =
        new IamAccounts(
            settings,
            credentials,
            // breaker hook: every IAM/STS call passes its account's breaker
            new CloudCalls(registry, Cloud.AWS.name())
                .withGate(AwsFailure.breakers(retries.resync(), registry, clock)),
            clock);
    // each account read once per resync on a schedule; passes are served from that read
    this.snapshots = new ScopeScans<>(Cloud.AWS, retries.resync(), clock, this::scanAccount);
    this.providerThumbprints = new ProviderThumbprints(accounts, locks, snapshots, clusterName);
    this.thumbprints = thumbprints;
    this.iamPath = iamPath;
    this.clusterName = clusterName;
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
        RetryPolicy.forResync(config.resyncInterval()),
        registry,
        clock);
  }

  // --------------------------------------------------------------------------------------- pass

  @Override
  protected String scopeOf(CloudRequest request) {
    return accountOf(request).orElse(null);
  }

  @Override
  protected Optional<String> trustMissing(CloudRequest request) {
    return trustOf(request).isPresent()
        ? Optional.empty()
        : Optional.of("spec.aws could not be compiled into a trust policy");
  }

  @Override
  protected CloudOutcome aroundPass(
      Attempt<AwsIdentityStatus> attempt, Supplier<CloudOutcome> pass) {
    return sharingAccount(trust(attempt.request()).accountId(), pass);
  }

  /**
   * The provider for the issuer and the role of the spec's name, from the account's snapshot. Takes
   * the account's provider lock, held until apply has written the provider.
   */
  @Override
  protected AccountView observe(Attempt<AwsIdentityStatus> attempt) {
    Intent intent = intent(attempt);
    String accountId = intent.trust().accountId();
    IamGateway iam = gateway(attempt.request(), accountId);
    locks.lockProvider(accountId);
    AccountSnapshot snapshot = snapshots.view(accountId);
    snapshots.watch(
        attempt.request().owner(), Set.of(new Watched(accountId, intent.role().name())));
    return new AccountView(
        snapshot.provider(intent.trust().providerArn(), iam::readProvider),
        snapshot.role(intent.role().name()).map(role -> complete(iam, intent, role)),
        snapshot.rolesMarkedFor(intent.owner(), intent.recordedRoleArn()));
  }

  /**
   * A role outside the operator's IAM path has no session limit in the bulk read: it is read on its
   * own, when the pass may act on it (never a foreign role's details).
   */
  private static LiveRole complete(IamGateway iam, Intent intent, LiveRole role) {
    if (role.maxSessionDuration().isPresent() || !PassPlanner.mayActOn(intent, role)) {
      return role;
    }
    return iam.readRole(role.name()).orElse(role);
  }

  @Override
  protected AwsPlan plan(Attempt<AwsIdentityStatus> attempt, AccountView live) {
    return PassPlanner.plan(intent(attempt), live);
  }

  /** The provider first (then the account is the other passes' again), the role, old roles. */
  @Override
  protected List<String> apply(Attempt<AwsIdentityStatus> attempt, AwsPlan plan) {
    if (plan.conflict().isPresent()) {
      // nothing half-made: a pass that ends Conflict writes nothing, not even the provider
      return List.of();
    }
    Intent intent = plan.intent();
    String accountId = intent.trust().accountId();
    IamGateway iam = gateway(attempt.request(), accountId);
    List<String> writes = new ArrayList<>();
    writeProvider(iam, intent, plan.provider(), writes);
    if (!writes.isEmpty()) {
      snapshots.invalidate(accountId);
    }
    locks.releaseProvider(accountId);
    plan.role().ifPresent(role -> writeRole(iam, intent, role, writes));
    for (LiveRole superseded : plan.superseded()) {
      writes.add(
          Releases.release(iam, superseded, intent.orphan())
              + " (spec.aws.roleName is now "
              + intent.role().name()
              + ")");
      snapshots.invalidate(accountId);
    }
    return writes;
  }

  @Override
  protected CloudOutcome report(
      Attempt<AwsIdentityStatus> attempt, AccountView live, AwsPlan plan, List<String> writes) {
    AwsIdentityStatus block = new AwsIdentityStatus();
    if (plan.conflict().isPresent()) {
      block.setProviderArn(plan.provider().existing().orElse(null));
      block.setDriftCorrections(attempt.previous().driftCorrections());
      return CloudOutcome.failed(CloudReason.Conflict, plan.conflict().get()).block(block).build();
    }
    String roleArn = plan.role().map(RoleStep::arn).orElse(null);
    String providerArn = plan.provider().arn().orElse(null);
    Optional<LiveTrust.Aws> liveTrust = plan.role().map(RoleStep::liveTrust);
    block.setRoleArn(roleArn);
    block.setProviderArn(providerArn);
    block.setLastSyncTime(now());
    if (plan.intent().observe()) {
      block.setDriftCorrections(attempt.previous().driftCorrections());
      if (!plan.notices().isEmpty()) {
        // a role to be adopted is not this identity's yet: a recorded ARN is ownership evidence
        block.setRoleArn(null);
      }
      // under Observe a notice is what Enforce would adopt: said, never written
      String adoptable = plan.notices().isEmpty() ? "" : ". " + String.join("; ", plan.notices());
      CloudOutcome.Builder observed =
          plan.differences().isEmpty()
              ? CloudOutcome.of(
                  ConditionStatus.True,
                  CloudReason.Observed,
                  "IAM role "
                      + roleArn
                      + " matches the spec (Observe: nothing is written)"
                      + adoptable)
              : CloudOutcome.failed(
                      CloudReason.DriftDetected,
                      "Observe: the live state differs from the spec and is left as is: "
                          + String.join("; ", plan.differences())
                          + adoptable)
                  .done(true);
      return observed.block(block).liveTrust(liveTrust).build();
    }
    // The spec has not changed since a pass that left everything in sync: whatever had to be
    // written now was changed by someone else.
    List<String> driftCorrected = attempt.differenceIsDrift() ? writes : List.of();
    block.setDriftCorrections(attempt.correctionsAfter(writes));
    String owner = attempt.request().owner();
    String accountId = plan.intent().trust().accountId();
    driftCorrected.forEach(
        c -> log.warn("Drift corrected for {} in account {}: {}", owner, accountId, c));
    plan.notices().forEach(n -> log.info("{} in account {}: {}", owner, accountId, n));
    if (driftCorrected.isEmpty()) {
      writes.forEach(w -> log.info("{} in account {}: {}", owner, accountId, w));
    }
    // adoption and the UID migration are Events, too, but not drift
    List<String> corrections = new ArrayList<>(plan.notices());
    corrections.addAll(driftCorrected);
    return CloudOutcome.synced(
            "IAM role " + roleArn + " is in sync with the spec, trusted through " + providerArn)
        .block(block)
        .corrections(corrections)
        .liveTrust(liveTrust)
        .build();
  }

  // ------------------------------------------------------------------------------------- writes

  private void writeProvider(
      IamGateway iam, Intent intent, ProviderStep step, List<String> writes) {
    if (step.write().isEmpty()) {
      return;
    }
    AwsTrust trust = intent.trust();
    String arn = trust.providerArn();
    if (step.write().get() == ProviderWrite.ADD_CLIENT_ID) {
      iam.addClientId(arn, trust.audience());
      writes.add("client ID " + trust.audience() + " added to IAM OIDC provider " + arn);
      return;
    }
    try {
      iam.createProvider(
          trust.providerUrl(),
          List.of(trust.audience()),
          thumbprints.thumbprints(trust),
          OwnershipTags.tags(intent.providerOwner()));
      writes.add("IAM OIDC provider " + arn + " created");
    } catch (AwsFailure e) {
      if (e.kind() != Kind.ALREADY_EXISTS) {
        throw e;
      }
      // created since the account was read (e.g. by another operator instance): decided again
      LiveProvider found =
          iam.readProvider(arn)
              .orElseThrow(
                  () ->
                      new AwsFailure(
                          Kind.TRANSIENT,
                          e.operation(),
                          null,
                          "IAM OIDC provider " + arn + " is in flux"));
      // the account's scan did not see it and may not for a whole interval: read the account
      // again, or every later pass of the account would try to create it too
      snapshots.invalidate(trust.accountId());
      PassPlanner.Decision<ProviderStep> again = PassPlanner.provider(intent, found);
      if (again.conflict().isPresent()) {
        throw new AwsFailure(Kind.CONFLICT, e.operation(), null, again.conflict().get());
      }
      again.step().ifPresent(existing -> writeProvider(iam, intent, existing, writes));
    }
  }

  private void writeRole(IamGateway iam, Intent intent, RoleStep role, List<String> writes) {
    DesiredRole desired = intent.role();
    List<RoleChange> changes = role.changes();
    LiveRole after = role.after();
    if (role.create()) {
      Optional<RoleStep> found = createRole(iam, intent, writes);
      if (found.isPresent()) {
        changes = found.get().changes();
        after = found.get().after();
      }
    }
    if (!role.marks().isEmpty()) {
      iam.tagRole(desired.name(), role.marks());
    }
    for (RoleChange change : changes) {
      try {
        iam.apply(desired, change);
      } catch (AwsFailure e) {
        throw change instanceof RoleChange.UpdateTrustPolicy ? compiledTrustRejected(e) : e;
      }
      writes.add("IAM role " + desired.name() + ": " + change.describe());
    }
    if (role.writes()) {
      // every write succeeded: the snapshot learns the role as it now is, instead of the whole
      // account being read again for the next identity (an O(N) read per identity at creation)
      record(intent.trust().accountId(), after);
    }
  }

  /**
   * Creates the role. Empty when it did; the step for the role as found when one of the spec's name
   * appeared since the account was read (an earlier run of the operator created it with its tags
   * and stopped, or someone else made it) and is this identity's: the pass finishes it. One that is
   * not is a Conflict, as it would have been had the read seen it; one to adopt or re-mark, or at
   * another ARN, is judged on the next pass, from a fresh read.
   */
  private static Optional<RoleStep> createRole(IamGateway iam, Intent intent, List<String> writes) {
    String name = intent.role().name();
    LiveRole created;
    try {
      created = iam.createRole(intent.role());
    } catch (AwsFailure e) {
      if (e.kind() != Kind.ALREADY_EXISTS) {
        throw compiledTrustRejected(e);
      }
      LiveRole found =
          iam.readRole(name)
              .orElseThrow(
                  () ->
                      new AwsFailure(
                          Kind.TRANSIENT, e.operation(), null, "IAM role " + name + " in flux"));
      PassPlanner.Decision<RoleStep> again = PassPlanner.role(intent, found);
      if (again.conflict().isPresent()) {
        throw new AwsFailure(Kind.CONFLICT, e.operation(), null, again.conflict().get());
      }
      RoleStep step = again.step().orElseThrow();
      if (!step.marks().isEmpty() || !found.arn().equals(intent.roleArn())) {
        throw new AwsFailure(
            Kind.TRANSIENT,
            e.operation(),
            null,
            "IAM role "
                + found.arn()
                + " appeared since the account was read; it is judged on the next pass");
      }
      return Optional.of(step);
    }
    writes.add("IAM role " + created.arn() + " created");
    if (!created.arn().equals(intent.roleArn())) {
      throw new AwsFailure(
          Kind.TRANSIENT,
          "CreateRole",
          null,
          "IAM role created as " + created.arn() + ", not " + intent.roleArn() + "; read again");
    }
    return Optional.empty();
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

  // --------------------------------------------------------------------------------- revocation

  /**
   * Withdraws the trust in place: the role this identity's status records (whatever the spec now
   * names) gets a trust policy that admits no web identity; the role, its RoleId and permissions
   * stay, so a resume brings the same ARN back. Nothing is created, a role our marks do not confirm
   * is not touched, and a second pass writes nothing. Under Observe it only reports.
   */
  @Override
  protected CloudOutcome withdraw(Attempt<AwsIdentityStatus> attempt) {
    String why = attempt.request().revocation().orElseThrow().message();
    AwsIdentityStatus recorded = attempt.previousBlock().orElse(null);
    Optional<String> roleName = Arns.roleName(recorded);
    if (roleName.isEmpty()) {
      return revoked(
          attempt,
          "no IAM role is recorded for this identity, so there is no trust to withdraw ("
              + why
              + ")",
          List.of(),
          Optional.empty());
    }
    String accountId = Arns.account(recorded).orElseThrow();
    return sharingAccount(
        accountId, () -> withdraw(attempt, recorded, accountId, roleName.get(), why));
  }

  private CloudOutcome withdraw(
      Attempt<AwsIdentityStatus> attempt,
      AwsIdentityStatus recorded,
      String accountId,
      String roleName,
      String why) {
    CloudRequest request = attempt.request();
    IamGateway iam = gateway(request, accountId);
    // read fresh, not from the shared snapshot: this decides a write, and it is the incident
    // button — an out-of-band change since the last bulk read must not survive it
    Optional<LiveRole> found = iam.readRole(roleName);
    if (found.isEmpty()) {
      return revoked(
          attempt,
          "IAM role "
              + recorded.getRoleArn()
              + " no longer exists, so there is no trust to withdraw ("
              + why
              + ")",
          List.of(),
          Optional.empty());
    }
    LiveRole live = found.get();
    Owner owner = owner(request);
    Verdict verdict = OwnershipTags.judge(owner, live, recorded.getRoleArn());
    if (!verdict.isOurs()) {
      return CloudOutcome.failed(
              CloudReason.Conflict,
              "IAM role "
                  + live.arn()
                  + " is recorded in status but not managed by this identity ("
                  + OwnershipTags.explain(owner, verdict, live.tags())
                  + "): its trust is not this operator's to withdraw, and it is left untouched ("
                  + why
                  + ")")
          .block(recorded)
          .build();
    }
    Set<String> providers = live.federatedPrincipals();
    if (providers.isEmpty() && recorded.getProviderArn() != null) {
      providers = Set.of(recorded.getProviderArn());
    }
    boolean withdrawn = TrustWithdrawal.isWithdrawn(live.trustPolicy(), providers);
    if (request.observeOnly()) {
      if (withdrawn) {
        return revoked(
            attempt,
            "IAM role " + live.arn() + " admits no web identity token (Observe; " + why + ")",
            List.of(),
            Optional.of(live.asLiveTrust()));
      }
      return CloudOutcome.failed(
              CloudReason.DriftDetected,
              "Observe: the trust of IAM role "
                  + live.arn()
                  + " is to be withdrawn ("
                  + why
                  + "), but nothing is written; the role still admits what its trust policy"
                  + " allows")
          .block(recorded)
          .liveTrust(live.asLiveTrust())
          .build();
    }
    List<String> notices = new ArrayList<>();
    if (verdict.needsMarks()) {
      Map<String, String> marks = OwnershipTags.missing(owner, live.tags());
      iam.tagRole(live.name(), marks);
      live = live.withTags(marks);
      notices.add(OwnershipTags.marksWritten(live.arn(), verdict, marks));
    }
    if (withdrawn) {
      return revoked(
          attempt,
          "trust withdrawn: IAM role "
              + live.arn()
              + " admits no web identity token; the role, its RoleId and permissions are kept ("
              + why
              + ")",
          notices,
          Optional.of(live.asLiveTrust()));
    }
    ObjectNode document = TrustWithdrawal.document(providers);
    iam.updateTrustPolicy(live.name(), document);
    live = live.withTrustPolicy(document);
    record(accountId, live);
    String wrote =
        "trust withdrawn: the trust policy of IAM role "
            + live.arn()
            + " now admits no web identity token; the role, its RoleId and permissions are kept";
    log.info("{} in account {}: {} ({})", request.owner(), accountId, wrote, why);
    if (attempt.previous().ended(CloudReason.Revoked)) {
      // it was withdrawn already: someone gave the trust back by hand
      notices.add("IAM role " + live.arn() + ": trust changed while revoked, withdrawn again");
    }
    return revoked(attempt, wrote + " (" + why + ")", notices, Optional.of(live.asLiveTrust()));
  }

  /** Status False, reason Revoked; the status block kept as recorded (the ids do not change). */
  private CloudOutcome revoked(
      Attempt<AwsIdentityStatus> attempt,
      String message,
      List<String> notices,
      Optional<LiveTrust.Aws> liveTrust) {
    AwsIdentityStatus block = attempt.previousBlock().map(this::resynced).orElse(null);
    return CloudOutcome.of(ConditionStatus.False, CloudReason.Revoked, message)
        .done(true)
        .block(block)
        .corrections(notices)
        .liveTrust(liveTrust)
        .build();
  }

  private AwsIdentityStatus resynced(AwsIdentityStatus recorded) {
    AwsIdentityStatus copy = new AwsIdentityStatus();
    copy.setRoleArn(recorded.getRoleArn());
    copy.setProviderArn(recorded.getProviderArn());
    copy.setDriftCorrections(recorded.getDriftCorrections());
    copy.setLastSyncTime(now());
    return copy;
  }

  // ------------------------------------------------------------------------------------ release

  /**
   * Deletes (Delete) or unmarks (Orphan) the role of the spec's name and every other role this
   * identity still owns, then each provider they trusted that no role trusts any more. Reads fresh,
   * with the account to itself.
   */
  @Override
  protected CloudOutcome release(Attempt<AwsIdentityStatus> attempt) {
    snapshots.forget(attempt.request().owner());
    CloudRequest request = attempt.request();
    if (request.identity().getSpec().getManagementPolicy() == ManagementPolicy.Observe) {
      return CloudOutcome.synced("Observe: the operator created nothing in AWS to remove").build();
    }
    Optional<String> account = accountOf(request);
    if (account.isEmpty()) {
      return CloudOutcome.synced("no IAM role or provider was recorded for this identity").build();
    }
    String accountId = account.get();
    AwsIdentityStatus recorded = attempt.previousBlock().orElse(null);
    String recordedArn = recorded == null ? null : recorded.getRoleArn();
    String roleName = roleName(request, recorded);
    boolean orphan = request.deletionPolicy() == DeletionPolicy.Orphan;
    Owner owner = owner(request);
    Set<String> providers = new TreeSet<>();
    trustOf(request).ifPresent(trust -> providers.add(trust.providerArn()));
    if (recorded != null && recorded.getProviderArn() != null) {
      providers.add(recorded.getProviderArn());
    }
    return locks.exclusive(
        accountId,
        () -> {
          try {
            IamGateway iam = gateway(request, accountId);
            List<String> done = new ArrayList<>();
            // one fresh bulk read: the named role, and any other role this identity still owns (a
            // roleName changed while the operator was down)
            AccountSnapshot fresh = iam.readAccount(iamPath);
            Optional<LiveRole> named = fresh.role(roleName);
            if (named.isEmpty()) {
              done.add("IAM role " + roleName + " does not exist");
            } else {
              Verdict verdict = OwnershipTags.judge(owner, named.get(), recordedArn);
              if (!verdict.isOurs()) {
                done.add(
                    "IAM role "
                        + roleName
                        + " is not managed by this identity ("
                        + OwnershipTags.explain(owner, verdict, named.get().tags())
                        + "): left untouched");
              }
            }
            for (LiveRole role : fresh.roles()) {
              if (OwnershipTags.judge(owner, role, recordedArn).isOurs()) {
                providers.addAll(role.federatedPrincipals());
                done.add(Releases.release(iam, role, orphan));
              }
            }
            if (!orphan && !providers.isEmpty()) {
              done.addAll(
                  Releases.releaseProviders(
                      iam,
                      iam.readAccount(iamPath),
                      providers,
                      OwnershipTags.ofProvider(clusterName)));
            }
            String message = String.join("; ", done);
            log.info("Cleanup of {} in account {}: {}", request.owner(), accountId, message);
            return CloudOutcome.synced(message).build();
          } finally {
            // cleanup reads fresh and may write: whatever the account snapshot said is stale now
            snapshots.invalidate(accountId);
          }
        });
  }

  /** The role's name from the compiled trust, the spec, the recorded ARN, or derived. */
  private static String roleName(CloudRequest request, AwsIdentityStatus recorded) {
    Optional<AwsTrust> trust = trustOf(request);
    if (trust.isPresent()) {
      return trust.get().roleName();
    }
    AwsIdentitySpec spec = request.identity().getSpec().getAws();
    if (spec != null && spec.getRoleName() != null && !spec.getRoleName().isBlank()) {
      return spec.getRoleName();
    }
    return Arns.roleName(recorded)
        .orElseGet(() -> CloudNames.awsRoleName(request.namespace(), request.name()));
  }

  // ---------------------------------------------------------------------------- issuer upkeep

  @Override
  public ProviderReport keepThumbprints(
      String accountId, String issuerUrl, Function<List<String>, Optional<List<String>>> plan) {
    return providerThumbprints.keep(accountId, issuerUrl, plan);
  }

  @Override
  public void scanScopes(ScopeScans.DriftListener listener) {
    snapshots.onDrift(listener);
    snapshots.start();
  }

  /** One scheduled (or first) read of an account: its roles and providers, in a few bulk calls. */
  private AccountSnapshot scanAccount(String accountId) {
    ScopeBreakers.enter(Cloud.AWS, accountId);
    return accounts.gateway(accountId).readAccount(iamPath);
  }

  /** The pass's own role write, learnt by the account's view instead of a new read. */
  private void record(String accountId, LiveRole role) {
    snapshots.record(accountId, role.name(), snapshot -> snapshot.put(role));
  }

  /** The scheduled scans due now; for tests, which run no schedule. */
  List<String> scanDueAccounts() {
    return snapshots.runDue();
  }

  @Override
  public void close() {
    snapshots.close();
    accounts.close();
  }

  // ----------------------------------------------------------------------------------- helpers

  /** A refusal names the role the operator acts as in the account, when it assumes one. */
  @Override
  protected CloudOutcome failed(Attempt<AwsIdentityStatus> attempt, CloudFailure failure) {
    Optional<String> assumed = accountOf(attempt.request()).flatMap(settings::assumeRoleArn);
    if (failure instanceof AwsFailure aws && aws.kind() == Kind.DENIED && assumed.isPresent()) {
      failure =
          aws.withMessage(
              aws.getMessage() + " (the operator acts in the account as " + assumed.get() + ")");
    }
    return super.failed(attempt, failure);
  }

  /**
   * Runs a pass or a withdrawal sharing the account with the other passes; a failed one drops the
   * account's snapshot, since a failed write may still have happened (e.g. a timeout after IAM
   * applied it).
   */
  private CloudOutcome sharingAccount(String accountId, Supplier<CloudOutcome> pass) {
    return locks.sharing(
        accountId,
        () -> {
          try {
            return pass.get();
          } catch (CloudFailure failure) {
            snapshots.invalidate(accountId);
            throw failure;
          }
        });
  }

  private Intent intent(Attempt<AwsIdentityStatus> attempt) {
    CloudRequest request = attempt.request();
    AwsTrust trust = trust(request);
    Owner owner = owner(request);
    DesiredRole role = DesiredRole.of(trust, request.identity().getSpec().getAws(), iamPath, owner);
    return new Intent(
        trust,
        role,
        Arns.role(trust.accountId(), iamPath, role.name()),
        owner,
        attempt.previousBlock().map(AwsIdentityStatus::getRoleArn).orElse(null),
        request.identity().getSpec().isAdoptExisting(),
        request.grants().adoptable(),
        request.observeOnly(),
        request.deletionPolicy() == DeletionPolicy.Orphan);
  }

  private Owner owner(CloudRequest request) {
    return new Owner(request.owner(), clusterName, request.uid());
  }

  /** The identity's calls to the account, its writes attributed to it. */
  private IamGateway gateway(CloudRequest request, String accountId) {
    return accounts.gateway(accountId, Attribution.of(request));
  }

  private static Optional<AwsTrust> trustOf(CloudRequest request) {
    return Optional.ofNullable(request.trust()).map(trust -> trust.aws());
  }

  private static AwsTrust trust(CloudRequest request) {
    return trustOf(request).orElseThrow();
  }

  /**
   * The account the identity's calls go to: a revoked identity's is the one its status records
   * (never where a changed spec now points); otherwise the spec's, or the recorded one once the aws
   * block is gone from the spec.
   */
  private static Optional<String> accountOf(CloudRequest request) {
    Optional<AwsIdentityStatus> recorded =
        request.previous(Cloud.AWS).status(AwsIdentityStatus.class);
    if (request.revoked()) {
      return recorded.flatMap(Arns::account);
    }
    Optional<AwsTrust> trust = trustOf(request);
    if (trust.isPresent()) {
      return Optional.of(trust.get().accountId());
    }
    AwsIdentitySpec spec =
        request.identity().getSpec() == null ? null : request.identity().getSpec().getAws();
    if (spec != null && spec.getAccountId() != null) {
      return Optional.of(spec.getAccountId());
    }
    return recorded.flatMap(Arns::account);
  }
}
