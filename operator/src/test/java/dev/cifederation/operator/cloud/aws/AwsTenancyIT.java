package dev.cifederation.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.ConditionStatus;
import dev.cifederation.operator.api.v1alpha1.DeletionPolicy;
import dev.cifederation.operator.api.v1alpha1.TrustActiveReason;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.CloudRequest.Grants;
import dev.cifederation.operator.cloud.CloudRequest.Revocation;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.testsupport.Passes;
import dev.cifederation.operator.trust.Admission;
import dev.cifederation.operator.trust.Claims;
import dev.cifederation.operator.trust.LiveTrust;
import dev.cifederation.operator.trust.TrustEvaluator;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.iam.model.Tag;

/**
 * Tenancy in the AWS adapter against a real moto_server, without Kubernetes: ownership that an
 * identity re-created under the same name cannot inherit, adoption only by grant, two clusters in
 * one account, revocation in place and its resume, and Observe that tells nothing of a foreign
 * role. The reconciler's side (who is revoked, which grants apply) is tested with the operator.
 */
class AwsTenancyIT {

  private static final String ACCOUNT = AwsCloudIT.ACCOUNT;
  private static final String ROLE = "cifed-team-a_deploy";
  private static final String ROLE_ARN = "arn:aws:iam::" + ACCOUNT + ":role/cifederation/" + ROLE;
  private static final String UID = "0b6f1d0e-0000-4000-8000-00000000000a";
  private static final String NEW_UID = "0b6f1d0e-0000-4000-8000-00000000000b";
  private static final Grants ADOPT_TEAM_A =
      new Grants(
          List.of("arn:aws:iam::" + ACCOUNT + ":role/cifederation/cifed-team-a_*"), List.of());
  private static final Revocation SUSPENDED =
      new Revocation(TrustActiveReason.Suspended, "spec.suspend is true");

  /** A deploy job the compiled trust admits. */
  private static final Claims PRODUCTION =
      Claims.of(
          Map.ofEntries(
              Map.entry("iss", "https://token.actions.githubusercontent.com"),
              Map.entry("aud", "sts.amazonaws.com"),
              Map.entry("sub", "repo:my-org/my-app:environment:production"),
              Map.entry("repository", "my-org/my-app"),
              Map.entry("repository_owner", "my-org"),
              Map.entry("repository_id", "123456789"),
              Map.entry("repository_owner_id", "987654"),
              Map.entry("ref", "refs/heads/main"),
              Map.entry("ref_type", "branch"),
              Map.entry("environment", "production"),
              Map.entry("event_name", "push"),
              Map.entry(
                  "job_workflow_ref",
                  "my-org/my-app/.github/workflows/deploy.yml@refs/heads/main")));

  private static MotoServer moto;
  private static IamClient admin;

  private final AwsCloudIT.TestClock clock = new AwsCloudIT.TestClock();
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
  void freshAccount() {
    moto.reset();
    deployPolicyArn = AwsTestSupport.createPolicy(admin, "deploy");
    registry = new SimpleMeterRegistry();
    aws = adapter("test-cluster", registry);
  }

  @AfterEach
  void close() {
    aws.close();
  }

  // ------------------------------------------------------------------ ownership and adoption

  @Test
  void anIdentityReCreatedUnderTheSameNameDoesNotInheritTheRole() {
    CIFederatedIdentity first = identity("deploy", UID, spec());
    assertThat(reconcile(aws, first).reason()).isEqualTo(CloudReason.Synced);
    assertThat(tags(ROLE)).containsEntry(OwnershipTags.UID_TAG, UID);

    // the first one's finalizer was stripped: the role stayed; a namesake comes with a new UID
    // and an empty status
    CIFederatedIdentity namesake = identity("deploy", NEW_UID, spec());
    double writes = writes(registry);
    CloudOutcome outcome = reconcile(aws, namesake);

    assertThat(outcome.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(outcome.message())
        .contains("made for an earlier object of the same name")
        .contains("spec.adoptExisting")
        .contains("spec.aws.adoptableRoles");
    assertThat(writes(registry)).isEqualTo(writes);
    assertThat(tags(ROLE)).containsEntry(OwnershipTags.UID_TAG, UID);

    // and deleting the namesake leaves the earlier one's role alone
    CloudOutcome cleanup = aws.cleanup(new CloudRequest(namesake, AwsCloudIT.compile(namesake)));
    assertThat(cleanup.done()).isTrue();
    assertThat(roleNames()).containsExactly(ROLE);
  }

  @Test
  void adoptionNeedsBothTheIdentitysAskAndAPolicysGrant() {
    reconcile(aws, identity("deploy", UID, spec()));

    // asked for, not granted
    CIFederatedIdentity asking = identity("deploy", NEW_UID, spec(), "adoptExisting: true");
    CloudOutcome refused = reconcile(aws, asking);
    assertThat(refused.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(refused.message()).contains("no selecting policy grants " + ROLE_ARN);

    // granted, not asked for
    CIFederatedIdentity notAsking = identity("deploy", NEW_UID, spec());
    assertThat(reconcile(aws, notAsking, ADOPT_TEAM_A).reason()).isEqualTo(CloudReason.Conflict);
    assertThat(tags(ROLE)).containsEntry(OwnershipTags.UID_TAG, UID);

    // both
    CloudOutcome adopted = reconcile(aws, asking, ADOPT_TEAM_A);
    assertThat(adopted.reason()).as(adopted.message()).isEqualTo(CloudReason.Synced);
    assertThat(adopted.corrections())
        .singleElement()
        .asString()
        .contains("adopted")
        .contains("earlier object of the same name")
        .contains(ADOPT_TEAM_A.adoptable().get(0));
    assertThat(tags(ROLE)).containsEntry(OwnershipTags.UID_TAG, NEW_UID);
    assertThat(asking.getStatus().getAws().getRoleArn()).isEqualTo(ROLE_ARN);
    assertThat(asking.getStatus().getAws().getDriftCorrections())
        .as("adoption is not drift")
        .isZero();
    assertThat(reconcile(aws, asking, ADOPT_TEAM_A).corrections()).as("adopted once").isEmpty();
  }

  @Test
  void anAdoptedRoleIsReconciledAsUsualAndDeletedByTheDeletionPolicy() {
    // a role someone made by hand: wide trust, a policy of its own
    admin.createRole(
        r ->
            r.roleName(ROLE)
                .path("/cifederation/")
                .assumeRolePolicyDocument(AwsCloudIT.widenedTrustFor(null)));
    String handMade = AwsTestSupport.createPolicy(admin, "hand-made");
    admin.attachRolePolicy(r -> r.roleName(ROLE).policyArn(handMade));
    String roleId = roleId(ROLE);
    CIFederatedIdentity identity = identity("deploy", UID, spec(), "adoptExisting: true");

    CloudOutcome outcome = reconcile(aws, identity, ADOPT_TEAM_A);

    assertThat(outcome.reason()).as(outcome.message()).isEqualTo(CloudReason.Synced);
    assertThat(outcome.corrections()).anySatisfy(c -> assertThat(c).contains("adopted"));
    assertThat(roleId(ROLE)).as("the same role, taken over").isEqualTo(roleId);
    assertThat(tags(ROLE))
        .containsEntry(OwnershipTags.OWNER_TAG, "team-a/deploy")
        .containsEntry(OwnershipTags.CLUSTER_TAG, "test-cluster")
        .containsEntry(OwnershipTags.UID_TAG, UID);
    assertThat(attached(ROLE)).containsExactly(deployPolicyArn);
    assertThat(TrustEvaluator.evaluate(liveTrust(ROLE), PRODUCTION).admitted()).isTrue();
    assertThat(
            TrustEvaluator.evaluate(
                    new LiveTrust.Aws(ROLE_ARN, trustText(ROLE)),
                    Claims.of(withSub("repo:my-org/other-app:environment:production")))
                .admitted())
        .as("the hand-made widening is gone")
        .isFalse();

    CloudOutcome cleanup =
        aws.cleanup(
            new CloudRequest(
                identity,
                AwsCloudIT.compile(identity),
                Optional.empty(),
                DeletionPolicy.Delete,
                ADOPT_TEAM_A));
    assertThat(cleanup.done()).isTrue();
    assertThat(roleNames()).isEmpty();
  }

  @Test
  void aRoleWithoutMarksIsAConflictNamingWhatAdoptionNeeds() {
    admin.createRole(
        r ->
            r.roleName(ROLE)
                .path("/cifederation/")
                .assumeRolePolicyDocument(AwsCloudIT.widenedTrustFor(null)));

    CloudOutcome outcome = reconcile(aws, identity("deploy", UID, spec()), ADOPT_TEAM_A);

    assertThat(outcome.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(outcome.message())
        .contains("no cifederation.dev ownership tags")
        .contains("spec.adoptExisting: true")
        .contains("spec.aws.adoptableRoles");
    assertThat(tags(ROLE)).isEmpty();
  }

  @Test
  void aRoleMadeBeforeUidMarksIsMigratedOnlyWhenTheStatusRecordsIt() {
    createLegacyRole();
    CIFederatedIdentity unrecorded = identity("deploy", UID, spec());
    CloudOutcome refused = reconcile(aws, unrecorded);
    assertThat(refused.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(refused.message()).contains("does not record it");
    assertThat(tags(ROLE)).doesNotContainKey(OwnershipTags.UID_TAG);

    CIFederatedIdentity recorded = identity("deploy", UID, spec());
    recordRole(recorded, ROLE_ARN);
    CloudOutcome migrated = reconcile(aws, recorded);

    assertThat(migrated.reason()).as(migrated.message()).isEqualTo(CloudReason.Synced);
    assertThat(migrated.corrections())
        .singleElement()
        .asString()
        .contains(OwnershipTags.UID_TAG + "=" + UID + " written");
    assertThat(tags(ROLE)).containsEntry(OwnershipTags.UID_TAG, UID);
    double writes = writes(registry);
    clock.advance(Duration.ofMinutes(20));
    assertThat(reconcile(aws, recorded).corrections()).isEmpty();
    assertThat(writes(registry)).as("the mark is written once").isEqualTo(writes);
  }

  // -------------------------------------------------------------------------- two clusters

  @Test
  void twoClusterNamesInOneAccountLeaveEachOtherAlone() {
    SimpleMeterRegistry otherCalls = new SimpleMeterRegistry();
    try (AwsCloud other = adapter("other-cluster", otherCalls)) {
      // the same manifests applied to two clusters: same namespace/name, each its own UID
      CIFederatedIdentity ours = identity("deploy", UID, spec());
      CIFederatedIdentity theirs = identity("deploy", NEW_UID, spec(), "adoptExisting: true");
      assertThat(reconcile(aws, ours).reason()).isEqualTo(CloudReason.Synced);
      String roleId = roleId(ROLE);
      String trust = trustText(ROLE);

      // not even a grant lets the other cluster take our role
      CloudOutcome conflict = reconcile(other, theirs, ADOPT_TEAM_A);
      assertThat(conflict.reason()).isEqualTo(CloudReason.Conflict);
      assertThat(conflict.message()).contains("another cluster's operator is never adopted");
      assertThat(writes(otherCalls)).isZero();

      // under its own role name it works, trusting our provider without writing it
      CIFederatedIdentity theirsRenamed =
          identity("deploy", NEW_UID, spec("roleName: other-cluster-deploy"));
      CloudOutcome synced = reconcile(other, theirsRenamed);
      assertThat(synced.reason()).as(synced.message()).isEqualTo(CloudReason.Synced);
      assertThat(
              Set.of("CreateOpenIDConnectProvider", "UpdateOpenIDConnectProviderThumbprint")
                  .stream()
                  .mapToDouble(op -> new CloudCalls(otherCalls, Cloud.AWS.name()).count(op))
                  .sum())
          .isZero();
      assertThat(roleNames()).containsExactlyInAnyOrder(ROLE, "other-cluster-deploy");

      assertThat(roleId(ROLE)).as("our role was never replaced").isEqualTo(roleId);
      assertThat(PolicyDocuments.equivalent(trustText(ROLE), trust)).isTrue();
      assertThat(tags(ROLE)).containsEntry(OwnershipTags.UID_TAG, UID);

      // each cleanup removes only its own role; our provider stays while their role trusts it
      CloudOutcome ourCleanup = aws.cleanup(new CloudRequest(ours, AwsCloudIT.compile(ours)));
      assertThat(ourCleanup.message()).contains("kept: other roles trust it");
      assertThat(roleNames()).containsExactly("other-cluster-deploy");
      assertThat(
              other
                  .cleanup(new CloudRequest(theirsRenamed, AwsCloudIT.compile(theirsRenamed)))
                  .done())
          .isTrue();
      assertThat(roleNames()).isEmpty();
      // ours, so theirs never deletes it: it stays until one of our identities is deleted again
      assertThat(providers()).hasSize(1);
    }
  }

  @Test
  void anotherClustersRoleIsNeitherChangedNorDeleted() {
    SimpleMeterRegistry otherCalls = new SimpleMeterRegistry();
    try (AwsCloud other = adapter("other-cluster", otherCalls)) {
      CIFederatedIdentity theirs = identity("deploy", NEW_UID, spec());
      reconcile(other, theirs);
      String roleId = roleId(ROLE);
      // someone widens their role; our namesake must neither revert it nor delete it
      admin.updateAssumeRolePolicy(
          r -> r.roleName(ROLE).policyDocument(AwsCloudIT.widenedTrustFor(null)));
      String widened = trustText(ROLE);

      CIFederatedIdentity ours = identity("deploy", UID, spec());
      assertThat(reconcile(aws, ours).reason()).isEqualTo(CloudReason.Conflict);
      assertThat(aws.cleanup(new CloudRequest(ours, AwsCloudIT.compile(ours))).done()).isTrue();

      assertThat(roleId(ROLE)).isEqualTo(roleId);
      assertThat(PolicyDocuments.equivalent(trustText(ROLE), widened)).isTrue();
      assertThat(tags(ROLE)).containsEntry(OwnershipTags.CLUSTER_TAG, "other-cluster");
      assertThat(providers()).hasSize(1);
    }
  }

  // ---------------------------------------------------------------------------- revocation

  @Test
  void revocationWithdrawsTheTrustInPlaceAndResumeRestoresItWithTheSameRole() {
    CIFederatedIdentity identity = identity("deploy", UID, spec());
    reconcile(aws, identity);
    String providerArn = identity.getStatus().getAws().getProviderArn();
    String roleId = roleId(ROLE);
    assertThat(TrustEvaluator.evaluate(liveTrust(ROLE), PRODUCTION).admitted()).isTrue();

    double writes = writes(registry);
    CloudOutcome revoked = revoke(identity);

    assertThat(revoked.status()).isEqualTo(ConditionStatus.False);
    assertThat(revoked.reason()).isEqualTo(CloudReason.Revoked);
    assertThat(revoked.message()).contains("trust withdrawn").contains("spec.suspend is true");
    assertThat(writes(registry) - writes).as("one write: the trust policy").isEqualTo(1);
    assertThat(identity.getStatus().getAws().getRoleArn()).isEqualTo(ROLE_ARN);
    assertThat(identity.getStatus().getAws().getProviderArn()).isEqualTo(providerArn);
    // what IAM now holds refuses the subject; the role, its id and its permissions are kept
    Admission live = TrustEvaluator.evaluate(liveTrust(ROLE), PRODUCTION);
    assertThat(live.admitted()).as(live.reason()).isFalse();
    assertThat(roleId(ROLE)).isEqualTo(roleId);
    assertThat(attached(ROLE)).containsExactly(deployPolicyArn);
    assertThat(providers()).containsExactly(providerArn);
    // the outcome hands back what IAM has, for the lint and whoCanAssume
    assertThat(revoked.liveTrust()).isPresent();
    assertThat(TrustEvaluator.evaluate(revoked.liveTrust().get(), PRODUCTION).admitted()).isFalse();

    // idempotent
    double afterRevocation = writes(registry);
    CloudOutcome again = revoke(identity);
    assertThat(again.reason()).isEqualTo(CloudReason.Revoked);
    assertThat(again.corrections()).isEmpty();
    assertThat(writes(registry)).isEqualTo(afterRevocation);

    // resume: a normal pass, the same role
    CloudOutcome resumed = reconcile(aws, identity);
    assertThat(resumed.reason()).as(resumed.message()).isEqualTo(CloudReason.Synced);
    assertThat(roleId(ROLE)).isEqualTo(roleId);
    assertThat(identity.getStatus().getAws().getRoleArn()).isEqualTo(ROLE_ARN);
    assertThat(TrustEvaluator.evaluate(liveTrust(ROLE), PRODUCTION).admitted()).isTrue();
  }

  @Test
  void aRevokedIdentityIsDeletedLikeAnyOtherAndTheOperatorsOrphanSwitchWins() {
    CIFederatedIdentity suspended = identity("deploy", UID, spec());
    reconcile(aws, suspended);
    revoke(suspended);

    CloudOutcome deleted = aws.cleanup(new CloudRequest(suspended, AwsCloudIT.compile(suspended)));

    assertThat(deleted.done()).as(deleted.message()).isTrue();
    assertThat(roleNames()).isEmpty();
    assertThat(providers()).as("the Deny named it; with the role gone nothing does").isEmpty();

    // the operator-wide never-delete switch: Orphan in force, whatever the spec says
    CIFederatedIdentity kept = identity("deploy", NEW_UID, spec(), "deletionPolicy: Delete");
    reconcile(aws, kept);
    CloudOutcome orphaned =
        aws.cleanup(
            new CloudRequest(
                kept,
                AwsCloudIT.compile(kept),
                Optional.empty(),
                DeletionPolicy.Orphan,
                Grants.NONE));
    assertThat(orphaned.done()).isTrue();
    assertThat(roleNames()).containsExactly(ROLE);
    assertThat(tags(ROLE)).doesNotContainKeys(OwnershipTags.MARKS.toArray(String[]::new));
  }

  @Test
  void aTrustGivenBackByHandWhileRevokedIsWithdrawnAgain() {
    CIFederatedIdentity identity = identity("deploy", UID, spec());
    reconcile(aws, identity);
    revoke(identity);
    admin.updateAssumeRolePolicy(
        r -> r.roleName(ROLE).policyDocument(AwsCloudIT.widenedTrustFor(null)));

    CloudOutcome again = revoke(identity);

    assertThat(again.reason()).isEqualTo(CloudReason.Revoked);
    assertThat(again.corrections()).singleElement().asString().contains("withdrawn again");
    assertThat(TrustEvaluator.evaluate(liveTrust(ROLE), PRODUCTION).admitted()).isFalse();
  }

  @Test
  void aRoleWhoseTrustNamesNoProviderIsWithdrawnForEveryPrincipal() {
    CIFederatedIdentity identity = identity("deploy", UID, spec());
    reconcile(aws, identity);
    // edited by hand to name no OIDC provider, and a status that records no provider either
    admin.updateAssumeRolePolicy(
        r ->
            r.roleName(ROLE)
                .policyDocument(
                    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                        + "\"Principal\":{\"AWS\":\"arn:aws:iam::"
                        + ACCOUNT
                        + ":root\"},\"Action\":\"sts:AssumeRole\"}]}"));
    recordRole(identity, ROLE_ARN);
    identity.getStatus().getAws().setProviderArn(null);

    CloudOutcome revoked = revoke(identity);

    assertThat(revoked.reason()).as(revoked.message()).isEqualTo(CloudReason.Revoked);
    assertThat(PolicyDocuments.parse(trustText(ROLE)).toString()).contains("\"Principal\":\"*\"");
    assertThat(TrustEvaluator.evaluate(liveTrust(ROLE), PRODUCTION).admitted()).isFalse();
    assertThat(revoke(identity).reason()).isEqualTo(CloudReason.Revoked);
    assertThat(count(registry, "UpdateAssumeRolePolicy")).as("idempotent").isEqualTo(1);
  }

  @Test
  void aRevokedIdentityActsOnTheRecordedRoleAndCreatesNothingWhereTheSpecNowPoints() {
    CIFederatedIdentity identity = identity("deploy", UID, spec());
    reconcile(aws, identity);
    // while revoked, the spec moves to another role name (and account): nothing is made there
    CIFederatedIdentity moved =
        identity(
            "deploy",
            UID,
            spec("roleName: somewhere-else").replace(ACCOUNT, AwsCloudIT.OTHER_ACCOUNT));
    moved.setStatus(identity.getStatus());
    double writes = writes(registry);

    CloudOutcome revoked = revoke(moved);

    assertThat(revoked.reason()).as(revoked.message()).isEqualTo(CloudReason.Revoked);
    assertThat(revoked.message()).contains(ROLE_ARN);
    assertThat(writes(registry) - writes).isEqualTo(1);
    assertThat(count(registry, "CreateRole") + count(registry, "CreateOpenIDConnectProvider"))
        .as("only the first, unrevoked pass created anything")
        .isEqualTo(2);
    assertThat(roleNames()).containsExactly(ROLE);
    assertThat(TrustEvaluator.evaluate(liveTrust(ROLE), PRODUCTION).admitted()).isFalse();
  }

  @Test
  void aRevokedIdentityThatRecordsNoRoleMakesNoCallAndCreatesNothing() {
    CIFederatedIdentity identity = identity("deploy", UID, spec());
    // what a Conflict pass leaves: the provider, no role
    var status = new CIFederatedIdentityStatus();
    var recorded = new dev.cifederation.operator.api.v1alpha1.AwsIdentityStatus();
    recorded.setProviderArn(AwsCloudIT.PROVIDER_ARN);
    status.setAws(recorded);
    identity.setStatus(status);

    CloudOutcome revoked = revoke(identity);

    assertThat(revoked.reason()).isEqualTo(CloudReason.Revoked);
    assertThat(revoked.message()).contains("no IAM role is recorded");
    assertThat(registry.find(CloudCalls.METRIC).counters()).as("no IAM call at all").isEmpty();
    assertThat(identity.getStatus().getAws().getProviderArn()).isEqualTo(AwsCloudIT.PROVIDER_ARN);
    assertThat(roleNames()).isEmpty();
    assertThat(providers()).isEmpty();
  }

  @Test
  void revocationNeverTouchesARoleOurMarksDoNotConfirm() {
    // the status names a role that someone else owns (e.g. re-created by hand since)
    admin.createRole(
        r ->
            r.roleName(ROLE)
                .path("/cifederation/")
                .assumeRolePolicyDocument(AwsCloudIT.widenedTrustFor(null)));
    String trust = trustText(ROLE);
    CIFederatedIdentity identity = identity("deploy", UID, spec());
    recordRole(identity, ROLE_ARN);

    CloudOutcome outcome = revoke(identity);

    assertThat(outcome.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(outcome.message()).contains("left untouched");
    assertThat(outcome.liveTrust()).isEmpty();
    assertThat(writes(registry)).isZero();
    assertThat(PolicyDocuments.equivalent(trustText(ROLE), trust)).isTrue();
  }

  @Test
  void aLegacyRoleRecordedInStatusIsMigratedAndWithdrawn() {
    createLegacyRole();
    CIFederatedIdentity identity = identity("deploy", UID, spec());
    recordRole(identity, ROLE_ARN);

    CloudOutcome revoked = revoke(identity);

    assertThat(revoked.reason()).as(revoked.message()).isEqualTo(CloudReason.Revoked);
    assertThat(tags(ROLE)).containsEntry(OwnershipTags.UID_TAG, UID);
    assertThat(TrustEvaluator.evaluate(liveTrust(ROLE), PRODUCTION).admitted()).isFalse();
  }

  @Test
  void aRevocationUnderObserveOnlyReports() {
    CIFederatedIdentity enforced = identity("deploy", UID, spec());
    reconcile(aws, enforced);
    CIFederatedIdentity observed = identity("deploy", UID, spec(), "managementPolicy: Observe");
    observed.setStatus(enforced.getStatus());
    double writes = writes(registry);

    CloudOutcome outcome = revoke(observed);

    assertThat(outcome.reason()).isEqualTo(CloudReason.DriftDetected);
    assertThat(outcome.message()).contains("Observe").contains("nothing is written");
    assertThat(writes(registry)).isEqualTo(writes);
    assertThat(TrustEvaluator.evaluate(liveTrust(ROLE), PRODUCTION).admitted()).isTrue();
  }

  // ------------------------------------------------------------------------------- observe

  @Test
  void observeOnAForeignRoleReportsOnlyThatItIsForeign() {
    String secretSubject = "repo:secret-org/secret-repo:environment:vault";
    String foreignTrust =
        """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow",
          "Principal":{"Federated":"%s"},
          "Action":"sts:AssumeRoleWithWebIdentity",
          "Condition":{"StringEquals":{"token.actions.githubusercontent.com:sub":"%s",
                                      "sts:ExternalId":"external-id-4711"}}}]}
        """
            .formatted(AwsCloudIT.PROVIDER_ARN, secretSubject);
    admin.createRole(
        r -> r.roleName(ROLE).path("/cifederation/").assumeRolePolicyDocument(foreignTrust));
    String secretPolicy = AwsTestSupport.createPolicy(admin, "secret-vault-access");
    admin.attachRolePolicy(r -> r.roleName(ROLE).policyArn(secretPolicy));
    admin.putRolePolicy(
        r ->
            r.roleName(ROLE)
                .policyName("secret-inline")
                .policyDocument(
                    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                        + "\"Action\":\"kms:Decrypt\",\"Resource\":\"arn:aws:kms:us-east-1:"
                        + ACCOUNT
                        + ":key/secret-key\"}]}"));
    CIFederatedIdentity observed = identity("deploy", UID, spec(), "managementPolicy: Observe");

    CloudOutcome outcome = reconcile(aws, observed);

    assertThat(outcome.status()).isEqualTo(ConditionStatus.False);
    assertThat(outcome.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(outcome.message()).contains("not managed by this identity");
    assertThat(outcome.liveTrust()).isEmpty();
    assertThat(outcome.findings()).isEmpty();
    String everything =
        outcome.message()
            + outcome.corrections()
            + outcome.findings()
            + Serialization.asJson(observed.getStatus());
    for (String secret :
        List.of(
            "secret-org",
            "secret-repo",
            "external-id-4711",
            "ExternalId",
            "secret-vault-access",
            "secret-inline",
            "kms",
            "secret-key",
            "Federated")) {
      assertThat(everything).doesNotContain(secret);
    }
    assertThat(writes(registry)).isZero();
  }

  // ------------------------------------------------------------------------------- helpers

  private AwsCloud adapter(String cluster, SimpleMeterRegistry meters) {
    AwsSettings settings =
        new AwsSettings(
            Optional.of(moto.endpoint()),
            Optional.of(moto.endpoint()),
            "us-east-1",
            Optional.empty(),
            3,
            Duration.ofMillis(10),
            Duration.ofMillis(20),
            Duration.ofMillis(100));
    return new AwsCloud(
        settings,
        AwsCloudIT.TEST_CREDENTIALS,
        ThumbprintSource.notRequired(),
        "/cifederation/",
        cluster,
        AwsTestSupport.quickRetries(Duration.ofMinutes(10)),
        meters,
        clock);
  }

  private String spec(String... extra) {
    return """
        accountId: "%s"
        managedPolicyArns: ["%s"]
        """
            .formatted(ACCOUNT, deployPolicyArn)
        + String.join("\n", extra);
  }

  private static CIFederatedIdentity identity(
      String name, String uid, String aws, String... specExtra) {
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
                uid,
                String.join("\n", specExtra).indent(2).stripTrailing(),
                aws.indent(4).stripTrailing());
    return Serialization.unmarshal(yaml, CIFederatedIdentity.class);
  }

  private static CloudOutcome reconcile(AwsCloud adapter, CIFederatedIdentity identity) {
    return reconcile(adapter, identity, Grants.NONE);
  }

  /** One pass, and the status the identity reconciler would write from it. */
  private static CloudOutcome reconcile(
      AwsCloud adapter, CIFederatedIdentity identity, Grants grants) {
    return pass(
        identity,
        adapter.reconcile(
            new CloudRequest(
                identity,
                AwsCloudIT.compile(identity),
                Optional.empty(),
                DeletionPolicy.Delete,
                grants)));
  }

  private CloudOutcome revoke(CIFederatedIdentity identity) {
    return pass(
        identity,
        aws.reconcile(
            new CloudRequest(
                identity,
                AwsCloudIT.compile(identity),
                Optional.of(SUSPENDED),
                DeletionPolicy.Delete,
                Grants.NONE)));
  }

  private static CloudOutcome pass(CIFederatedIdentity identity, CloudOutcome outcome) {
    Passes.settle(identity, Cloud.AWS, outcome);
    return outcome;
  }

  private static void recordRole(CIFederatedIdentity identity, String roleArn) {
    var status = new CIFederatedIdentityStatus();
    var aws = new dev.cifederation.operator.api.v1alpha1.AwsIdentityStatus();
    aws.setRoleArn(roleArn);
    aws.setProviderArn(AwsCloudIT.PROVIDER_ARN);
    status.setAws(aws);
    identity.setStatus(status);
  }

  /** What the operator's previous version left: owner and cluster marks, no UID. */
  private void createLegacyRole() {
    CIFederatedIdentity identity = identity("deploy", UID, spec());
    admin.createOpenIDConnectProvider(
        r ->
            r.url("https://token.actions.githubusercontent.com")
                .clientIDList("sts.amazonaws.com")
                .tags(
                    Tag.builder()
                        .key(OwnershipTags.OWNER_TAG)
                        .value(OwnershipTags.SHARED_OWNER)
                        .build(),
                    Tag.builder().key(OwnershipTags.CLUSTER_TAG).value("test-cluster").build()));
    admin.createRole(
        r ->
            r.roleName(ROLE)
                .path("/cifederation/")
                .assumeRolePolicyDocument(
                    PolicyDocuments.toJson(AwsCloudIT.compile(identity).aws().trustPolicy()))
                .tags(
                    Tag.builder().key(OwnershipTags.OWNER_TAG).value("team-a/deploy").build(),
                    Tag.builder().key(OwnershipTags.CLUSTER_TAG).value("test-cluster").build()));
    admin.attachRolePolicy(r -> r.roleName(ROLE).policyArn(deployPolicyArn));
  }

  private static double writes(SimpleMeterRegistry meters) {
    return AwsCloudIT.WRITES.stream().mapToDouble(op -> count(meters, op)).sum();
  }

  private static double count(SimpleMeterRegistry meters, String operation) {
    return new CloudCalls(meters, Cloud.AWS.name()).count(operation);
  }

  private static Map<String, Object> withSub(String sub) {
    Map<String, Object> claims = new java.util.HashMap<>(PRODUCTION.asMap());
    claims.put("sub", sub);
    claims.put("repository", sub.substring(5, sub.indexOf(':', 5)));
    return claims;
  }

  private static LiveTrust.Aws liveTrust(String role) {
    Role live = admin.getRole(r -> r.roleName(role)).role();
    return new LiveTrust.Aws(live.arn(), trustText(role));
  }

  private static String trustText(String role) {
    return PolicyDocuments.toJson(
        PolicyDocuments.parse(
            admin.getRole(r -> r.roleName(role)).role().assumeRolePolicyDocument()));
  }

  private static String roleId(String role) {
    return admin.getRole(r -> r.roleName(role)).role().roleId();
  }

  private static Map<String, String> tags(String role) {
    return AwsCloudIT.tags(admin.getRole(r -> r.roleName(role)).role().tags());
  }

  private static List<String> attached(String role) {
    return admin.listAttachedRolePolicies(r -> r.roleName(role)).attachedPolicies().stream()
        .map(p -> p.policyArn())
        .toList();
  }

  private static List<String> roleNames() {
    return admin.listRoles().roles().stream().map(Role::roleName).toList();
  }

  private static List<String> providers() {
    return admin.listOpenIDConnectProviders().openIDConnectProviderList().stream()
        .map(p -> p.arn())
        .toList();
  }
}
