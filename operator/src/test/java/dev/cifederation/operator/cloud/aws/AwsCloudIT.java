package dev.cifederation.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIIssuerSpec;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.ConditionStatus;
import dev.cifederation.operator.api.v1alpha1.IssuerDialect;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.aws.FaultInjectingProxy.Fault;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.testsupport.Passes;
import dev.cifederation.operator.trust.CompiledTrust;
import dev.cifederation.operator.trust.IssuerInfo;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.iam.model.Tag;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * The AWS adapter through the real SDK against a real moto_server (behind a fault-injecting proxy),
 * without Kubernetes: each test drives passes by hand, carrying the status between them as the
 * identity reconciler does. The operator-in-the-loop scenarios are in {@link AwsOperatorIT}.
 */
class AwsCloudIT {

  static final String ACCOUNT = "123456789012";
  static final String OTHER_ACCOUNT = "111111111111";
  static final String PROVIDER_ARN =
      "arn:aws:iam::" + ACCOUNT + ":oidc-provider/token.actions.githubusercontent.com";
  static final StaticCredentialsProvider TEST_CREDENTIALS =
      StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));

  /** Every IAM operation that changes something. */
  static final Set<String> WRITES =
      Set.of(
          "CreateOpenIDConnectProvider",
          "AddClientIDToOpenIDConnectProvider",
          "UpdateOpenIDConnectProviderThumbprint",
          "DeleteOpenIDConnectProvider",
          "CreateRole",
          "UpdateAssumeRolePolicy",
          "AttachRolePolicy",
          "DetachRolePolicy",
          "PutRolePolicy",
          "DeleteRolePolicy",
          "UpdateRole",
          "PutRolePermissionsBoundary",
          "DeleteRolePermissionsBoundary",
          "TagRole",
          "UntagRole",
          "DeleteRole");

  private static final Duration RESYNC = Duration.ofMinutes(10);
  static final Set<String> BULK_READS =
      Set.of(
          "ListRoles",
          "GetAccountAuthorizationDetails",
          "ListOpenIDConnectProviders",
          "GetOpenIDConnectProvider");

  private static MotoServer moto;
  private static FaultInjectingProxy proxy;
  private static IamClient admin;

  private final TestClock clock = new TestClock();
  private SimpleMeterRegistry registry;
  private CloudCalls calls;
  private AwsCloud aws;
  private String deployPolicyArn;
  private String boundaryArn;

  @BeforeAll
  static void startMoto() {
    moto = MotoServer.start();
    proxy = new FaultInjectingProxy(moto.endpoint());
    admin = AwsTestSupport.iamClient(moto.endpoint(), TEST_CREDENTIALS);
  }

  @AfterAll
  static void stopMoto() {
    admin.close();
    proxy.close();
    moto.close();
  }

  @BeforeEach
  void freshAccountAndOperator() {
    moto.reset();
    proxy.reset();
    deployPolicyArn = AwsTestSupport.createPolicy(admin, "deploy");
    boundaryArn = AwsTestSupport.createPolicy(admin, "ci-boundary");
    aws = newAdapter(AwsSettings.defaults(Optional.empty(), Optional.empty()));
  }

  @AfterEach
  void closeAdapter() {
    aws.close();
  }

  private AwsCloud newAdapter(AwsSettings base) {
    registry = new SimpleMeterRegistry();
    calls = new CloudCalls(registry, Cloud.AWS.name());
    AwsSettings settings =
        new AwsSettings(
            Optional.of(proxy.endpoint()),
            Optional.of(proxy.endpoint()),
            "us-east-1",
            base.assumeRoleArnTemplate(),
            3,
            Duration.ofMillis(10),
            Duration.ofMillis(20),
            Duration.ofMillis(100));
    return new AwsCloud(
        settings,
        TEST_CREDENTIALS,
        ThumbprintSource.notRequired(),
        "/cifederation/",
        "test-cluster",
        AwsTestSupport.quickRetries(RESYNC),
        registry,
        clock);
  }

  // ------------------------------------------------------------------------------------ create

  @Test
  void firstPassCreatesTheProviderAndARoleWithExactlyTheDeclaredState() {
    CIFederatedIdentity identity = identity("deploy", fullSpec());

    CloudOutcome outcome = reconcile(identity);

    assertThat(outcome.reason()).as(outcome.message()).isEqualTo(CloudReason.Synced);
    assertThat(outcome.status()).isEqualTo(ConditionStatus.True);
    assertThat(outcome.corrections()).as("creation is not drift").isEmpty();
    var status = identity.getStatus().getAws();
    assertThat(status.getRoleArn())
        .isEqualTo("arn:aws:iam::" + ACCOUNT + ":role/cifederation/cifed-team-a_deploy");
    assertThat(status.getProviderArn()).isEqualTo(PROVIDER_ARN);
    assertThat(status.getDriftCorrections()).isZero();
    assertThat(Instant.parse(status.getLastSyncTime()))
        .isEqualTo(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));

    Role role = admin.getRole(r -> r.roleName("cifed-team-a_deploy")).role();
    assertThat(
            PolicyDocuments.equivalent(
                PolicyDocuments.parse(role.assumeRolePolicyDocument()),
                compile(identity).aws().trustPolicy()))
        .as("the live trust policy is exactly the compiled one")
        .isTrue();
    assertThat(role.path()).isEqualTo("/cifederation/");
    assertThat(role.maxSessionDuration()).isEqualTo(7200);
    assertThat(role.permissionsBoundary().permissionsBoundaryArn()).isEqualTo(boundaryArn);
    assertThat(tags(role.tags()))
        .containsEntry("cifederation.dev/owner", "team-a/deploy")
        .containsEntry("cifederation.dev/cluster", "test-cluster")
        .containsEntry("cifederation.dev/uid", identity.getMetadata().getUid());
    assertThat(attached("cifed-team-a_deploy")).containsExactly(deployPolicyArn);
    assertThat(admin.listRolePolicies(r -> r.roleName("cifed-team-a_deploy")).policyNames())
        .containsExactly("cifederation");
    assertThat(
            PolicyDocuments.equivalent(
                inline("cifed-team-a_deploy"), PolicyDocuments.parse(INLINE_JSON)))
        .isTrue();

    var provider = admin.getOpenIDConnectProvider(r -> r.openIDConnectProviderArn(PROVIDER_ARN));
    assertThat(provider.clientIDList()).containsExactly("sts.amazonaws.com");
    assertThat(tags(provider.tags()))
        .containsEntry("cifederation.dev/owner", "shared")
        .containsEntry("cifederation.dev/cluster", "test-cluster")
        .doesNotContainKey("cifederation.dev/uid");
  }

  @Test
  void aSteadyPassWritesNothingAndReadsInBulk() {
    CIFederatedIdentity first = identity("deploy", fullSpec());
    CIFederatedIdentity second = identity("release", fullSpec());
    reconcile(first);
    reconcile(second);
    double writesBefore = count(WRITES);
    double readsBefore = count(Set.of("GetAccountAuthorizationDetails"));

    // the resync: the account's scheduled scan, then both identities reconciled from it
    resync();
    CloudOutcome a = reconcile(first);
    CloudOutcome b = reconcile(second);

    assertThat(a.reason()).isEqualTo(CloudReason.Synced);
    assertThat(b.reason()).isEqualTo(CloudReason.Synced);
    assertThat(count(WRITES) - writesBefore).as("writes in a steady resync").isZero();
    assertThat(count(Set.of("GetAccountAuthorizationDetails")) - readsBefore)
        .as("one bulk read shared by the account's identities")
        .isEqualTo(1);
    assertThat(count(Set.of("GetRole", "GetRolePolicy", "ListAttachedRolePolicies")))
        .as("no per-role reads")
        .isZero();
    assertThat(a.corrections()).isEmpty();
    assertThat(first.getStatus().getAws().getDriftCorrections()).isZero();
  }

  /**
   * Identities applied together (N reconciles in parallel, as JOSDK's threads run them) cost one
   * bulk read of the account in all, not one per identity: each pass records its writes in the
   * shared snapshot, and the roles are written concurrently.
   */
  @Test
  void identitiesCreatedTogetherShareOneBulkReadAndAreWrittenInParallel() throws Exception {
    List<CIFederatedIdentity> identities = new java.util.ArrayList<>();
    for (int i = 0; i < 12; i++) {
      identities.add(identity("app-" + i, fullSpec()));
    }
    var pool = java.util.concurrent.Executors.newFixedThreadPool(6);
    List<java.util.concurrent.Future<CloudOutcome>> outcomes = new java.util.ArrayList<>();
    identities.forEach(identity -> outcomes.add(pool.submit(() -> reconcile(identity))));
    for (var outcome : outcomes) {
      assertThat(outcome.get().reason()).as(outcome.get().message()).isEqualTo(CloudReason.Synced);
    }
    pool.shutdown();

    assertThat(count(Set.of("GetCallerIdentity"))).as("the account is checked once").isEqualTo(1);
    assertThat(count(Set.of("GetAccountAuthorizationDetails")))
        .as("bulk reads for 12 new identities: one, and one after the provider was created")
        .isEqualTo(2);
    assertThat(count(Set.of("CreateRole"))).isEqualTo(12);
    double writes = count(WRITES);
    for (CIFederatedIdentity identity : identities) {
      assertThat(reconcile(identity).reason()).isEqualTo(CloudReason.Synced);
    }
    assertThat(count(WRITES))
        .as("the recorded roles are in sync: no second write")
        .isEqualTo(writes);
    assertThat(admin.listRoles(r -> r.pathPrefix("/cifederation/")).roles()).hasSize(12);
  }

  /**
   * The account is read on its schedule, once per resync, however the passes of its identities
   * spread over the interval; the passes themselves read nothing.
   */
  @Test
  void theAccountIsReadOncePerResyncHoweverThePassesSpread() {
    List<CIFederatedIdentity> identities = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      identities.add(identity("app-" + i, fullSpec()));
    }
    identities.forEach(this::reconcile);
    double reads = count(BULK_READS);
    double before = count(Set.of("GetAccountAuthorizationDetails"));
    double all = calls.total();

    for (int interval = 0; interval < 3; interval++) {
      // each identity's own resync at a different moment of the interval
      for (CIFederatedIdentity identity : identities) {
        clock.advance(RESYNC.dividedBy(identities.size() + 1));
        aws.scanDueAccounts();
        assertThat(reconcile(identity).reason()).isEqualTo(CloudReason.Synced);
      }
      clock.advance(RESYNC.dividedBy(identities.size() + 1));
      aws.scanDueAccounts();
    }

    assertThat(count(BULK_READS) - reads)
        .as("bulk reads of the account in 3 resyncs: at most 5 a resync")
        .isBetween(3.0, 15.0);
    assertThat(count(Set.of("GetAccountAuthorizationDetails")) - before)
        .as("one scan a resync")
        .isEqualTo(3);
    assertThat(calls.total() - all)
        .as("nothing but the scans")
        .isEqualTo(count(BULK_READS) - reads);
  }

  /**
   * A role changed by hand is found by the account's next scan, which triggers the identity whose
   * role it is, and only it, at once instead of at its own resync.
   */
  @Test
  void aScanThatFindsARoleChangedByHandTriggersItsIdentityAndOnlyIt() {
    CIFederatedIdentity deploy = identity("deploy", fullSpec());
    CIFederatedIdentity release = identity("release", fullSpec());
    reconcile(deploy);
    reconcile(release);
    List<String> triggered = new java.util.concurrent.CopyOnWriteArrayList<>();
    aws.scanScopes((cloud, identity) -> triggered.add(cloud + " " + identity));

    resync();
    assertThat(triggered).as("the operator's own writes are not drift").isEmpty();

    admin.updateAssumeRolePolicy(
        r -> r.roleName("cifed-team-a_deploy").policyDocument(widenedTrust()));
    resync();

    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(triggered).containsExactly("AWS team-a/deploy"));
    CloudOutcome corrected = reconcile(deploy);
    assertThat(corrected.corrections()).singleElement().asString().contains("trust policy");
  }

  @Test
  void documentsRewrittenTheWayIamNormalisesThemAreNotDrift() {
    CIFederatedIdentity identity = identity("deploy", fullSpec());
    reconcile(identity);
    String role = "cifed-team-a_deploy";
    // what real IAM does to documents (moto keeps them as sent): reordered keys, one-element
    // arrays, strings for one-element lists
    admin.updateAssumeRolePolicy(
        r ->
            r.roleName(role)
                .policyDocument(
                    """
                    {"Statement":[{"Condition":{"StringEquals":{
                       "token.actions.githubusercontent.com:sub":["repo:my-org/my-app:environment:production"],
                       "token.actions.githubusercontent.com:aud":["sts.amazonaws.com"]}},
                     "Action":["sts:AssumeRoleWithWebIdentity"],
                     "Principal":{"Federated":["%s"]},"Effect":"Allow"}],"Version":"2012-10-17"}
                    """
                        .formatted(PROVIDER_ARN)));
    admin.putRolePolicy(
        r ->
            r.roleName(role)
                .policyName("cifederation")
                .policyDocument(
                    "{\"Statement\":{\"Resource\":[\"arn:aws:s3:::my-app/*\"],"
                        + "\"Action\":[\"s3:PutObject\",\"s3:GetObject\"],\"Effect\":\"Allow\"},"
                        + "\"Version\":\"2012-10-17\"}"));

    resync();
    double writes = count(WRITES);
    CloudOutcome outcome = reconcile(identity);

    assertThat(outcome.reason()).isEqualTo(CloudReason.Synced);
    assertThat(outcome.corrections()).isEmpty();
    assertThat(count(WRITES) - writes).isZero();
  }

  // -------------------------------------------------------------------------------------- drift

  @Test
  void outOfBandChangesAreRevertedCountedAndNamed() {
    CIFederatedIdentity identity = identity("deploy", fullSpec());
    reconcile(identity);
    String role = "cifed-team-a_deploy";
    String extra = AwsTestSupport.createPolicy(admin, "admin-by-hand");

    // someone widens the trust to every repository of the org and adds permissions
    admin.updateAssumeRolePolicy(r -> r.roleName(role).policyDocument(widenedTrust()));
    admin.attachRolePolicy(r -> r.roleName(role).policyArn(extra));
    admin.putRolePolicy(
        r ->
            r.roleName(role)
                .policyName("by-hand")
                .policyDocument(
                    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"));
    admin.updateRole(r -> r.roleName(role).maxSessionDuration(43200));

    resync();
    CloudOutcome outcome = reconcile(identity);

    assertThat(outcome.reason()).isEqualTo(CloudReason.Synced);
    assertThat(outcome.corrections()).hasSize(4);
    assertThat(String.join("\n", outcome.corrections()))
        .contains("trust policy set to the compiled one")
        .contains("repo:my-org/*")
        .contains("managed policy " + extra + " detached")
        .contains("inline policy by-hand deleted")
        .contains("max session duration set to 7200 s (was 43200 s)");
    assertThat(identity.getStatus().getAws().getDriftCorrections()).isEqualTo(4);
    Role live = admin.getRole(r -> r.roleName(role)).role();
    assertThat(
            PolicyDocuments.equivalent(
                PolicyDocuments.parse(live.assumeRolePolicyDocument()),
                compile(identity).aws().trustPolicy()))
        .isTrue();
    assertThat(live.maxSessionDuration()).isEqualTo(7200);
    assertThat(attached(role)).containsExactly(deployPolicyArn);
    assertThat(admin.listRolePolicies(r -> r.roleName(role)).policyNames())
        .containsExactly("cifederation");

    // and the next pass has nothing left to do
    resync();
    double writes = count(WRITES);
    assertThat(reconcile(identity).corrections()).isEmpty();
    assertThat(count(WRITES)).isEqualTo(writes);
    assertThat(identity.getStatus().getAws().getDriftCorrections()).isEqualTo(4);
  }

  @Test
  void aSpecChangeIsAnUpdateNotDrift() {
    CIFederatedIdentity identity = identity("deploy", fullSpec());
    reconcile(identity);

    identity.getSpec().getSubject().setEnvironment("staging");
    identity.getSpec().getAws().setMaxSessionDuration("3h");
    identity.getSpec().getAws().setManagedPolicyArns(List.of());
    identity.getMetadata().setGeneration(2L);
    CloudOutcome outcome = reconcile(identity);

    assertThat(outcome.reason()).isEqualTo(CloudReason.Synced);
    assertThat(outcome.corrections()).isEmpty();
    assertThat(identity.getStatus().getAws().getDriftCorrections()).isZero();
    Role role = admin.getRole(r -> r.roleName("cifed-team-a_deploy")).role();
    assertThat(PolicyDocuments.toJson(PolicyDocuments.parse(role.assumeRolePolicyDocument())))
        .contains("repo:my-org/my-app:environment:staging");
    assertThat(role.maxSessionDuration()).isEqualTo(10800);
    assertThat(attached("cifed-team-a_deploy")).isEmpty();
  }

  @Test
  void aRenamedRoleReplacesTheOldOneInsteadOfLeavingItBehind() {
    CIFederatedIdentity identity = identity("deploy", fullSpec("roleName: first-name"));
    reconcile(identity);

    identity.getSpec().getAws().setRoleName("second-name");
    identity.getMetadata().setGeneration(2L);
    CloudOutcome outcome = reconcile(identity);

    assertThat(outcome.reason()).as(outcome.message()).isEqualTo(CloudReason.Synced);
    assertThat(roleNames()).containsExactly("second-name");
    assertThat(identity.getStatus().getAws().getRoleArn())
        .endsWith(":role/cifederation/second-name");
    assertThat(attached("second-name")).containsExactly(deployPolicyArn);
  }

  @Test
  void aMissingClientIdIsAddedOnlyWhenMissingAndMotosGapIsReportedNotHidden() {
    reconcile(identity("deploy", fullSpec()));
    double addsBefore = calls.count("AddClientIDToOpenIDConnectProvider");
    resync();
    reconcile(identity("deploy", fullSpec()));
    assertThat(calls.count("AddClientIDToOpenIDConnectProvider"))
        .as("never called while the provider lists the audience")
        .isEqualTo(addsBefore)
        .isZero();

    // a second CIIssuer for the same URL with another AWS audience shares the provider
    CIIssuerSpec custom = new CIIssuerSpec();
    custom.setUrl("https://token.actions.githubusercontent.com");
    custom.setDialect(IssuerDialect.GitHub);
    var audiences = new dev.cifederation.operator.api.v1alpha1.IssuerAudiences();
    audiences.setAws("custom-audience");
    custom.setAudiences(audiences);
    CIFederatedIdentity other = identity("other", fullSpec());
    CompiledTrust trust;
    try {
      trust =
          new TrustCompiler().compile(IssuerInfo.from(custom), "team-a", "other", other.getSpec());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    CloudOutcome outcome = aws.reconcile(new CloudRequest(other, trust));

    // moto does not implement AddClientIDToOpenIDConnectProvider (HTTP 500): the adapter makes the
    // call and reports the failure as transient instead of pretending
    assertThat(calls.count("AddClientIDToOpenIDConnectProvider")).isEqualTo(1);
    assertThat(outcome.reason()).isEqualTo(CloudReason.Transient);
    assertThat(outcome.message()).contains("AddClientIDToOpenIDConnectProvider");
    assertThat(admin.listRoles().roles())
        .extracting(Role::roleName)
        .doesNotContain("cifed-team-a_other");
  }

  // ------------------------------------------------------------------------------------ safety

  @Test
  void aSameNamedRoleWithoutOwnershipTagsIsAConflictAndLeftUntouched() {
    String trustByHand = widenedTrust();
    admin.createRole(r -> r.roleName("cifed-team-a_deploy").assumeRolePolicyDocument(trustByHand));
    CIFederatedIdentity identity = identity("deploy", fullSpec());

    CloudOutcome outcome = reconcile(identity);

    assertThat(outcome.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(outcome.status()).isEqualTo(ConditionStatus.False);
    assertThat(outcome.retryAfter()).isEmpty();
    assertThat(outcome.message()).contains("cifed-team-a_deploy").contains("left untouched");
    Role role = admin.getRole(r -> r.roleName("cifed-team-a_deploy")).role();
    assertThat(role.tags()).isEmpty();
    assertThat(PolicyDocuments.equivalent(role.assumeRolePolicyDocument(), trustByHand)).isTrue();
    assertThat(attached("cifed-team-a_deploy")).isEmpty();
    assertThat(
            count(
                Set.of(
                    "CreateRole",
                    "UpdateAssumeRolePolicy",
                    "AttachRolePolicy",
                    "PutRolePolicy",
                    "TagRole",
                    "UpdateRole")))
        .isZero();

    // deleting the identity leaves the stranger's role alone, too
    CloudOutcome cleanup = aws.cleanup(new CloudRequest(identity, compile(identity)));
    assertThat(cleanup.done()).isTrue();
    assertThat(admin.getRole(r -> r.roleName("cifed-team-a_deploy")).role().roleName()).isNotNull();
  }

  @Test
  void aRoleOwnedByAnotherIdentityIsAConflict() {
    CIFederatedIdentity first = identity("deploy", fullSpec("roleName: shared-name"));
    reconcile(first);
    CIFederatedIdentity second = identity("other", fullSpec("roleName: shared-name"));

    CloudOutcome outcome = reconcile(second);

    assertThat(outcome.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(outcome.message()).contains("cifederation.dev/owner=team-a/deploy");
  }

  @Test
  void aProviderNotCreatedByTheOperatorIsSharedReadOnlyAndNeverDeleted() {
    // as Terraform makes it: same issuer URL, its own thumbprint, no operator tags
    admin.createOpenIDConnectProvider(
        r ->
            r.url("https://token.actions.githubusercontent.com")
                .clientIDList("sts.amazonaws.com")
                .thumbprintList("6938fd4d98bab03faadb97b34396831e3780aea1"));
    CIFederatedIdentity identity = identity("deploy", fullSpec());

    CloudOutcome outcome = reconcile(identity);

    assertThat(outcome.reason()).as(outcome.message()).isEqualTo(CloudReason.Synced);
    assertThat(identity.getStatus().getAws().getProviderArn()).isEqualTo(PROVIDER_ARN);
    assertThat(
            count(
                Set.of(
                    "CreateOpenIDConnectProvider",
                    "AddClientIDToOpenIDConnectProvider",
                    "UpdateOpenIDConnectProviderThumbprint")))
        .isZero();
    var provider = admin.getOpenIDConnectProvider(r -> r.openIDConnectProviderArn(PROVIDER_ARN));
    assertThat(provider.tags()).isEmpty();
    assertThat(provider.thumbprintList())
        .containsExactly("6938fd4d98bab03faadb97b34396831e3780aea1");

    CloudOutcome cleanup = aws.cleanup(new CloudRequest(identity, compile(identity)));
    assertThat(cleanup.done()).isTrue();
    assertThat(admin.listRoles().roles()).isEmpty();
    assertThat(admin.listOpenIDConnectProviders().openIDConnectProviderList())
        .as("not the operator's to delete")
        .hasSize(1);
  }

  /**
   * A provider made after the account's scan (by another shard, or by hand) answers the first
   * create with EntityAlreadyExists; that pass reads the account again, so the passes after it use
   * the provider instead of each trying to create it until the next scheduled scan.
   */
  @Test
  void aProviderMadeSinceTheScanIsCreatedAtMostOnceByTheAccountsPasses() {
    // an identity that only observes has the account scanned, with no provider in it
    CIFederatedIdentity observer = identity("observer", fullSpec(), "managementPolicy: Observe");
    reconcile(observer);
    admin.createOpenIDConnectProvider(
        r ->
            r.url("https://token.actions.githubusercontent.com")
                .clientIDList("sts.amazonaws.com")
                .thumbprintList("6938fd4d98bab03faadb97b34396831e3780aea1"));
    double creates = count(Set.of("CreateOpenIDConnectProvider"));

    for (int i = 0; i < 4; i++) {
      CIFederatedIdentity identity = identity("app-" + i, fullSpec());
      assertThat(reconcile(identity).reason()).isEqualTo(CloudReason.Synced);
    }

    assertThat(count(Set.of("CreateOpenIDConnectProvider")) - creates)
        .as("only the first pass after the scan tries to create it")
        .isEqualTo(1);
  }

  // -------------------------------------------------------------------------- restart safety

  @Test
  void anOperatorStoppedAfterCreateRoleFinishesTheSameRoleAfterARestart() {
    // the operator "dies" between CreateRole and PutRolePolicy: every attempt of the latter fails
    proxy.failAlways("PutRolePolicy", Fault.SERVICE_FAILURE);
    CIFederatedIdentity identity = identity("deploy", fullSpec());
    CloudOutcome interrupted = reconcile(identity);
    assertThat(interrupted.reason()).isEqualTo(CloudReason.Transient);
    assertThat(interrupted.retryAfter()).isPresent();
    assertThat(admin.listRolePolicies(r -> r.roleName("cifed-team-a_deploy")).policyNames())
        .isEmpty();

    // a new process: no snapshot, nothing remembered
    proxy.heal();
    aws.close();
    aws = newAdapter(AwsSettings.defaults(Optional.empty(), Optional.empty()));
    CloudOutcome resumed = reconcile(identity);

    assertThat(resumed.reason()).as(resumed.message()).isEqualTo(CloudReason.Synced);
    assertThat(count(Set.of("CreateRole"))).as("the role is found, not created again").isZero();
    assertThat(admin.listRoles().roles())
        .extracting(Role::roleName)
        .containsExactly("cifed-team-a_deploy");
    assertThat(admin.listRolePolicies(r -> r.roleName("cifed-team-a_deploy")).policyNames())
        .containsExactly("cifederation");
    assertThat(attached("cifed-team-a_deploy")).containsExactly(deployPolicyArn);
  }

  @Test
  void aRoleCreatedSinceTheSnapshotIsAdoptedOnlyWithOurTags() {
    // the account snapshot is taken (and kept: the second pass writes nothing) before the role
    // appears
    CIFederatedIdentity deploy = identity("deploy", fullSpec());
    reconcile(deploy);
    reconcile(deploy);
    // an earlier run created the second identity's role with our tags, then stopped
    admin.createRole(
        r ->
            r.roleName("cifed-team-a_release")
                .path("/cifederation/")
                .assumeRolePolicyDocument(widenedTrust())
                .tags(
                    Tag.builder().key("cifederation.dev/owner").value("team-a/release").build(),
                    Tag.builder().key("cifederation.dev/cluster").value("test-cluster").build(),
                    Tag.builder().key("cifederation.dev/uid").value(uidOf("release")).build()));

    CIFederatedIdentity release = identity("release", fullSpec());
    CloudOutcome outcome = reconcile(release);

    assertThat(outcome.reason()).as(outcome.message()).isEqualTo(CloudReason.Synced);
    assertThat(calls.count("CreateRole")).as("tried, answered EntityAlreadyExists").isEqualTo(2);
    Role role = admin.getRole(r -> r.roleName("cifed-team-a_release")).role();
    assertThat(
            PolicyDocuments.equivalent(
                PolicyDocuments.parse(role.assumeRolePolicyDocument()),
                compile(release).aws().trustPolicy()))
        .isTrue();
    assertThat(role.maxSessionDuration()).isEqualTo(7200);
    assertThat(attached("cifed-team-a_release")).containsExactly(deployPolicyArn);
  }

  @Test
  void aRoleCreatedSinceTheSnapshotWithoutOurTagsIsAConflictAtOnceAndUntouched() {
    CIFederatedIdentity deploy = identity("deploy", fullSpec());
    reconcile(deploy);
    reconcile(deploy);
    String trustByHand = widenedTrust();
    admin.createRole(r -> r.roleName("cifed-team-a_release").assumeRolePolicyDocument(trustByHand));
    double writes = count(WRITES);

    CloudOutcome outcome = reconcile(identity("release", fullSpec()));

    assertThat(outcome.reason()).as(outcome.message()).isEqualTo(CloudReason.Conflict);
    assertThat(outcome.message()).contains("no cifederation.dev ownership tags");
    assertThat(outcome.retryAfter()).isEmpty();
    assertThat(count(WRITES) - writes).as("only the CreateRole IAM refused").isEqualTo(1);
    Role role = admin.getRole(r -> r.roleName("cifed-team-a_release")).role();
    assertThat(role.tags()).isEmpty();
    assertThat(PolicyDocuments.equivalent(role.assumeRolePolicyDocument(), trustByHand)).isTrue();
  }

  // ------------------------------------------------------------------------------------ errors

  @Test
  void throttlingIsRetriedWithBackoffInsideOneCall() {
    proxy.fail("GetAccountAuthorizationDetails", Fault.THROTTLING, 2);
    proxy.fail("CreateRole", Fault.SERVICE_FAILURE, 1);

    CloudOutcome outcome = reconcile(identity("deploy", fullSpec()));

    assertThat(outcome.reason()).isEqualTo(CloudReason.Synced);
    assertThat(proxy.requests("GetAccountAuthorizationDetails")).as("attempts").isEqualTo(3);
    assertThat(calls.count("GetAccountAuthorizationDetails")).as("calls").isEqualTo(1);
    assertThat(proxy.requests("CreateRole")).isEqualTo(2);
  }

  @Test
  void persistentThrottlingIsReportedAsThrottledWithARetry() {
    proxy.failAlways("GetAccountAuthorizationDetails", Fault.THROTTLING);
    CIFederatedIdentity identity = identity("deploy", fullSpec());

    CloudOutcome outcome = reconcile(identity);

    assertThat(outcome.reason()).isEqualTo(CloudReason.Throttled);
    assertThat(outcome.retryAfter())
        .hasValueSatisfying(
            d -> assertThat(d).isBetween(Duration.ofSeconds(3), Duration.ofMillis(4500)));
    assertThat(outcome.message()).contains("Throttling");
    assertThat(proxy.requests("GetAccountAuthorizationDetails")).as("maxAttempts").isEqualTo(3);

    proxy.heal();
    assertThat(reconcile(identity).reason()).isEqualTo(CloudReason.Synced);
  }

  @Test
  void aMalformedInlinePolicyIsInvalidSpecAndNotRetried() {
    CIFederatedIdentity identity =
        identity(
            "deploy",
            """
            accountId: "123456789012"
            inlinePolicy:
              Version: "2012-10-17"
              Statement:
              - Effect: Allow
                Action: s3:GetObject
            """);

    CloudOutcome outcome = reconcile(identity);

    assertThat(outcome.reason()).isEqualTo(CloudReason.InvalidSpec);
    assertThat(outcome.retryAfter()).isEmpty();
    assertThat(outcome.message()).contains("PutRolePolicy").contains("MalformedPolicyDocument");
    assertThat(proxy.requests("PutRolePolicy")).as("no SDK retry of a 400").isEqualTo(1);
  }

  @Test
  void aCompiledTrustRejectedWhileTheNewProviderPropagatesIsRetriedSoon() {
    proxy.fail("CreateRole", Fault.INVALID_PRINCIPAL, 1);
    CIFederatedIdentity identity = identity("deploy", fullSpec());

    CloudOutcome first = reconcile(identity);

    assertThat(first.reason()).isEqualTo(CloudReason.Transient);
    assertThat(first.retryAfter()).isPresent();
    assertThat(first.message())
        .contains("MalformedPolicyDocument")
        .contains("trust policy is compiled");
    assertThat(reconcile(identity).reason()).isEqualTo(CloudReason.Synced);
  }

  @Test
  void aManagedPolicyThatDoesNotExistIsNotFound() {
    CIFederatedIdentity identity =
        identity(
            "deploy",
            """
            accountId: "123456789012"
            managedPolicyArns: ["arn:aws:iam::123456789012:policy/missing"]
            """);

    CloudOutcome outcome = reconcile(identity);

    assertThat(outcome.reason()).isEqualTo(CloudReason.NotFound);
    assertThat(outcome.message()).contains("policy/missing");
    assertThat(outcome.retryAfter()).isEmpty();
  }

  @Test
  void credentialsOfAnotherAccountAreUnauthorizedAndWriteNothing() {
    CloudOutcome outcome = reconcile(identity("deploy", "accountId: \"" + OTHER_ACCOUNT + "\""));

    assertThat(outcome.reason()).isEqualTo(CloudReason.Unauthorized);
    assertThat(outcome.message())
        .contains("act in account " + ACCOUNT)
        .contains("CIFED_AWS_ASSUME_ROLE_ARN_TEMPLATE");
    assertThat(count(WRITES)).isZero();
  }

  @Test
  void withAnAssumeRoleTemplateEachAccountIsManagedThroughItsOwnRole() {
    aws.close();
    aws =
        newAdapter(
            AwsSettings.defaults(Optional.empty(), Optional.empty())
                .withAssumeRoleArnTemplate(
                    Optional.of("arn:aws:iam::{accountId}:role/cifederation-operator")));

    CIFederatedIdentity identity = identity("deploy", "accountId: \"" + OTHER_ACCOUNT + "\"");
    CloudOutcome outcome = reconcile(identity);

    assertThat(outcome.reason()).as(outcome.message()).isEqualTo(CloudReason.Synced);
    assertThat(identity.getStatus().getAws().getRoleArn())
        .isEqualTo("arn:aws:iam::" + OTHER_ACCOUNT + ":role/cifederation/cifed-team-a_deploy");
    assertThat(identity.getStatus().getAws().getProviderArn())
        .startsWith("arn:aws:iam::" + OTHER_ACCOUNT + ":oidc-provider/");
    assertThat(admin.listRoles().roles()).as("nothing in the base account").isEmpty();
    assertThat(proxy.requests("AssumeRole"))
        .as("the account's shared session, and the session of this identity's writes")
        .isEqualTo(2);
  }

  // ------------------------------------------------------------------------------ attribution

  @Test
  void withAnAssumeRoleTemplateEveryWriteRunsInASessionNamedForItsIdentity() {
    aws.close();
    aws =
        newAdapter(
            AwsSettings.defaults(Optional.empty(), Optional.empty())
                .withAssumeRoleArnTemplate(
                    Optional.of("arn:aws:iam::{accountId}:role/cifederation-operator")));
    CIFederatedIdentity deploy = identity("deploy", "accountId: \"" + OTHER_ACCOUNT + "\"");
    CIFederatedIdentity release = identity("release", "accountId: \"" + OTHER_ACCOUNT + "\"");

    reconcile(deploy);
    reconcile(release);

    Map<String, Credentials> sessions = assumedSessions();
    assertThat(sessions)
        .containsOnlyKeys("cifederation-operator", "cifed.team-a.deploy", "cifed.team-a.release");
    assertThat(proxy.seen())
        .as("the provider, created by the first identity's pass, names that identity")
        .filteredOn(s -> s.action().equals("CreateOpenIDConnectProvider"))
        .singleElement()
        .satisfies(s -> assertWrittenFor(s, "cifed.team-a.deploy", sessions));
    for (String name : List.of("deploy", "release")) {
      assertThat(proxy.seen())
          .filteredOn(s -> WRITES.contains(s.action()))
          .filteredOn(s -> ("cifed-team-a_" + name).equals(s.form().get("RoleName")))
          .isNotEmpty()
          .allSatisfy(s -> assertWrittenFor(s, "cifed.team-a." + name, sessions));
    }
    assertThat(proxy.seen())
        .as("reads keep the shared session")
        .filteredOn(s -> s.action().equals("GetAccountAuthorizationDetails"))
        .isNotEmpty()
        .allSatisfy(
            s -> {
              assertThat(s.accessKeyId())
                  .isEqualTo(sessions.get("cifederation-operator").accessKeyId());
              assertThat(s.userAgent()).doesNotContain("cifed-identity/");
            });
    // what CloudTrail records as userIdentity.arn for those writes
    assertThat(callerArn(sessions.get("cifed.team-a.deploy")))
        .isEqualTo(
            "arn:aws:sts::"
                + OTHER_ACCOUNT
                + ":assumed-role/cifederation-operator/cifed.team-a.deploy");

    int assumed = proxy.requests("AssumeRole");
    reconcile(deploy);
    assertThat(proxy.requests("AssumeRole"))
        .as("a pass without writes assumes nothing")
        .isEqualTo(assumed);
    CloudOutcome deleted = aws.cleanup(new CloudRequest(deploy, compile(deploy)));
    assertThat(deleted.done()).as(deleted.message()).isTrue();
    assertThat(proxy.requests("AssumeRole"))
        .as("the identity's session is reused by its later writes")
        .isEqualTo(assumed);
    assertThat(proxy.seen())
        .filteredOn(s -> s.action().equals("DeleteRole"))
        .singleElement()
        .satisfies(s -> assertWrittenFor(s, "cifed.team-a.deploy", sessions));
  }

  @Test
  void withoutARoleToAssumeEveryWriteNamesItsIdentityInTheUserAgent() {
    reconcile(identity("deploy", fullSpec()));

    assertThat(proxy.seen())
        .filteredOn(s -> WRITES.contains(s.action()))
        .isNotEmpty()
        .allSatisfy(s -> assertThat(s.userAgent()).contains(" cifed-identity/cifed.team-a.deploy"));
    assertThat(proxy.seen())
        .filteredOn(s -> s.action().equals("GetAccountAuthorizationDetails"))
        .isNotEmpty()
        .allSatisfy(s -> assertThat(s.userAgent()).doesNotContain("cifed-identity/"));
    assertThat(proxy.requests("AssumeRole")).isZero();
  }

  /** Credentials moto issued, by role session name, as the proxy saw the AssumeRole answers. */
  private static Map<String, Credentials> assumedSessions() {
    Map<String, Credentials> sessions = new java.util.TreeMap<>();
    for (FaultInjectingProxy.Seen s : proxy.seen()) {
      if (s.action().equals("AssumeRole")) {
        sessions.put(
            s.form().get("RoleSessionName"),
            new Credentials(
                element(s.answer(), "AccessKeyId"),
                element(s.answer(), "SecretAccessKey"),
                element(s.answer(), "SessionToken")));
      }
    }
    return sessions;
  }

  private record Credentials(String accessKeyId, String secretAccessKey, String sessionToken) {}

  private static String element(String xml, String name) {
    var m = java.util.regex.Pattern.compile("<" + name + ">([^<]+)</" + name + ">").matcher(xml);
    assertThat(m.find()).as(name + " in " + xml).isTrue();
    return m.group(1);
  }

  private static void assertWrittenFor(
      FaultInjectingProxy.Seen write, String label, Map<String, Credentials> sessions) {
    assertThat(write.accessKeyId())
        .as(write.action() + " signed in session " + label)
        .isEqualTo(sessions.get(label).accessKeyId());
    assertThat(write.userAgent()).contains(" cifed-identity/" + label);
  }

  /** The ARN STS reports for these credentials: what CloudTrail logs as the caller. */
  private static String callerArn(Credentials session) {
    try (StsClient sts =
        StsClient.builder()
            .endpointOverride(moto.endpoint())
            .region(software.amazon.awssdk.regions.Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsSessionCredentials.create(
                        session.accessKeyId(), session.secretAccessKey(), session.sessionToken())))
            .httpClientBuilder(
                software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder())
            .build()) {
      return sts.getCallerIdentity().arn();
    }
  }

  // ---------------------------------------------------------------------------------- observe

  @Test
  void observeWritesNothingAndReportsWhatDiffers() {
    CIFederatedIdentity observed = identity("deploy", fullSpec(), "managementPolicy: Observe");

    CloudOutcome missing = reconcile(observed);
    assertThat(missing.reason()).isEqualTo(CloudReason.DriftDetected);
    assertThat(missing.message())
        .contains("IAM OIDC provider " + PROVIDER_ARN + " does not exist")
        .contains("IAM role cifed-team-a_deploy does not exist");

    // created by the enforcing twin, then widened by hand: Observe reports, never reverts
    reconcile(identity("deploy", fullSpec()));
    admin.updateAssumeRolePolicy(
        r -> r.roleName("cifed-team-a_deploy").policyDocument(widenedTrust()));
    resync();
    double writes = count(WRITES);
    CloudOutcome drifted = reconcile(observed);

    assertThat(drifted.reason()).isEqualTo(CloudReason.DriftDetected);
    assertThat(drifted.message()).contains("trust policy").contains("repo:my-org/*");
    assertThat(count(WRITES)).isEqualTo(writes);
    assertThat(
            PolicyDocuments.equivalent(
                admin
                    .getRole(r -> r.roleName("cifed-team-a_deploy"))
                    .role()
                    .assumeRolePolicyDocument(),
                widenedTrust()))
        .isTrue();
  }

  // ---------------------------------------------------------------------------------- deletion

  @Test
  void deleteRemovesTheRoleAndTheProviderOnlyWithItsLastUser() {
    CIFederatedIdentity deploy = identity("deploy", fullSpec());
    CIFederatedIdentity release = identity("release", fullSpec());
    reconcile(deploy);
    reconcile(release);

    CloudOutcome first = aws.cleanup(new CloudRequest(deploy, compile(deploy)));

    assertThat(first.done()).isTrue();
    assertThat(first.message()).contains("deleted").contains("kept: other roles trust it");
    assertThat(roleNames()).containsExactly("cifed-team-a_release");
    assertThat(providers()).containsExactly(PROVIDER_ARN);
    assertThat(admin.getPolicy(r -> r.policyArn(deployPolicyArn)).policy())
        .as("a managed policy is detached, never deleted")
        .isNotNull();

    // the issuer is gone by now: cleanup works from the spec and the status
    CloudOutcome last = aws.cleanup(new CloudRequest(release, null));

    assertThat(last.done()).isTrue();
    assertThat(roleNames()).isEmpty();
    assertThat(providers()).isEmpty();
  }

  @Test
  void orphanKeepsTheRoleAndItsPermissionsAndRemovesOnlyTheOwnershipTags() {
    CIFederatedIdentity identity = identity("deploy", fullSpec(), "deletionPolicy: Orphan");
    reconcile(identity);

    CloudOutcome outcome = aws.cleanup(new CloudRequest(identity, compile(identity)));

    assertThat(outcome.done()).isTrue();
    Role role = admin.getRole(r -> r.roleName("cifed-team-a_deploy")).role();
    assertThat(tags(role.tags()))
        .doesNotContainKeys(
            "cifederation.dev/owner", "cifederation.dev/cluster", "cifederation.dev/uid");
    assertThat(attached("cifed-team-a_deploy")).containsExactly(deployPolicyArn);
    assertThat(admin.listRolePolicies(r -> r.roleName("cifed-team-a_deploy")).policyNames())
        .containsExactly("cifederation");
    assertThat(providers()).as("the orphaned role still trusts it").containsExactly(PROVIDER_ARN);
  }

  @Test
  void anAwsBlockRemovedFromTheSpecIsReleasedFromWhatTheStatusRecorded() {
    CIFederatedIdentity identity = identity("deploy", fullSpec());
    reconcile(identity);

    // what the identity reconciler hands over when spec.aws is gone: no aws trust, the old status
    identity.getSpec().setAws(null);
    CloudOutcome outcome = aws.cleanup(new CloudRequest(identity, compile(identity)));

    assertThat(outcome.done()).as(outcome.message()).isTrue();
    assertThat(roleNames()).isEmpty();
    assertThat(providers()).isEmpty();
  }

  // ---------------------------------------------------------------------------------- helpers

  static final String INLINE_JSON =
      "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],\"Resource\":\"arn:aws:s3:::my-app/*\"}]}";

  private String fullSpec(String... extra) {
    return """
        accountId: "123456789012"
        maxSessionDuration: 2h
        managedPolicyArns: ["%s"]
        permissionsBoundaryArn: "%s"
        inlinePolicy:
          Version: "2012-10-17"
          Statement:
          - Effect: Allow
            Action: [s3:GetObject, s3:PutObject]
            Resource: arn:aws:s3:::my-app/*
        """
            .formatted(deployPolicyArn, boundaryArn)
        + String.join("\n", extra);
  }

  /** An identity in team-a; {@code aws} is the spec.aws block, {@code specExtra} more spec. */
  private static CIFederatedIdentity identity(String name, String aws, String... specExtra) {
    String yaml =
        """
        apiVersion: cifederation.dev/v1alpha1
        kind: CIFederatedIdentity
        metadata: {name: %s, namespace: team-a, generation: 1, uid: %s}
        spec:
          issuerRef: github
          repository: my-org/my-app
          subject: {environment: production}
        %s
          aws:
        %s
        """
            .formatted(
                name,
                uidOf(name),
                String.join("\n", specExtra).indent(2).stripTrailing(),
                aws.indent(4).stripTrailing());
    return Serialization.unmarshal(yaml, CIFederatedIdentity.class);
  }

  /** The same UID for every object of one name: passes of one identity, not namesakes. */
  private static String uidOf(String name) {
    return java.util
        .UUID
        .nameUUIDFromBytes(("team-a/" + name).getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .toString();
  }

  static CompiledTrust compile(CIFederatedIdentity identity) {
    CIIssuerSpec issuer = new CIIssuerSpec();
    issuer.setUrl("https://token.actions.githubusercontent.com");
    issuer.setDialect(IssuerDialect.GitHub);
    try {
      return new TrustCompiler()
          .compile(
              IssuerInfo.from(issuer),
              identity.getMetadata().getNamespace(),
              identity.getMetadata().getName(),
              identity.getSpec());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** One pass, and the status the identity reconciler would write from it. */
  private CloudOutcome reconcile(CIFederatedIdentity identity) {
    CloudOutcome outcome = aws.reconcile(new CloudRequest(identity, compile(identity)));
    Passes.settle(identity, Cloud.AWS, outcome);
    return outcome;
  }

  /**
   * One resync interval later: the account's scheduled scan runs, as the operator's timer would.
   */
  private void resync() {
    clock.advance(RESYNC);
    aws.scanDueAccounts();
  }

  private double count(Set<String> operations) {
    return operations.stream().mapToDouble(calls::count).sum();
  }

  private static String widenedTrust() {
    return widenedTrustFor(null);
  }

  /**
   * The compiled trust (of the default provider when {@code compiled} is null) widened by hand to
   * every repository of the organisation.
   */
  static String widenedTrustFor(CompiledTrust compiled) {
    return """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow",
          "Principal":{"Federated":"%s"},
          "Action":"sts:AssumeRoleWithWebIdentity",
          "Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},
                       "StringLike":{"token.actions.githubusercontent.com:sub":"repo:my-org/*"}}}]}
        """
        .formatted(compiled == null ? PROVIDER_ARN : compiled.aws().providerArn());
  }

  private static List<String> attached(String role) {
    return admin.listAttachedRolePolicies(r -> r.roleName(role)).attachedPolicies().stream()
        .map(p -> p.policyArn())
        .toList();
  }

  private static JsonNode inline(String role) {
    return PolicyDocuments.parse(
        admin.getRolePolicy(r -> r.roleName(role).policyName("cifederation")).policyDocument());
  }

  private static List<String> roleNames() {
    return admin.listRoles().roles().stream().map(Role::roleName).toList();
  }

  private static List<String> providers() {
    return admin.listOpenIDConnectProviders().openIDConnectProviderList().stream()
        .map(p -> p.arn())
        .toList();
  }

  static Map<String, String> tags(List<Tag> tags) {
    return tags.stream().collect(Collectors.toMap(Tag::key, Tag::value));
  }

  /** A clock the tests move forward, e.g. to the next scheduled scan. */
  static final class TestClock extends Clock {
    private volatile Instant now = Instant.parse("2026-11-25T12:00:00Z");

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
