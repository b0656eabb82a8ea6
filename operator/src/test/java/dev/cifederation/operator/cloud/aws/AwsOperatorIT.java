package dev.cifederation.operator.cloud.aws;

import static dev.cifederation.operator.testsupport.Conditions.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.aws.FaultInjectingProxy.Fault;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.observe.CloudPasses;
import dev.cifederation.operator.observe.FindingsGauge;
import dev.cifederation.operator.observe.ReadinessGauge;
import dev.cifederation.operator.reconcile.EventRecorder;
import dev.cifederation.operator.reconcile.IdentityReconciler;
import dev.cifederation.operator.reconcile.Tenancy;
import dev.cifederation.operator.testsupport.Fixtures;
import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import dev.cifederation.operator.testsupport.OperatorInTheLoop;
import dev.cifederation.operator.trust.CloudNames;
import dev.cifederation.operator.trust.CompiledTrust;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.junit.LocallyRunOperatorExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.iam.model.Tag;

/**
 * The operator in the loop (java-operator-sdk's LocallyRunOperatorExtension) against a real
 * kube-apiserver and a real moto_server, the AWS adapter pointed at moto through a fault-injecting
 * proxy, with a 4-second resync: what a user sees in status and Events, and what ends up in IAM.
 */
class AwsOperatorIT {

  private static final Logger LOG = LoggerFactory.getLogger(AwsOperatorIT.class);
  private static final Duration RESYNC = Duration.ofSeconds(4);
  private static final String CLUSTER = "it-cluster";

  private static final KubeApiServerSupport API = KubeApiServerSupport.shared();
  private static final KubernetesClient CLIENT = API.newClient();
  private static final MotoServer MOTO = MotoServer.start();
  private static final FaultInjectingProxy PROXY = new FaultInjectingProxy(MOTO.endpoint());
  private static final IamClient ADMIN =
      AwsTestSupport.iamClient(MOTO.endpoint(), AwsCloudIT.TEST_CREDENTIALS);
  private static final SimpleMeterRegistry REGISTRY = new SimpleMeterRegistry();
  private static final CloudCalls CALLS = new CloudCalls(REGISTRY, Cloud.AWS.name());
  private static final AwsCloud AWS =
      new AwsCloud(
          AwsTestSupport.operatorSettings(PROXY.endpoint()),
          AwsCloudIT.TEST_CREDENTIALS,
          ThumbprintSource.notRequired(),
          "/cifederation/",
          CLUSTER,
          AwsTestSupport.quickRetries(RESYNC),
          REGISTRY,
          Clock.systemUTC());

  private static final OperatorInTheLoop LOOP = new OperatorInTheLoop(CLIENT);

  @RegisterExtension
  static final LocallyRunOperatorExtension OPERATOR =
      LOOP.extension(
          new IdentityReconciler(
              new TrustCompiler(),
              List.of(AWS),
              new EventRecorder(CLIENT, Clock.systemUTC()),
              Optional.empty(),
              Optional.empty(),
              new FindingsGauge(REGISTRY),
              new ReadinessGauge(REGISTRY),
              new CloudPasses(REGISTRY, Clock.systemUTC()),
              Tenancy.SINGLE_TEAM,
              Clock.systemUTC()),
          RESYNC);

  private static String deployPolicy;
  private static String readPolicy;
  private static String boundary;

  @BeforeAll
  static void issuersAndPolicies() {
    for (String file : List.of("issuer-github.yaml", "issuer-gitlab.yaml")) {
      LOOP.apply(Fixtures.example(file, CIIssuer.class));
    }
    deployPolicy = AwsTestSupport.createPolicy(ADMIN, "deploy");
    readPolicy = AwsTestSupport.createPolicy(ADMIN, "read");
    boundary = AwsTestSupport.createPolicy(ADMIN, "ci-boundary");
    // what the examples reference in account 123456789012
    AwsTestSupport.createPolicy(ADMIN, "my-app-cloudfront-invalidation");
  }

  @BeforeEach
  void noFaults() {
    PROXY.reset();
  }

  // ------------------------------------------------------------------------------------ create

  @Test
  void theExamplesYieldRolesWhoseTrustPoliciesAreExactlyTheCompiledOnes() {
    for (String file : List.of("github-aws-production.yaml", "gitlab-aws-main.yaml")) {
      CIFederatedIdentity example = Fixtures.example(file, CIFederatedIdentity.class);
      LOOP.create(example);
    }

    for (String name : List.of("my-app-production-aws", "my-app-main-gitlab-aws")) {
      CIFederatedIdentity synced = awaitAws(name, "Synced");
      String roleName = synced.getSpec().getAws().getRoleName();
      Role role = ADMIN.getRole(r -> r.roleName(roleName)).role();
      assertThat(synced.getStatus().getAws().getRoleArn()).isEqualTo(role.arn());
      assertThat(
              PolicyDocuments.equivalent(
                  PolicyDocuments.parse(role.assumeRolePolicyDocument()),
                  LOOP.compile(synced).aws().trustPolicy()))
          .as(name + ": the live trust policy is the compiled one")
          .isTrue();
      assertThat(condition(synced, "Ready").getStatus()).isEqualTo("True");
    }
    assertThat(
            ADMIN.listOpenIDConnectProviders().openIDConnectProviderList().stream()
                .map(p -> p.arn())
                .toList())
        .contains(
            "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
            "arn:aws:iam::123456789012:oidc-provider/gitlab.com");
  }

  @Test
  void anIdentityGetsItsRoleAndTheStatusSaysWhichOne() {
    create("create", spec("environment: production", aws(deployPolicy, "2h")));

    CIFederatedIdentity synced = awaitAws("create", "Synced");

    String roleName = roleName("create");
    Role role = ADMIN.getRole(r -> r.roleName(roleName)).role();
    var status = synced.getStatus().getAws();
    assertThat(status.getRoleArn()).isEqualTo(role.arn()).contains(":role/cifederation/");
    assertThat(status.getProviderArn())
        .isEqualTo("arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com");
    assertThat(Instant.parse(status.getLastSyncTime())).isBefore(Instant.now().plusSeconds(1));
    assertThat(status.getDriftCorrections()).isZero();
    assertThat(role.maxSessionDuration()).isEqualTo(7200);
    assertThat(attached(roleName)).containsExactly(deployPolicy);
    assertThat(AwsCloudIT.tags(role.tags()))
        .containsEntry("cifederation.dev/owner", LOOP.namespace() + "/create")
        .containsEntry("cifederation.dev/cluster", CLUSTER)
        .containsEntry("cifederation.dev/uid", synced.getMetadata().getUid());
    assertThat(
            PolicyDocuments.equivalent(
                PolicyDocuments.parse(role.assumeRolePolicyDocument()),
                LOOP.compile(synced).aws().trustPolicy()))
        .isTrue();
  }

  @Test
  void specUpdatesOfTrustPermissionsAndSessionDurationReachTheRole() {
    create("update", spec("branch: main", aws(deployPolicy, "1h")));
    awaitAws("update", "Synced");
    String roleName = roleName("update");

    CIFederatedIdentity identity = LOOP.get("update");
    identity.getSpec().getSubject().setBranch("release");
    identity.getSpec().getAws().setManagedPolicyArns(List.of(readPolicy));
    identity.getSpec().getAws().setMaxSessionDuration("4h");
    CLIENT.resource(identity).update();

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              Role role = ADMIN.getRole(r -> r.roleName(roleName)).role();
              assertThat(
                      PolicyDocuments.toJson(
                          PolicyDocuments.parse(role.assumeRolePolicyDocument())))
                  .contains("repo:my-org/my-app:ref:refs/heads/release");
              assertThat(role.maxSessionDuration()).isEqualTo(14400);
              assertThat(attached(roleName)).containsExactly(readPolicy);
            });
    CIFederatedIdentity updated = awaitAws("update", "Synced");
    assertThat(updated.getStatus().getObservedGeneration())
        .isEqualTo(updated.getMetadata().getGeneration());
    assertThat(updated.getStatus().getAws().getDriftCorrections())
        .as("a spec change is not drift")
        .isZero();
  }

  // -------------------------------------------------------------------------------------- drift

  @Test
  void trustWidenedByHandIsRevertedWithinOneResyncCountedAndReported() {
    create("drift", spec("environment: production", aws(deployPolicy, "1h")));
    CIFederatedIdentity synced = awaitAws("drift", "Synced");
    String roleName = roleName("drift");
    CompiledTrust compiled = LOOP.compile(synced);

    Instant widened = Instant.now();
    ADMIN.updateAssumeRolePolicy(
        r -> r.roleName(roleName).policyDocument(AwsCloudIT.widenedTrustFor(compiled)));

    // the account's scheduled scan comes at most RESYNC later and triggers the identity at once
    await()
        .atMost(RESYNC.plusSeconds(6))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                PolicyDocuments.equivalent(
                    PolicyDocuments.parse(
                        ADMIN.getRole(r -> r.roleName(roleName)).role().assumeRolePolicyDocument()),
                    compiled.aws().trustPolicy()));
    LOG.info(
        "widened trust reverted after {} ms", Duration.between(widened, Instant.now()).toMillis());

    CIFederatedIdentity corrected =
        LOOP.awaitStatus(
            "drift",
            i ->
                i.getStatus().getAws() != null
                    && i.getStatus().getAws().getDriftCorrections() != null
                    && i.getStatus().getAws().getDriftCorrections() >= 1);
    assertThat(corrected.getStatus().getAws().getDriftCorrections()).isEqualTo(1);
    assertThat(condition(corrected, "AWSReady").getReason()).isEqualTo("Synced");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(LOOP.events("drift"))
                    .anySatisfy(
                        e -> {
                          assertThat(e.getReason()).isEqualTo("DriftCorrected");
                          assertThat(e.getType()).isEqualTo("Warning");
                          assertThat(e.getMessage())
                              .contains("trust policy set to the compiled one")
                              .contains("repo:my-org/*");
                        }));
  }

  @Test
  void aSteadyResyncWritesNothingToIamNorToTheApiServerAndReadsInBulk() {
    create("steady", spec("tag: v1.0.0", aws(deployPolicy, "1h")));
    awaitAws("steady", "Synced");
    // one more pass: any write still under way (other tests' identities) settles meanwhile
    LOOP.awaitPasses("steady", 1);
    CIFederatedIdentity settled = LOOP.get("steady");
    int events = LOOP.events("steady").size();
    double unchangedPasses = passes("unchanged");

    double writes = count(AwsCloudIT.WRITES);
    double bulk = count(Set.of("GetAccountAuthorizationDetails"));
    double all = count(ALL_OPERATIONS);
    double perRole = count(Set.of("GetRole", "GetRolePolicy", "ListAttachedRolePolicies"));
    Instant start = Instant.now();
    LOOP.awaitPasses("steady", 3);
    Duration window = Duration.between(start, Instant.now());

    double bulkReads = count(Set.of("GetAccountAuthorizationDetails")) - bulk;
    double calls = count(ALL_OPERATIONS) - all;
    LOG.info(
        "steady state over {} ms (3 passes) with {} identities: {} IAM calls, {} bulk reads, 0 writes expected",
        window.toMillis(),
        CLIENT
            .resources(CIFederatedIdentity.class)
            .inNamespace(LOOP.namespace())
            .list()
            .getItems()
            .size(),
        calls,
        bulkReads);
    CIFederatedIdentity after = LOOP.get("steady");
    assertThat(after.getMetadata().getResourceVersion())
        .as("no status patch in a steady resync: the object is the one stored before")
        .isEqualTo(settled.getMetadata().getResourceVersion());
    assertThat(after.getStatus().getAws().getLastSyncTime())
        .as("lastSyncTime is when a pass last changed something")
        .isEqualTo(settled.getStatus().getAws().getLastSyncTime());
    assertThat(condition(after, "Ready").getLastTransitionTime())
        .isEqualTo(condition(settled, "Ready").getLastTransitionTime());
    assertThat(LOOP.events("steady")).as("no Event in a steady resync").hasSize(events);
    assertThat(passes("unchanged") - unchangedPasses)
        .as("the passes ran, and say so in cifed_cloud_passes_total")
        .isGreaterThanOrEqualTo(3);
    assertThat(count(AwsCloudIT.WRITES) - writes).as("IAM writes in a steady resync").isZero();
    assertThat(count(Set.of("GetRole", "GetRolePolicy", "ListAttachedRolePolicies")) - perRole)
        .as("per-role reads")
        .isZero();
    assertThat(bulkReads)
        .as("one scheduled read of the account per resync, whatever the identities")
        .isBetween(1.0, (double) window.dividedBy(RESYNC) + 1);
    assertThat(LOOP.get("steady").getStatus().getAws().getDriftCorrections()).isZero();
  }

  // ------------------------------------------------------------------------------------ safety

  @Test
  void aRoleTheOperatorDoesNotOwnIsAConflictLeftUntouchedWithAnEvent() {
    String roleName = roleName("conflict");
    String theirs = AwsCloudIT.widenedTrustFor(null);
    ADMIN.createRole(r -> r.roleName(roleName).assumeRolePolicyDocument(theirs));

    create("conflict", spec("environment: production", aws(deployPolicy, "1h")));

    CIFederatedIdentity conflict = awaitAws("conflict", "Conflict");
    Condition aws = condition(conflict, "AWSReady");
    assertThat(aws.getStatus()).isEqualTo("False");
    assertThat(aws.getMessage()).contains(roleName).contains("left untouched");
    assertThat(condition(conflict, "Ready").getStatus()).isEqualTo("False");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(LOOP.events("conflict"))
                    .anySatisfy(
                        e -> {
                          assertThat(e.getType()).isEqualTo("Warning");
                          assertThat(e.getMessage())
                              .contains("AWSReady Conflict")
                              .contains(roleName);
                        }));
    // still untouched after two more passes
    LOOP.awaitPasses("conflict", 2);
    Role role = ADMIN.getRole(r -> r.roleName(roleName)).role();
    assertThat(role.tags()).isEmpty();
    assertThat(PolicyDocuments.equivalent(role.assumeRolePolicyDocument(), theirs)).isTrue();
    assertThat(attached(roleName)).isEmpty();
  }

  @Test
  void deletionWithDeleteRemovesTheRoleAndThenTheResource() {
    create("delete-me", spec("environment: production", aws(deployPolicy, "1h")));
    awaitAws("delete-me", "Synced");
    String roleName = roleName("delete-me");

    CLIENT.resource(LOOP.get("delete-me")).delete();

    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> LOOP.get("delete-me") == null && !roleExists(roleName));
    assertThat(ADMIN.getPolicy(r -> r.policyArn(deployPolicy)).policy())
        .as("the managed policy is only detached")
        .isNotNull();
  }

  @Test
  void deletionWithOrphanKeepsTheRoleWithoutOwnershipTags() {
    create(
        "orphan-me",
        spec("environment: production", aws(deployPolicy, "1h"), "deletionPolicy: Orphan"));
    awaitAws("orphan-me", "Synced");
    String roleName = roleName("orphan-me");

    CLIENT.resource(LOOP.get("orphan-me")).delete();

    await().atMost(Duration.ofSeconds(60)).until(() -> LOOP.get("orphan-me") == null);
    Role role = ADMIN.getRole(r -> r.roleName(roleName)).role();
    assertThat(AwsCloudIT.tags(role.tags()))
        .doesNotContainKeys(
            "cifederation.dev/owner", "cifederation.dev/cluster", "cifederation.dev/uid");
    assertThat(attached(roleName)).containsExactly(deployPolicy);
  }

  @Test
  void removingTheAwsBlockRemovesTheRole() {
    create("moved", spec("environment: production", aws(deployPolicy, "1h")));
    awaitAws("moved", "Synced");
    String roleName = roleName("moved");

    // an identity needs one cloud block: it moves to Azure (not managed by this build)
    CIFederatedIdentity identity = LOOP.get("moved");
    identity.getSpec().setAws(null);
    identity
        .getSpec()
        .setAzure(
            Serialization.unmarshal(
                """
                subscriptionId: 00000000-0000-0000-0000-000000000000
                resourceGroup: my-rg
                location: eastus
                """,
                dev.cifederation.operator.api.v1alpha1.AzureIdentitySpec.class));
    CLIENT.resource(identity).update();

    await().atMost(Duration.ofSeconds(60)).until(() -> !roleExists(roleName));
    CIFederatedIdentity moved = LOOP.awaitStatus("moved", i -> i.getStatus().getAws() == null);
    assertThat(moved.getStatus().getConditions()).noneMatch(c -> c.getType().equals("AWSReady"));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(LOOP.events("moved"))
                    .anyMatch(e -> e.getReason().equals("CloudRemoved")));
  }

  // -------------------------------------------------------------------------- restart safety

  @Test
  void aRoleLeftHalfCreatedByAStoppedOperatorIsCompletedNotDuplicated() {
    // what an operator killed right after CreateRole leaves behind: our tags (with the identity's
    // UID, which exists only once the identity does), nothing else; meanwhile this one's own
    // CreateRole fails
    String roleName = roleName("restart");
    PROXY.failAlways("CreateRole", Fault.SERVICE_FAILURE);
    create("restart", spec("environment: production", aws(deployPolicy, "3h")));
    awaitAws("restart", "Transient");
    String uid = LOOP.get("restart").getMetadata().getUid();
    ADMIN.createRole(
        r ->
            r.roleName(roleName)
                .path("/cifederation/")
                .assumeRolePolicyDocument(AwsCloudIT.widenedTrustFor(null))
                .tags(
                    Tag.builder()
                        .key("cifederation.dev/owner")
                        .value(LOOP.namespace() + "/restart")
                        .build(),
                    Tag.builder().key("cifederation.dev/cluster").value(CLUSTER).build(),
                    Tag.builder().key("cifederation.dev/uid").value(uid).build()));
    PROXY.heal();

    CIFederatedIdentity synced = awaitAws("restart", "Synced");
    assertThat(
            ADMIN.listRoles(r -> r.pathPrefix("/cifederation/")).roles().stream()
                .filter(r -> r.roleName().equals(roleName)))
        .hasSize(1);
    Role role = ADMIN.getRole(r -> r.roleName(roleName)).role();
    assertThat(
            PolicyDocuments.equivalent(
                PolicyDocuments.parse(role.assumeRolePolicyDocument()),
                LOOP.compile(synced).aws().trustPolicy()))
        .isTrue();
    assertThat(role.maxSessionDuration()).isEqualTo(10800);
    assertThat(attached(roleName)).containsExactly(deployPolicy);
    assertThat(synced.getStatus().getAws().getDriftCorrections())
        .as("completing a creation is not drift")
        .isZero();
  }

  @Test
  void aCreationInterruptedBetweenCallsResumesOnTheNextPass() {
    PROXY.failAlways("AttachRolePolicy", Fault.SERVICE_FAILURE);
    create("interrupted", spec("environment: production", aws(readPolicy, "1h")));

    CIFederatedIdentity transient_ = awaitAws("interrupted", "Transient");
    assertThat(condition(transient_, "AWSReady").getMessage()).contains("AttachRolePolicy");
    assertThat(roleExists(roleName("interrupted"))).isTrue();

    PROXY.heal();
    awaitAws("interrupted", "Synced");
    assertThat(attached(roleName("interrupted"))).containsExactly(readPolicy);
  }

  // ------------------------------------------------------------------------------- throttling

  @Test
  void throttlingIsRetriedAndReportedThrottledOnlyWhileItLasts() {
    // a burst the SDK's retries absorb: nobody sees it in status
    PROXY.fail("CreateRole", Fault.THROTTLING, 2);
    create("burst", spec("environment: production", aws(deployPolicy, "1h")));
    awaitAws("burst", "Synced");
    assertThat(PROXY.requests("CreateRole")).isEqualTo(3);

    // throttling that outlasts them: Throttled, retried with backoff, Synced once it stops
    PROXY.failAlways("CreateRole", Fault.THROTTLING);
    create("throttled", spec("environment: staging", aws(deployPolicy, "1h")));
    CIFederatedIdentity throttled = awaitAws("throttled", "Throttled");
    assertThat(condition(throttled, "AWSReady").getMessage()).contains("Throttling");

    PROXY.heal();
    awaitAws("throttled", "Synced");
    assertThat(roleExists(roleName("throttled"))).isTrue();
  }

  // ---------------------------------------------------------------------------------- observe

  @Test
  void observeNeverWritesAndReportsWhatIsMissing() {
    create(
        "observed", spec("environment: qa", aws(deployPolicy, "1h"), "managementPolicy: Observe"));

    CIFederatedIdentity observed = awaitAws("observed", "DriftDetected");

    assertThat(condition(observed, "AWSReady").getMessage())
        .contains("IAM role " + roleName("observed") + " does not exist");
    assertThat(roleExists(roleName("observed"))).isFalse();
  }

  // ---------------------------------------------------------------------------------- helpers

  private static final Set<String> ALL_OPERATIONS =
      Set.of(
          "GetCallerIdentity",
          "GetAccountAuthorizationDetails",
          "ListRoles",
          "ListOpenIDConnectProviders",
          "GetOpenIDConnectProvider",
          "GetRole",
          "ListAttachedRolePolicies",
          "ListRolePolicies",
          "GetRolePolicy");

  private static double passes(String outcome) {
    var counter =
        REGISTRY.find(CloudPasses.PASSES).tag("cloud", "aws").tag("outcome", outcome).counter();
    return counter == null ? 0 : counter.count();
  }

  private static double count(Set<String> operations) {
    Set<String> all = new java.util.HashSet<>(operations);
    if (operations == ALL_OPERATIONS) {
      all.addAll(AwsCloudIT.WRITES);
    }
    return all.stream().mapToDouble(CALLS::count).sum();
  }

  private static String spec(String selector, String aws, String... extra) {
    return """
        issuerRef: github
        repository: my-org/my-app
        subject: {%s}
        %s
        aws:
        %s
        """
        .formatted(selector, String.join("\n", extra), aws.indent(2).stripTrailing());
  }

  private static String aws(String managedPolicy, String maxSessionDuration) {
    return """
        accountId: "123456789012"
        maxSessionDuration: %s
        managedPolicyArns: ["%s"]
        permissionsBoundaryArn: "%s"
        inlinePolicy:
          Version: "2012-10-17"
          Statement:
          - Effect: Allow
            Action: s3:ListBucket
            Resource: arn:aws:s3:::my-app
        """
        .formatted(maxSessionDuration, managedPolicy, boundary);
  }

  private static void create(String name, String spec) {
    LOOP.create(Fixtures.identity(null, name, spec));
  }

  private static CIFederatedIdentity awaitAws(String name, String reason) {
    return LOOP.awaitCondition(name, "AWSReady", reason);
  }

  private static String roleName(String name) {
    return CloudNames.awsRoleName(LOOP.namespace(), name);
  }

  private static List<String> attached(String role) {
    return ADMIN.listAttachedRolePolicies(r -> r.roleName(role)).attachedPolicies().stream()
        .map(p -> p.policyArn())
        .toList();
  }

  private static boolean roleExists(String roleName) {
    try {
      ADMIN.getRole(r -> r.roleName(roleName));
      return true;
    } catch (NoSuchEntityException e) {
      return false;
    }
  }
}
