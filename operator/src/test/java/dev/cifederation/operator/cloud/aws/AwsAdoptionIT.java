package dev.cifederation.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.ConditionStatus;
import dev.cifederation.operator.api.v1alpha1.DeletionPolicy;
import dev.cifederation.operator.api.v1alpha1.ManagementPolicy;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.CloudRequest.Grants;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.testsupport.Passes;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * Adoption without a gap, against moto_server: a role and an OIDC provider made as Terraform makes
 * them (role at the root path, provider without the operator's tags), described by a manifest under
 * {@code managementPolicy: Observe}, then taken over by switching to Enforce. CI must be able to
 * assume the role throughout: the stored trust policy stays byte for byte what IAM held.
 */
class AwsAdoptionIT {

  private static final String ACCOUNT = AwsCloudIT.ACCOUNT;
  private static final String ROLE = "legacy-deploy";
  private static final String ROLE_ARN = "arn:aws:iam::" + ACCOUNT + ":role/" + ROLE;
  private static final String UID = "0b6f1d0e-0000-4000-8000-0000000000ad";
  private static final String THUMBPRINT = "6938fd4d98bab03faadb97b34396831e3780aea1";
  private static final Grants ADOPT_LEGACY =
      new Grants(List.of("arn:aws:iam::" + ACCOUNT + ":role/legacy-*"), List.of());

  private static MotoServer moto;
  private static IamClient admin;

  private SimpleMeterRegistry registry;
  private AwsCloud aws;
  private String deployPolicyArn;

  @BeforeAll
  static void startMoto() {
    moto = MotoServer.start();
    admin = AwsTestSupport.iamClient(moto.endpoint(), AwsCloudIT.TEST_CREDENTIALS);
  }

  @AfterAll
  static void stopMoto() {
    admin.close();
    moto.close();
  }

  @BeforeEach
  void terraformedAccount() {
    moto.reset();
    deployPolicyArn = AwsTestSupport.createPolicy(admin, "deploy");
    admin.createOpenIDConnectProvider(
        r ->
            r.url("https://token.actions.githubusercontent.com")
                .clientIDList("sts.amazonaws.com")
                .thumbprintList(THUMBPRINT));
    registry = new SimpleMeterRegistry();
    aws =
        new AwsCloud(
            AwsTestSupport.operatorSettings(moto.endpoint()),
            AwsCloudIT.TEST_CREDENTIALS,
            ThumbprintSource.notRequired(),
            "/cifederation/",
            "test-cluster",
            AwsTestSupport.quickRetries(Duration.ofMinutes(10)),
            registry,
            java.time.Clock.systemUTC());
  }

  @AfterEach
  void close() {
    aws.close();
  }

  @Test
  void aMatchingRoleIsObservedWithoutDriftThenAdoptedByItsTagsAloneAndItsTrustKeptByteForByte()
      throws Exception {
    CIFederatedIdentity identity = identity(ManagementPolicy.Observe);
    // the compiled trust as a person writes it: indented, other whitespace — same meaning
    String handWritten =
        new ObjectMapper()
            .writerWithDefaultPrettyPrinter()
            .writeValueAsString(AwsCloudIT.compile(identity).aws().trustPolicy());
    seedRole(handWritten);
    String stored = storedTrust();

    CloudOutcome observed = reconcile(identity, ADOPT_LEGACY);

    assertThat(observed.reason()).as(observed.message()).isEqualTo(CloudReason.Observed);
    assertThat(observed.status()).isEqualTo(ConditionStatus.True);
    assertThat(observed.message())
        .contains("matches the spec")
        .contains("managementPolicy Enforce takes it over");
    assertThat(writes()).as("Observe writes nothing, not even tags").isZero();
    assertThat(roleTags()).isEmpty();
    assertThat(identity.getStatus().getAws().getRoleArn())
        .as("not recorded before it is this identity's")
        .isNull();

    // the adoption step: the same manifest, Enforce
    enforce(identity);
    CloudOutcome adopted = reconcile(identity, ADOPT_LEGACY);

    assertThat(adopted.reason()).as(adopted.message()).isEqualTo(CloudReason.Synced);
    assertThat(adopted.corrections()).singleElement().asString().contains("adopted");
    assertThat(count("TagRole")).as("the ownership tags, once").isEqualTo(1);
    assertThat(writes()).as("and nothing else").isEqualTo(1);
    assertThat(storedTrust()).as("IAM's trust document, byte for byte").isEqualTo(stored);
    assertThat(roleTags())
        .containsEntry(OwnershipTags.OWNER_TAG, "team-a/deploy")
        .containsEntry(OwnershipTags.UID_TAG, UID);
    assertThat(attached()).containsExactly(deployPolicyArn);
    assertThat(identity.getStatus().getAws().getRoleArn()).isEqualTo(ROLE_ARN);
    assertThat(reconcile(identity, ADOPT_LEGACY).corrections()).as("adopted once").isEmpty();
    assertThat(writes()).isEqualTo(1);
    assertProviderUntouched();
  }

  @Test
  void aWiderRoleShowsUnderObserveExactlyWhatAdoptionWillNarrow() {
    seedRole(AwsCloudIT.widenedTrustFor(null));
    admin.attachRolePolicy(
        r -> r.roleName(ROLE).policyArn(AwsTestSupport.createPolicy(admin, "hand-made")));
    CIFederatedIdentity identity = identity(ManagementPolicy.Observe);

    CloudOutcome observed = reconcile(identity, ADOPT_LEGACY);

    assertThat(observed.reason()).isEqualTo(CloudReason.DriftDetected);
    assertThat(observed.message()).contains("trust policy").contains("hand-made");
    assertThat(writes()).isZero();

    enforce(identity);
    CloudOutcome adopted = reconcile(identity, ADOPT_LEGACY);

    assertThat(adopted.reason()).as(adopted.message()).isEqualTo(CloudReason.Synced);
    assertThat(count("UpdateAssumeRolePolicy")).isEqualTo(1);
    assertThat(count("DetachRolePolicy")).isEqualTo(1);
    assertThat(
            PolicyDocuments.equivalent(
                PolicyDocuments.parse(storedTrust()),
                AwsCloudIT.compile(identity).aws().trustPolicy()))
        .isTrue();
    assertThat(attached()).containsExactly(deployPolicyArn);
    assertProviderUntouched();
  }

  @Test
  void withoutAGrantNeitherObserveNorEnforceTouchesTheRole() {
    seedRole(AwsCloudIT.widenedTrustFor(null));
    String stored = storedTrust();
    CIFederatedIdentity identity = identity(ManagementPolicy.Observe);

    CloudOutcome observed = reconcile(identity, Grants.NONE);
    enforce(identity);
    CloudOutcome enforced = reconcile(identity, Grants.NONE);

    assertThat(observed.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(observed.message()).doesNotContain("repo:my-org");
    assertThat(enforced.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(enforced.message()).contains("no selecting policy grants " + ROLE_ARN);
    assertThat(writes()).isZero();
    assertThat(roleTags()).isEmpty();
    assertThat(storedTrust()).isEqualTo(stored);
  }

  @Test
  void anAdoptedRoleIsDeletedByItsDeletionPolicyButTheSharedProviderStays() {
    CIFederatedIdentity identity = identity(ManagementPolicy.Enforce);
    seedRole(PolicyDocuments.toJson(AwsCloudIT.compile(identity).aws().trustPolicy()));
    assertThat(reconcile(identity, ADOPT_LEGACY).reason()).isEqualTo(CloudReason.Synced);

    CloudOutcome cleanup =
        aws.cleanup(
            new CloudRequest(
                identity,
                AwsCloudIT.compile(identity),
                Optional.empty(),
                DeletionPolicy.Delete,
                ADOPT_LEGACY));

    assertThat(cleanup.done()).isTrue();
    assertThat(admin.listRoles().roles()).isEmpty();
    assertProviderUntouched();
  }

  // ------------------------------------------------------------------------------- helpers

  private void seedRole(String trust) {
    admin.createRole(r -> r.roleName(ROLE).path("/").assumeRolePolicyDocument(trust));
    admin.attachRolePolicy(r -> r.roleName(ROLE).policyArn(deployPolicyArn));
  }

  private void assertProviderUntouched() {
    var provider =
        admin.getOpenIDConnectProvider(r -> r.openIDConnectProviderArn(AwsCloudIT.PROVIDER_ARN));
    assertThat(provider.tags()).isEmpty();
    assertThat(provider.thumbprintList()).containsExactly(THUMBPRINT);
    assertThat(provider.clientIDList()).containsExactly("sts.amazonaws.com");
  }

  private CIFederatedIdentity identity(ManagementPolicy policy) {
    String yaml =
        """
        apiVersion: cifederation.dev/v1alpha1
        kind: CIFederatedIdentity
        metadata: {name: deploy, namespace: team-a, generation: 1, uid: %s}
        spec:
          issuerRef: github
          repository: my-org/my-app
          subject: {environment: production}
          managementPolicy: %s
          adoptExisting: true
          aws:
            accountId: "%s"
            roleName: %s
            managedPolicyArns: ["%s"]
        """
            .formatted(UID, policy, ACCOUNT, ROLE, deployPolicyArn);
    return Serialization.unmarshal(yaml, CIFederatedIdentity.class);
  }

  private static void enforce(CIFederatedIdentity identity) {
    identity.getSpec().setManagementPolicy(ManagementPolicy.Enforce);
    identity.getMetadata().setGeneration(identity.getMetadata().getGeneration() + 1);
  }

  private CloudOutcome reconcile(CIFederatedIdentity identity, Grants grants) {
    CloudOutcome outcome =
        aws.reconcile(
            new CloudRequest(
                identity,
                AwsCloudIT.compile(identity),
                Optional.empty(),
                DeletionPolicy.Delete,
                grants));
    Passes.settle(identity, Cloud.AWS, outcome);
    return outcome;
  }

  private static String storedTrust() {
    return admin.getRole(r -> r.roleName(ROLE)).role().assumeRolePolicyDocument();
  }

  private static Map<String, String> roleTags() {
    return AwsCloudIT.tags(admin.getRole(r -> r.roleName(ROLE)).role().tags());
  }

  private static List<String> attached() {
    return admin.listAttachedRolePolicies(r -> r.roleName(ROLE)).attachedPolicies().stream()
        .map(p -> p.policyArn())
        .toList();
  }

  private double writes() {
    return AwsCloudIT.WRITES.stream().mapToDouble(this::count).sum();
  }

  private double count(String operation) {
    return new CloudCalls(registry, Cloud.AWS.name()).count(operation);
  }
}
