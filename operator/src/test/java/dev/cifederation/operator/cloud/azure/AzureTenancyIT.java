package dev.cifederation.operator.cloud.azure;

import static dev.cifederation.operator.cloud.azure.ArmFixture.GROUP;
import static dev.cifederation.operator.cloud.azure.ArmFixture.GROUP_SCOPE;
import static dev.cifederation.operator.cloud.azure.ArmFixture.SUBSCRIPTION;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.fakes.azure.ArmState.FederatedCredential;
import dev.cifederation.fakes.azure.ArmState.Identity;
import dev.cifederation.fakes.azure.ArmState.RoleAssignment;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.DeletionPolicy;
import dev.cifederation.operator.api.v1alpha1.ManagementPolicy;
import dev.cifederation.operator.api.v1alpha1.TrustActiveReason;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.CloudRequest.Grants;
import dev.cifederation.operator.cloud.CloudRequest.Revocation;
import dev.cifederation.operator.testsupport.Passes;
import dev.cifederation.operator.testsupport.Specs;
import dev.cifederation.operator.trust.Claims;
import dev.cifederation.operator.trust.IssuerInfo;
import dev.cifederation.operator.trust.LiveTrust;
import dev.cifederation.operator.trust.TrustCompilationException;
import dev.cifederation.operator.trust.TrustCompiler;
import dev.cifederation.operator.trust.TrustEvaluator;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tenancy in Azure, adapter by adapter against the fake ARM through the real SDK: roles resolved
 * and held against policy before any write, ownership that a namesake cannot inherit, adoption only
 * by grant, two clusters in one subscription, revocation in place and back, and Observe on a
 * stranger's identity reading nothing out.
 */
class AzureTenancyIT {

  private static final String ISSUER_URL = "https://token.actions.githubusercontent.com";
  private static final IssuerInfo GITHUB = Specs.gitHub();
  private static final String IDENTITY = "cifed-team-a_deploy";
  private static final String SUBJECT = "repo:my-org/my-app:environment:production";
  private static final String UID = "5b7c1d3e-0000-4000-8000-000000000001";
  private static final String LATER_UID = "5b7c1d3e-0000-4000-8000-000000000002";
  private static final String OWNER_GUID = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
  private static final String READER_GUID = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
  private static final String CUSTOM_GUID = "3f2c9d44-8b1e-4c0a-9f6e-5d7a1b2c3d4e";
  private static final String SUBSCRIPTION_SCOPE = "/subscriptions/" + SUBSCRIPTION;
  private static final String IDENTITY_ID =
      "/subscriptions/"
          + SUBSCRIPTION
          + "/resourceGroups/"
          + GROUP
          + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"
          + IDENTITY;
  private static final ArmRetry.Policy FAST =
      new ArmRetry.Policy(4, Duration.ofMillis(50), Duration.ofSeconds(10));
  private static final Claims TOKEN =
      Claims.of(Map.of("iss", ISSUER_URL, "sub", SUBJECT, "aud", "api://AzureADTokenExchange"));

  private final TrustCompiler compiler = new TrustCompiler();
  private ArmFixture arm;
  private AzureCloudReconciler adapter;

  @BeforeEach
  void start() {
    arm = ArmFixture.start(o -> o);
    adapter = adapterOf("test-cluster");
  }

  @AfterEach
  void stop() {
    arm.close();
  }

  // ------------------------------------------------------------------- forbidden roles

  @Test
  void aCustomRoleGivenByItsOwnGuidIsResolvedAndRefusedWhenItsNameIsForbidden() {
    arm.state().defineCustomRole(CUSTOM_GUID, "Deploy Admin", List.of(SUBSCRIPTION_SCOPE));
    CIFederatedIdentity identity =
        identity(UID, List.of(role("Reader", GROUP_SCOPE), role(CUSTOM_GUID, GROUP_SCOPE)));

    CloudOutcome outcome = pass(identity, grants(List.of(), List.of("Owner", "Deploy Admin")));

    assertThat(outcome.reason()).as(outcome.message()).isEqualTo(CloudReason.ForbiddenByPolicy);
    assertThat(outcome.message())
        .contains("spec.azure.roleAssignments[1].role")
        .contains("'Deploy Admin'")
        .contains(CUSTOM_GUID)
        .contains("spec.azure.forbiddenRoles");
    assertThat(outcome.retryAfter()).isEmpty();
    assertNothingWritten();
  }

  @Test
  void aForbiddenBuiltInWrittenAsAnotherFormOfItsDefinitionIdIsRefused() {
    String ownerAtSubscription =
        SUBSCRIPTION_SCOPE
            + "/providers/Microsoft.Authorization/roleDefinitions/"
            + OWNER_GUID.toUpperCase();
    CloudOutcome outcome =
        pass(
            identity(UID, List.of(role(ownerAtSubscription, GROUP_SCOPE))),
            grants(List.of(), List.of("owner")));

    assertThat(outcome.reason()).isEqualTo(CloudReason.ForbiddenByPolicy);
    assertThat(outcome.message())
        .contains("spec.azure.roleAssignments[0].role")
        .contains("'Owner'")
        .contains("'owner'");
    assertNothingWritten();
  }

  @Test
  void aRoleForbiddenByGuidIsRefusedWhenWrittenByName() {
    arm.state().defineCustomRole(CUSTOM_GUID, "Deploy Admin", List.of(SUBSCRIPTION_SCOPE));
    CloudOutcome outcome =
        pass(
            identity(UID, List.of(role("Deploy Admin", GROUP_SCOPE))),
            grants(
                List.of(),
                List.of("/providers/Microsoft.Authorization/roleDefinitions/" + CUSTOM_GUID)));

    assertThat(outcome.reason()).isEqualTo(CloudReason.ForbiddenByPolicy);
    assertThat(outcome.message()).contains("'Deploy Admin'");
    assertNothingWritten();
  }

  @Test
  void aGuidThatResolvesToNoRoleIsRefusedWhileRolesAreForbidden() {
    String unknown = "0badc0de-0000-4000-8000-000000000000";
    CloudOutcome outcome =
        pass(
            identity(UID, List.of(role(unknown, GROUP_SCOPE))),
            grants(List.of(), List.of("Owner")));

    assertThat(outcome.reason()).isEqualTo(CloudReason.ForbiddenByPolicy);
    assertThat(outcome.message())
        .contains("spec.azure.roleAssignments[0].role")
        .contains(unknown)
        .contains("cannot be held against spec.azure.forbiddenRoles");
    assertNothingWritten();
  }

  @Test
  void aCustomRoleOutsideItsAssignableScopesCannotBeResolvedThere() {
    arm.state().addResourceGroup(SUBSCRIPTION, "elsewhere");
    arm.state()
        .defineCustomRole(
            CUSTOM_GUID, "Deploy Admin", List.of(SUBSCRIPTION_SCOPE + "/resourceGroups/elsewhere"));
    CloudOutcome outcome =
        pass(
            identity(UID, List.of(role(CUSTOM_GUID, GROUP_SCOPE))),
            grants(List.of(), List.of("Owner")));
    assertThat(outcome.reason()).isEqualTo(CloudReason.ForbiddenByPolicy);
    assertNothingWritten();
  }

  @Test
  void withoutForbiddenRolesAnUnknownGuidIsNotFoundAndStillNothingIsWritten() {
    CloudOutcome outcome =
        pass(
            identity(UID, List.of(role("0badc0de-0000-4000-8000-000000000000", GROUP_SCOPE))),
            Grants.NONE);
    assertThat(outcome.reason()).isEqualTo(CloudReason.NotFound);
    assertThat(outcome.message()).contains("spec.azure.roleAssignments[0].role");
    assertNothingWritten();
  }

  @Test
  void aPermittedCustomRoleIsAssignedByItsGuid() {
    arm.state().defineCustomRole(CUSTOM_GUID, "Deploy Operator", List.of(SUBSCRIPTION_SCOPE));
    CIFederatedIdentity identity = identity(UID, List.of(role(CUSTOM_GUID, GROUP_SCOPE)));

    CloudOutcome outcome = pass(identity, grants(List.of(), List.of("Owner", OWNER_GUID)));

    assertThat(outcome.reason()).as(outcome.message()).isEqualTo(CloudReason.Synced);
    assertThat(arm.state().roleAssignmentsOf(identity.getStatus().getAzure().getPrincipalId()))
        .singleElement()
        .extracting(RoleAssignment::roleDefinitionName)
        .isEqualTo(CUSTOM_GUID);
  }

  // ------------------------------------------------------------------------- ownership

  @Test
  void createdObjectsCarryTheResourcesUidAndItsResourceIdIsRecorded() {
    CIFederatedIdentity identity = identity(UID, List.of(role("Reader", GROUP_SCOPE)));
    assertThat(pass(identity, Grants.NONE).reason()).isEqualTo(CloudReason.Synced);

    assertThat(live().tags())
        .containsEntry("cifederation.dev_owner", "team-a/deploy")
        .containsEntry("cifederation.dev_cluster", "test-cluster")
        .containsEntry("cifederation.dev_uid", UID);
    assertThat(identity.getStatus().getAzure().getIdentityId()).isEqualToIgnoringCase(IDENTITY_ID);
  }

  @Test
  void aResourceRecreatedUnderTheSameNameDoesNotInheritWhatTheEarlierOneLeft() {
    pass(identity(UID, List.of(role("Reader", GROUP_SCOPE))), Grants.NONE);
    Identity left = live();
    long writes = arm.fake.writes();

    // the earlier resource's finalizer was stripped; a new one of the same name, new UID
    CIFederatedIdentity namesake = identity(LATER_UID, List.of(role("Owner", GROUP_SCOPE)));
    CloudOutcome outcome = pass(namesake, Grants.NONE);

    assertThat(outcome.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(outcome.message())
        .contains("made for an earlier object named team-a/deploy")
        .contains("adoption must be granted by a CIFederationPolicy")
        .contains("spec.adoptExisting");
    assertThat(arm.fake.writes()).isEqualTo(writes);
    assertThat(namesake.getStatus().getAzure().getClientId()).isNull();
    assertThat(arm.state().roleAssignmentsOf(left.principalId()))
        .extracting(RoleAssignment::roleDefinitionName)
        .containsExactly(READER_GUID);

    assertThat(adapter.cleanup(request(namesake, Grants.NONE, null)).done()).isTrue();
    assertThat(arm.fake.writes()).as("nor deletes it").isEqualTo(writes);
  }

  @Test
  void aLegacyIdentityIsMarkedOnceWhenThisResourceRecordedIt() {
    Identity legacy = legacyIdentity();
    CIFederatedIdentity identity = identity(UID, List.of(role("Reader", GROUP_SCOPE)));
    identity.setStatus(recorded(legacy));

    CloudOutcome outcome = pass(identity, Grants.NONE);

    assertThat(outcome.reason()).as(outcome.message()).isEqualTo(CloudReason.Synced);
    assertThat(outcome.corrections()).as("a migration, not drift").isEmpty();
    assertThat(live().tags()).containsEntry("cifederation.dev_uid", UID);
    assertThat(live().principalId()).isEqualTo(legacy.principalId());
    long writes = arm.fake.writes();
    assertThat(pass(identity, Grants.NONE).reason()).isEqualTo(CloudReason.Synced);
    assertThat(arm.fake.writes()).as("marked once").isEqualTo(writes);
  }

  @Test
  void aLegacyIdentityThisResourceNeverRecordedIsAConflict() {
    legacyIdentity();
    long writes = arm.fake.writes();
    CloudOutcome outcome = pass(identity(UID, List.of(role("Reader", GROUP_SCOPE))), Grants.NONE);
    assertThat(outcome.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(outcome.message()).contains("earlier object");
    assertThat(arm.fake.writes()).isEqualTo(writes);
    assertThat(live().tags()).doesNotContainKey("cifederation.dev_uid");
  }

  // -------------------------------------------------------------------------- adoption

  @Test
  void anUnmarkedIdentityIsAdoptedOnlyWithTheAskAndTheGrant() {
    Identity existing =
        arm.state()
            .createIdentityOutOfBand(
                SUBSCRIPTION, GROUP, IDENTITY, "eastus", Map.of("env", "prod"));
    adapter.scanGroupsNow();
    long writes = arm.fake.writes();
    String pattern =
        "/subscriptions/"
            + SUBSCRIPTION
            + "/resourceGroups/"
            + GROUP
            + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/cifed-team-a_*";

    CIFederatedIdentity notAsking = identity(UID, List.of(role("Reader", GROUP_SCOPE)));
    CloudOutcome granted = pass(notAsking, grants(List.of(pattern), List.of()));
    assertThat(granted.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(granted.message())
        .contains("spec.adoptExisting: true")
        .contains("spec.azure.adoptableIdentities");

    CIFederatedIdentity asking = identity(UID, List.of(role("Reader", GROUP_SCOPE)));
    asking.getSpec().setAdoptExisting(true);
    CloudOutcome ungranted =
        pass(
            asking,
            grants(List.of("/subscriptions/" + SUBSCRIPTION + "/resourceGroups/x/*"), List.of()));
    assertThat(ungranted.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(ungranted.message())
        .contains("spec.adoptExisting is set")
        .contains("spec.azure.adoptableIdentities");
    assertThat(arm.fake.writes()).as("refusals write nothing").isEqualTo(writes);

    CloudOutcome adopted = pass(asking, grants(List.of(pattern), List.of()));

    assertThat(adopted.reason()).as(adopted.message()).isEqualTo(CloudReason.Synced);
    assertThat(adopted.corrections()).anySatisfy(c -> assertThat(c).contains("adopted"));
    assertThat(asking.getStatus().getAzure().getDriftCorrections())
        .as("an Event, but taking an identity over is not drift")
        .isZero();
    assertThat(live().tags())
        .containsEntry("env", "prod")
        .containsEntry("cifederation.dev_uid", UID)
        .containsEntry("cifederation.dev_owner", "team-a/deploy");
    assertThat(asking.getStatus().getAzure().getClientId()).isEqualTo(existing.clientId());
    assertThat(arm.state().credentials(SUBSCRIPTION, GROUP, IDENTITY)).hasSize(1);

    // adopted objects follow deletionPolicy like any other
    assertThat(adapter.cleanup(request(asking, Grants.NONE, null)).done()).isTrue();
    assertThat(arm.state().identity(SUBSCRIPTION, GROUP, IDENTITY)).isEmpty();
  }

  @Test
  void aHandMadeIdentityIsObservedWithoutDriftThenAdoptedByItsTagsAloneItsCredentialKept() {
    // as Terraform makes them: an identity of its own name, a credential of its own name for
    // exactly the subject the manifest declares, and the role assignment
    Identity existing =
        arm.state()
            .createIdentityOutOfBand(SUBSCRIPTION, GROUP, "legacy-deploy", "eastus", Map.of());
    arm.state()
        .putCredentialOutOfBand(
            SUBSCRIPTION,
            GROUP,
            "legacy-deploy",
            "github-production",
            ISSUER_URL,
            SUBJECT,
            List.of("api://AzureADTokenExchange"));
    arm.state().assignRoleOutOfBand(GROUP_SCOPE, "Reader", existing.principalId());
    var credentials = arm.state().credentials(SUBSCRIPTION, GROUP, "legacy-deploy");
    long writes = arm.fake.writes();
    CIFederatedIdentity identity = identity(UID, List.of(role("Reader", GROUP_SCOPE)));
    identity.getSpec().setAdoptExisting(true);
    identity.getSpec().setManagementPolicy(ManagementPolicy.Observe);
    identity.getSpec().getAzure().setIdentityName("legacy-deploy");
    Grants grant = grants(List.of(GROUP_SCOPE + "/providers/*/legacy-*"), List.of());

    CloudOutcome observed = pass(identity, grant);

    assertThat(observed.reason()).as(observed.message()).isEqualTo(CloudReason.Observed);
    assertThat(observed.message()).contains("managementPolicy Enforce takes it over");
    assertThat(identity.getStatus().getAzure().getPrincipalId())
        .as("not recorded before it is this resource's")
        .isNull();
    assertThat(arm.fake.writes()).isEqualTo(writes);

    identity.getSpec().setManagementPolicy(ManagementPolicy.Enforce);
    identity.getMetadata().setGeneration(2L);
    CloudOutcome adopted = pass(identity, grant);

    assertThat(adopted.reason()).as(adopted.message()).isEqualTo(CloudReason.Synced);
    assertThat(adopted.corrections()).singleElement().asString().contains("adopted");
    assertThat(arm.fake.writes() - writes).as("the ownership tags, and nothing else").isEqualTo(1);
    assertThat(arm.state().credentials(SUBSCRIPTION, GROUP, "legacy-deploy"))
        .as("the credential CI uses, never deleted and re-created")
        .isEqualTo(credentials);
    assertThat(identity.getStatus().getAzure().getCredentialName()).isEqualTo("github-production");
    assertThat(identity.getStatus().getAzure().getClientId()).isEqualTo(existing.clientId());
    assertThat(pass(identity, grant).corrections()).isEmpty();
    assertThat(arm.fake.writes() - writes).as("tagged once").isEqualTo(1);
  }

  @Test
  void withoutAGrantAHandMadeIdentityIsNeitherObservedNorAdopted() {
    arm.state().createIdentityOutOfBand(SUBSCRIPTION, GROUP, "legacy-deploy", "eastus", Map.of());
    long writes = arm.fake.writes();
    CIFederatedIdentity identity = identity(UID, List.of(role("Reader", GROUP_SCOPE)));
    identity.getSpec().setAdoptExisting(true);
    identity.getSpec().setManagementPolicy(ManagementPolicy.Observe);
    identity.getSpec().getAzure().setIdentityName("legacy-deploy");

    CloudOutcome observed = pass(identity, Grants.NONE);
    identity.getSpec().setManagementPolicy(ManagementPolicy.Enforce);
    CloudOutcome enforced = pass(identity, Grants.NONE);

    assertThat(observed.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(enforced.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(enforced.message()).contains("spec.adoptExisting is set");
    assertThat(arm.fake.writes()).isEqualTo(writes);
  }

  @Test
  void anEarlierNamesakesIdentityCanBeAdoptedByGrant() {
    pass(identity(UID, List.of(role("Reader", GROUP_SCOPE))), Grants.NONE);
    String clientId = live().clientId();
    CIFederatedIdentity namesake = identity(LATER_UID, List.of(role("Reader", GROUP_SCOPE)));
    namesake.getSpec().setAdoptExisting(true);

    CloudOutcome outcome = pass(namesake, grants(List.of(IDENTITY_ID), List.of()));

    assertThat(outcome.reason()).as(outcome.message()).isEqualTo(CloudReason.Synced);
    assertThat(live().tags()).containsEntry("cifederation.dev_uid", LATER_UID);
    assertThat(namesake.getStatus().getAzure().getClientId()).isEqualTo(clientId);
  }

  @Test
  void anotherClustersOrAnotherResourcesIdentityIsNeverAdopted() {
    for (Map<String, String> tags :
        List.of(
            Map.of(
                "cifederation.dev_owner", "team-a/deploy", "cifederation.dev_cluster", "staging"),
            Map.of(
                "cifederation.dev_owner",
                "team-b/app",
                "cifederation.dev_cluster",
                "test-cluster"))) {
      arm.state().createIdentityOutOfBand(SUBSCRIPTION, GROUP, IDENTITY, "eastus", tags);
      adapter.scanGroupsNow();
      long writes = arm.fake.writes();
      CIFederatedIdentity asking = identity(UID, List.of(role("Reader", GROUP_SCOPE)));
      asking.getSpec().setAdoptExisting(true);

      CloudOutcome outcome = pass(asking, grants(List.of("*"), List.of()));

      assertThat(outcome.reason()).isEqualTo(CloudReason.Conflict);
      assertThat(outcome.message()).contains("never adopted").doesNotContain("team-b");
      assertThat(arm.fake.writes()).isEqualTo(writes);
      assertThat(live().tags()).isEqualTo(tags);
      arm.state().deleteIdentity(SUBSCRIPTION, GROUP, IDENTITY);
    }
  }

  // ------------------------------------------------------------------------ two clusters

  @Test
  void twoClusterNamesInOneSubscriptionLeaveEachOtherAlone() {
    AzureCloudReconciler other = adapterOf("other-cluster");
    // the worst case: the same namespace/name, even the same UID, in both clusters
    CIFederatedIdentity ours = identity(UID, List.of(role("Reader", GROUP_SCOPE)));
    CIFederatedIdentity theirs = identity(UID, List.of(role("Owner", GROUP_SCOPE)));
    theirs.getSpec().setAdoptExisting(true);
    assertThat(pass(ours, Grants.NONE).reason()).isEqualTo(CloudReason.Synced);
    Identity before = live();
    List<FederatedCredential> credentials = arm.state().credentials(SUBSCRIPTION, GROUP, IDENTITY);
    long writes = arm.fake.writes();

    CloudOutcome outcome = passWith(other, theirs, grants(List.of("*"), List.of()));
    assertThat(outcome.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(outcome.message()).contains("another cluster");
    // even a status that claims our principal does not let the other cluster act on it
    theirs.setStatus(recorded(before));
    CloudOutcome revoked =
        other.reconcile(
            request(theirs, Grants.NONE, new Revocation(TrustActiveReason.Suspended, "test")));
    assertThat(revoked.reason()).isEqualTo(CloudReason.Revoked);
    assertThat(other.cleanup(request(theirs, Grants.NONE, null)).done()).isTrue();
    theirs.getSpec().setDeletionPolicy(DeletionPolicy.Orphan);
    assertThat(other.cleanup(request(theirs, Grants.NONE, null)).done()).isTrue();

    assertThat(arm.fake.writes()).isEqualTo(writes);
    assertThat(live()).isEqualTo(before);
    assertThat(arm.state().credentials(SUBSCRIPTION, GROUP, IDENTITY)).isEqualTo(credentials);
    assertThat(arm.state().roleAssignmentsOf(before.principalId())).hasSize(1);

    // and each manages its own identity under another name undisturbed
    CIFederatedIdentity theirsElsewhere = identity(UID, List.of(role("Reader", GROUP_SCOPE)));
    theirsElsewhere.getSpec().getAzure().setIdentityName("other-cluster-deploy");
    assertThat(passWith(other, theirsElsewhere, Grants.NONE).reason())
        .isEqualTo(CloudReason.Synced);
    assertThat(adapter.cleanup(request(ours, Grants.NONE, null)).done()).isTrue();
    assertThat(arm.state().identity(SUBSCRIPTION, GROUP, "other-cluster-deploy")).isPresent();
    assertThat(arm.state().credentials(SUBSCRIPTION, GROUP, "other-cluster-deploy")).hasSize(1);
  }

  // -------------------------------------------------------------------------- revocation

  @Test
  void revocationRemovesTheCredentialsKeepsTheIdentityAndResumeRestoresTheSameOne() {
    CIFederatedIdentity identity = identity(UID, List.of(role("Reader", GROUP_SCOPE)));
    pass(identity, Grants.NONE);
    Identity before = live();
    arm.state()
        .putCredentialOutOfBand(
            SUBSCRIPTION,
            GROUP,
            IDENTITY,
            "added-by-hand",
            ISSUER_URL,
            "repo:my-org/my-app:pull_request",
            List.of("api://AzureADTokenExchange"));
    adapter.scanGroupsNow();
    assertThat(TrustEvaluator.evaluate(heldTrust(), TOKEN).admitted()).isTrue();

    Revocation revocation =
        new Revocation(TrustActiveReason.Revoked, "policy team-a-grants no longer grants it");
    CloudOutcome revoked = pass(identity, Grants.NONE, revocation);

    assertThat(revoked.status().name()).isEqualTo("False");
    assertThat(revoked.reason()).as(revoked.message()).isEqualTo(CloudReason.Revoked);
    assertThat(revoked.message())
        .contains("policy team-a-grants no longer grants it")
        .contains("removed federated credential(s)")
        .contains("added-by-hand")
        .contains(before.clientId());
    assertThat(arm.state().credentials(SUBSCRIPTION, GROUP, IDENTITY)).isEmpty();
    assertThat(TrustEvaluator.evaluate(heldTrust(), TOKEN).admitted())
        .as("what Azure holds now refuses the subject")
        .isFalse();
    assertThat(revoked.liveTrust())
        .hasValueSatisfying(
            t -> assertThat(TrustEvaluator.evaluate(t, TOKEN).admitted()).isFalse());
    assertThat(live()).as("identity and tags kept").isEqualTo(before);
    assertThat(arm.state().roleAssignmentsOf(before.principalId())).hasSize(1);
    assertThat(identity.getStatus().getAzure().getClientId()).isEqualTo(before.clientId());
    assertThat(identity.getStatus().getAzure().getPrincipalId()).isEqualTo(before.principalId());

    long writes = arm.fake.writes();
    assertThat(pass(identity, Grants.NONE, revocation).reason()).isEqualTo(CloudReason.Revoked);
    assertThat(arm.fake.writes()).as("a second revoked pass writes nothing").isEqualTo(writes);

    CloudOutcome resumed = pass(identity, Grants.NONE);

    assertThat(resumed.reason()).as(resumed.message()).isEqualTo(CloudReason.Synced);
    assertThat(resumed.corrections()).as("restoring is not drift").isEmpty();
    assertThat(live().clientId()).isEqualTo(before.clientId());
    assertThat(identity.getStatus().getAzure().getClientId()).isEqualTo(before.clientId());
    assertThat(TrustEvaluator.evaluate(heldTrust(), TOKEN).admitted()).isTrue();
    assertThat(arm.state().credentials(SUBSCRIPTION, GROUP, IDENTITY))
        .extracting(FederatedCredential::subject)
        .containsExactly(SUBJECT);
  }

  @Test
  void revocationActsOnTheRecordedIdentityNeverOnATargetTheSpecNewlyNames() {
    CIFederatedIdentity identity = identity(UID, List.of(role("Reader", GROUP_SCOPE)));
    pass(identity, Grants.NONE);
    arm.state().addResourceGroup("11111111-1111-1111-1111-111111111111", "moved");
    identity.getSpec().getAzure().setSubscriptionId("11111111-1111-1111-1111-111111111111");
    identity.getSpec().getAzure().setResourceGroup("moved");

    CloudOutcome revoked =
        pass(identity, Grants.NONE, new Revocation(TrustActiveReason.Suspended, "spec.suspend"));

    assertThat(revoked.reason()).as(revoked.message()).isEqualTo(CloudReason.Revoked);
    assertThat(arm.state().credentials(SUBSCRIPTION, GROUP, IDENTITY)).isEmpty();
    assertThat(arm.state().identities()).as("nothing created at the new target").hasSize(1);
  }

  @Test
  void revocationNeverTouchesAnIdentityThatIsNoLongerOurs() {
    CIFederatedIdentity identity = identity(UID, List.of(role("Reader", GROUP_SCOPE)));
    pass(identity, Grants.NONE);
    arm.state().deleteIdentity(SUBSCRIPTION, GROUP, IDENTITY);
    arm.state().createIdentityOutOfBand(SUBSCRIPTION, GROUP, IDENTITY, "eastus", Map.of());
    arm.state()
        .putCredentialOutOfBand(
            SUBSCRIPTION,
            GROUP,
            IDENTITY,
            "theirs",
            ISSUER_URL,
            "repo:other/app:ref:refs/heads/main",
            List.of("api://AzureADTokenExchange"));
    adapter.scanGroupsNow();
    long writes = arm.fake.writes();

    CloudOutcome revoked =
        pass(identity, Grants.NONE, new Revocation(TrustActiveReason.Suspended, "spec.suspend"));

    assertThat(revoked.reason()).isEqualTo(CloudReason.Revoked);
    assertThat(revoked.message()).contains("no longer this resource's").doesNotContain("other/app");
    assertThat(revoked.liveTrust()).isEmpty();
    assertThat(arm.fake.writes()).isEqualTo(writes);
    assertThat(arm.state().credentials(SUBSCRIPTION, GROUP, IDENTITY)).hasSize(1);
  }

  @Test
  void aRevocationUnderObserveOnlyReports() {
    CIFederatedIdentity identity = identity(UID, List.of(role("Reader", GROUP_SCOPE)));
    pass(identity, Grants.NONE);
    identity.getSpec().setManagementPolicy(ManagementPolicy.Observe);
    long writes = arm.fake.writes();

    CloudOutcome outcome =
        pass(identity, Grants.NONE, new Revocation(TrustActiveReason.Suspended, "spec.suspend"));

    assertThat(outcome.reason()).isEqualTo(CloudReason.DriftDetected);
    assertThat(outcome.message()).contains("nothing is written").contains("spec.suspend");
    assertThat(arm.fake.writes()).isEqualTo(writes);
    assertThat(arm.state().credentials(SUBSCRIPTION, GROUP, IDENTITY)).hasSize(1);
  }

  @Test
  void cleanupRemovesTheRecordedIdentityAfterTheBlockIsRemovedFromTheSpec() {
    CIFederatedIdentity identity = identity(UID, List.of(role("Reader", GROUP_SCOPE)));
    pass(identity, Grants.NONE);
    String principal = live().principalId();
    identity.getSpec().setAzure(null);

    CloudOutcome outcome =
        adapter.cleanup(
            new CloudRequest(identity, null, Optional.empty(), DeletionPolicy.Delete, Grants.NONE));

    assertThat(outcome.done()).as(outcome.message()).isTrue();
    assertThat(arm.state().identities()).isEmpty();
    assertThat(arm.state().roleAssignmentsOf(principal)).isEmpty();
  }

  // -------------------------------------------------------------- observe is no oracle

  @Test
  void observeOnAStrangersIdentityReadsNothingOut() {
    String secretSubject = "repo:victim-org/secret-app:ref:refs/heads/main";
    Identity foreign =
        arm.state()
            .createIdentityOutOfBand(
                SUBSCRIPTION,
                GROUP,
                IDENTITY,
                "eastus",
                Map.of(
                    "cifederation.dev_owner",
                    "victim-ns/secret-app",
                    "cifederation.dev_cluster",
                    "test-cluster",
                    "cost-center",
                    "victim-cc-4711"));
    arm.state()
        .putCredentialOutOfBand(
            SUBSCRIPTION,
            GROUP,
            IDENTITY,
            "victim-credential",
            ISSUER_URL,
            secretSubject,
            List.of("api://AzureADTokenExchange"));
    arm.state().assignRoleOutOfBand(GROUP_SCOPE, "Contributor", foreign.principalId());
    adapter.scanGroupsNow();
    long writes = arm.fake.writes();

    for (boolean adoptExisting : List.of(false, true)) {
      CIFederatedIdentity observer = identity(UID, List.of(role("Reader", GROUP_SCOPE)));
      observer.getSpec().setManagementPolicy(ManagementPolicy.Observe);
      observer.getSpec().setAdoptExisting(adoptExisting);

      CloudOutcome outcome = pass(observer, grants(List.of("*"), List.of()));

      assertThat(outcome.reason()).isEqualTo(CloudReason.Conflict);
      assertThat(outcome.liveTrust()).isEmpty();
      String everything =
          outcome.message()
              + outcome.corrections()
              + Serialization.asJson(outcome.findings())
              + Serialization.asJson(observer.getStatus());
      assertThat(everything)
          .doesNotContain("victim")
          .doesNotContain("secret-app")
          .doesNotContain(foreign.clientId())
          .doesNotContain(foreign.principalId())
          .doesNotContain("Contributor");
    }
    assertThat(arm.fake.writes()).isEqualTo(writes);
  }

  // ---------------------------------------------------------------------------- helpers

  private void assertNothingWritten() {
    assertThat(arm.fake.writes()).isZero();
    assertThat(arm.state().identities()).isEmpty();
    assertThat(arm.state().roleAssignments()).isEmpty();
  }

  private AzureCloudReconciler adapterOf(String clusterName) {
    return AzureCloudReconciler.create(
        arm.settings(),
        clusterName,
        Duration.ofSeconds(10),
        ArmFixture.RETRIES,
        new SimpleMeterRegistry(),
        Clock.systemUTC(),
        FAST,
        d -> {});
  }

  private Identity live() {
    return arm.state().identity(SUBSCRIPTION, GROUP, IDENTITY).orElseThrow();
  }

  /** The trust as Azure holds it right now, read from the fake, not from the adapter. */
  private LiveTrust heldTrust() {
    return new LiveTrust.Azure(
        live().id(),
        arm.state().credentials(SUBSCRIPTION, GROUP, IDENTITY).stream()
            .map(
                c ->
                    new LiveTrust.FederatedCredential(
                        c.name(), c.issuer(), c.subject(), c.audiences()))
            .toList());
  }

  /** An identity the previous version made: owner and cluster tags, no UID tag. */
  private Identity legacyIdentity() {
    Identity legacy =
        arm.state()
            .createIdentityOutOfBand(
                SUBSCRIPTION,
                GROUP,
                IDENTITY,
                "eastus",
                Map.of(
                    "cifederation.dev_owner",
                    "team-a/deploy",
                    "cifederation.dev_cluster",
                    "test-cluster"));
    adapter.scanGroupsNow();
    return legacy;
  }

  private static CIFederatedIdentityStatus recorded(Identity identity) {
    CIFederatedIdentityStatus status = new CIFederatedIdentityStatus();
    var azure = new dev.cifederation.operator.api.v1alpha1.AzureIdentityStatus();
    azure.setClientId(identity.clientId());
    azure.setPrincipalId(identity.principalId());
    status.setAzure(azure);
    return status;
  }

  private CloudOutcome pass(CIFederatedIdentity identity, Grants grants) {
    return passWith(adapter, identity, grants);
  }

  private CloudOutcome pass(CIFederatedIdentity identity, Grants grants, Revocation revocation) {
    CloudOutcome outcome = adapter.reconcile(request(identity, grants, revocation));
    apply(identity, outcome);
    return outcome;
  }

  private CloudOutcome passWith(
      AzureCloudReconciler reconciler, CIFederatedIdentity identity, Grants grants) {
    CloudOutcome outcome = reconciler.reconcile(request(identity, grants, null));
    apply(identity, outcome);
    return outcome;
  }

  private CloudRequest request(CIFederatedIdentity identity, Grants grants, Revocation revocation) {
    try {
      return new CloudRequest(
          identity,
          compiler.compile(GITHUB, "team-a", "deploy", identity.getSpec()),
          Optional.ofNullable(revocation),
          identity.getSpec().getDeletionPolicy() == null
              ? DeletionPolicy.Delete
              : identity.getSpec().getDeletionPolicy(),
          grants);
    } catch (TrustCompilationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Grants grants(List<String> adoptable, List<String> forbiddenRoles) {
    return new Grants(adoptable, forbiddenRoles);
  }

  /** What the identity reconciler does with an outcome: status block and AzureReady. */
  private static void apply(CIFederatedIdentity identity, CloudOutcome outcome) {
    Passes.settle(identity, Cloud.Azure, outcome);
  }

  private static Map<String, String> role(String role, String scope) {
    return Map.of("role", role, "scope", scope);
  }

  private static CIFederatedIdentity identity(String uid, List<Map<String, String>> roles) {
    StringBuilder yaml =
        new StringBuilder(
            """
            apiVersion: cifederation.dev/v1alpha1
            kind: CIFederatedIdentity
            metadata: {name: deploy, namespace: team-a, generation: 1, uid: %s}
            spec:
              issuerRef: github
              repository: my-org/my-app
              subject: {environment: production}
              azure:
                subscriptionId: %s
                resourceGroup: %s
                location: eastus
                roleAssignments:
            """
                .formatted(uid, SUBSCRIPTION, GROUP));
    for (Map<String, String> role : roles) {
      yaml.append("    - {role: \"")
          .append(role.get("role"))
          .append("\", scope: \"")
          .append(role.get("scope"))
          .append("\"}\n");
    }
    return Serialization.unmarshal(yaml.toString(), CIFederatedIdentity.class);
  }
}
