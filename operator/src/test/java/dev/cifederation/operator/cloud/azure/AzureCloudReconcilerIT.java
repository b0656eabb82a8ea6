package dev.cifederation.operator.cloud.azure;

import static dev.cifederation.operator.cloud.azure.ArmFixture.GROUP;
import static dev.cifederation.operator.cloud.azure.ArmFixture.GROUP_SCOPE;
import static dev.cifederation.operator.cloud.azure.ArmFixture.SUBSCRIPTION;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.fakes.azure.ArmState;
import dev.cifederation.fakes.azure.ArmState.FederatedCredential;
import dev.cifederation.fakes.azure.ArmState.Identity;
import dev.cifederation.fakes.azure.ArmState.RoleAssignment;
import dev.cifederation.fakes.azure.RecordedRequest;
import dev.cifederation.operator.api.v1alpha1.AzureIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.DeletionPolicy;
import dev.cifederation.operator.api.v1alpha1.Finding;
import dev.cifederation.operator.api.v1alpha1.ManagementPolicy;
import dev.cifederation.operator.cloud.Attribution;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.testsupport.Passes;
import dev.cifederation.operator.testsupport.Specs;
import dev.cifederation.operator.trust.CompiledTrust;
import dev.cifederation.operator.trust.IssuerInfo;
import dev.cifederation.operator.trust.LiveTrust;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The adapter through the real Azure SDK (Netty, HTTPS, static bearer token) against the fake ARM,
 * pass by pass, with the status carried between passes as the identity reconciler carries it.
 */
class AzureCloudReconcilerIT {

  private static final IssuerInfo GITHUB = Specs.gitHub();
  private static final String NAMESPACE = "team-a";
  private static final String NAME = "deploy";
  private static final String IDENTITY = "cifed-team-a_deploy";
  private static final String CREDENTIAL = "cifed-team-a_deploy";
  private static final String SUBJECT = "repo:my-org/my-app:environment:production";
  private static final String CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c";
  private static final String READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
  private static final String UAA = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
  private static final ArmRetry.Policy FAST =
      new ArmRetry.Policy(4, Duration.ofMillis(50), Duration.ofSeconds(10));
  private static final List<String> WRITES =
      List.of(
          "identities.createOrUpdate",
          "identities.update",
          "identities.delete",
          "federatedCredentials.createOrUpdate",
          "federatedCredentials.delete",
          "roleAssignments.create",
          "roleAssignments.delete");

  private final TrustCompiler compiler = new TrustCompiler();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final CloudCalls calls = new CloudCalls(registry, "Azure");
  private final List<Duration> waits = Collections.synchronizedList(new ArrayList<>());
  private ArmFixture arm;
  private AzureCloudReconciler adapter;

  @BeforeEach
  void start() {
    arm = ArmFixture.start(o -> o);
    adapter = arm.adapter(arm.settings(), registry, FAST, waits::add);
  }

  @AfterEach
  void stop() {
    arm.close();
  }

  // ---------------------------------------------------------------------------------- create

  @Test
  void createsTheIdentityItsOnlyCredentialAndExactlyTheDeclaredAssignments() {
    CIFederatedIdentity identity = identity("Contributor", GROUP_SCOPE);

    CloudOutcome outcome = pass(identity);

    assertThat(outcome.reason()).as(outcome.message()).isEqualTo(CloudReason.Synced);
    assertThat(outcome.corrections()).as("creation is not drift").isEmpty();
    Identity created = arm.state().identity(SUBSCRIPTION, GROUP, IDENTITY).orElseThrow();
    assertThat(created.tags())
        .containsEntry("cifederation.dev_owner", "team-a/deploy")
        .containsEntry("cifederation.dev_cluster", "test-cluster")
        .containsEntry("cifederation.dev_uid", "5b7c1d3e-0000-4000-8000-000000000001");
    assertThat(created.location()).isEqualTo("eastus");
    assertThat(arm.state().credentials(SUBSCRIPTION, GROUP, IDENTITY))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.name()).isEqualTo(CREDENTIAL);
              assertThat(c.issuer()).isEqualTo("https://token.actions.githubusercontent.com");
              assertThat(c.subject()).isEqualTo(SUBJECT);
              assertThat(c.audiences()).containsExactly("api://AzureADTokenExchange");
            });
    assertThat(arm.state().roleAssignmentsOf(created.principalId()))
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.scope()).isEqualTo(GROUP_SCOPE);
              assertThat(a.roleDefinitionName()).isEqualTo(CONTRIBUTOR);
              assertThat(a.principalType())
                  .as("set, against the replication race")
                  .isEqualTo("ServicePrincipal");
              assertThat(a.name())
                  .isEqualTo(
                      AssignmentPlan.assignmentName(
                          GROUP_SCOPE, CONTRIBUTOR, created.principalId()));
              assertThat(a.description()).contains("team-a/deploy");
            });

    AzureIdentityStatus status = identity.getStatus().getAzure();
    assertThat(status.getClientId()).isEqualTo(created.clientId());
    assertThat(status.getPrincipalId()).isEqualTo(created.principalId());
    assertThat(status.getTenantId()).isEqualTo(ArmFixture.TENANT);
    assertThat(status.getCredentialName()).isEqualTo(CREDENTIAL);
    assertThat(status.getLastSyncTime()).isNotBlank();
    assertThat(status.getDriftCorrections()).isZero();
    assertThat(calls.count("federatedCredentials.list"))
        .as("a new identity holds no credential: not listed")
        .isZero();
    assertThat(calls.count("identities.listByResourceGroup")).as("the group's scan").isEqualTo(1);
    assertThat(calls.count("identities.get"))
        .as("before the create, the scan's 'missing' checked fresh")
        .isEqualTo(1);
    assertThat(calls.count("roleAssignments.listForScope"))
        .as("the group's scan only: a new principal holds no assignment")
        .isEqualTo(1);
    assertThat(arm.fake.requests())
        .as("the SDK sends the // of Azure's trailing-slash endpoint, and ARM api-versions")
        .anySatisfy(r -> assertThat(r.query()).containsEntry("api-version", "2024-11-30"))
        .anySatisfy(r -> assertThat(r.query()).containsEntry("api-version", "2022-04-01"));
  }

  @Test
  void aSteadyResyncMakesZeroWritesAndFewReads() {
    CIFederatedIdentity identity = identity("Contributor", GROUP_SCOPE);
    pass(identity);
    long writesBefore = arm.fake.writes();
    double sdkWritesBefore = sdkWrites();
    double definitionLookups = calls.count("roleDefinitions.list");

    CloudOutcome again = pass(identity);

    assertThat(again.reason()).isEqualTo(CloudReason.Synced);
    assertThat(again.corrections()).isEmpty();
    assertThat(arm.fake.writes()).isEqualTo(writesBefore);
    assertThat(sdkWrites()).isEqualTo(sdkWritesBefore);
    assertThat(calls.count("roleDefinitions.list"))
        .as("built-in role IDs are cached")
        .isEqualTo(definitionLookups);
    assertThat(identity.getStatus().getAzure().getDriftCorrections()).isZero();
  }

  @Test
  void rolesByNameGuidOrDefinitionId() {
    CIFederatedIdentity identity =
        identity(
            List.of(
                Map.of("role", "Reader", "scope", "/subscriptions/" + SUBSCRIPTION),
                Map.of("role", CONTRIBUTOR, "scope", GROUP_SCOPE),
                Map.of(
                    "role",
                    "/providers/Microsoft.Authorization/roleDefinitions/" + UAA,
                    "scope",
                    GROUP_SCOPE)));

    assertThat(pass(identity).reason()).isEqualTo(CloudReason.Synced);

    String principal = identity.getStatus().getAzure().getPrincipalId();
    assertThat(arm.state().roleAssignmentsOf(principal))
        .extracting(RoleAssignment::roleDefinitionName, RoleAssignment::scope)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(READER, "/subscriptions/" + SUBSCRIPTION),
            org.assertj.core.groups.Tuple.tuple(CONTRIBUTOR, GROUP_SCOPE),
            org.assertj.core.groups.Tuple.tuple(UAA, GROUP_SCOPE));
  }

  @Test
  void anUnknownRoleNameIsNotFound() {
    CloudOutcome outcome = pass(identity("Contributer", GROUP_SCOPE));
    assertThat(outcome.reason()).isEqualTo(CloudReason.NotFound);
    assertThat(outcome.message()).contains("Contributer");
    assertThat(outcome.retryAfter()).isEmpty();
  }

  @Test
  void aMissingResourceGroupIsNotFound() {
    CIFederatedIdentity identity = identity("Reader", GROUP_SCOPE);
    identity.getSpec().getAzure().setResourceGroup("no-such-rg");
    CloudOutcome outcome = pass(identity);
    assertThat(outcome.reason()).isEqualTo(CloudReason.NotFound);
    assertThat(outcome.message()).contains("ResourceGroupNotFound");
  }

  // ----------------------------------------------------------------------------------- drift

  @Test
  void handEditsAreRevertedInOnePassAndCountedAsDrift() {
    CIFederatedIdentity identity = identity("Contributor", GROUP_SCOPE);
    pass(identity);
    String principal = identity.getStatus().getAzure().getPrincipalId();
    RoleAssignment ours = arm.state().roleAssignmentsOf(principal).get(0);

    // someone points the credential at another branch, adds a pull-request credential, deletes
    // the role assignment and replaces the tags
    arm.state()
        .putCredentialOutOfBand(
            SUBSCRIPTION,
            GROUP,
            IDENTITY,
            CREDENTIAL,
            "https://token.actions.githubusercontent.com",
            "repo:my-org/my-app:ref:refs/heads/evil",
            List.of("api://AzureADTokenExchange"));
    arm.state()
        .putCredentialOutOfBand(
            SUBSCRIPTION,
            GROUP,
            IDENTITY,
            "added-by-hand",
            "https://token.actions.githubusercontent.com",
            "repo:my-org/my-app:pull_request",
            List.of("api://AzureADTokenExchange"));
    arm.state().removeRoleAssignmentOutOfBand(ours.id());
    arm.state().setTagsOutOfBand(SUBSCRIPTION, GROUP, IDENTITY, Map.of("env", "prod"));
    adapter.scanGroupsNow();

    CloudOutcome outcome = pass(identity);

    assertThat(outcome.reason()).isEqualTo(CloudReason.Synced);
    assertThat(outcome.corrections())
        .hasSize(4)
        .anySatisfy(
            c ->
                assertThat(c)
                    .contains(
                        "subject 'repo:my-org/my-app:ref:refs/heads/evil' -> '" + SUBJECT + "'"))
        .anySatisfy(c -> assertThat(c).contains("removed federated credential added-by-hand"))
        .anySatisfy(c -> assertThat(c).contains("created role assignment Contributor"))
        .anySatisfy(c -> assertThat(c).contains("restored the ownership tags"));
    assertThat(identity.getStatus().getAzure().getDriftCorrections()).isEqualTo(4);
    assertThat(arm.state().credentials(SUBSCRIPTION, GROUP, IDENTITY))
        .singleElement()
        .extracting(FederatedCredential::subject)
        .isEqualTo(SUBJECT);
    assertThat(arm.state().roleAssignmentsOf(principal))
        .extracting(RoleAssignment::name)
        .containsExactly(ours.name());
    assertThat(arm.state().identity(SUBSCRIPTION, GROUP, IDENTITY).orElseThrow().tags())
        .containsEntry("env", "prod")
        .containsEntry("cifederation.dev_owner", "team-a/deploy");

    long writes = arm.fake.writes();
    assertThat(pass(identity).corrections()).isEmpty();
    assertThat(arm.fake.writes()).isEqualTo(writes);
    assertThat(identity.getStatus().getAzure().getDriftCorrections()).isEqualTo(4);
  }

  @Test
  void aHandMadeAssignmentIsReportedButNeverRemoved() {
    CIFederatedIdentity identity = identity("Contributor", GROUP_SCOPE);
    pass(identity);
    String principal = identity.getStatus().getAzure().getPrincipalId();
    RoleAssignment handMade =
        arm.state().assignRoleOutOfBand("/subscriptions/" + SUBSCRIPTION, "Owner", principal);
    adapter.scanGroupsNow();

    CloudOutcome outcome = pass(identity);

    assertThat(outcome.reason()).isEqualTo(CloudReason.Synced);
    assertThat(outcome.corrections()).isEmpty();
    assertThat(outcome.findings())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.getRule()).isEqualTo("UndeclaredRoleAssignment");
              assertThat(f.getSeverity().name()).isEqualTo("High");
              assertThat(f.getMessage())
                  .contains(handMade.name())
                  .contains("/subscriptions/" + SUBSCRIPTION);
            });
    assertThat(arm.state().roleAssignmentsOf(principal))
        .extracting(RoleAssignment::name)
        .contains(handMade.name());
  }

  @Test
  void assignmentsTheSpecNoLongerDeclaresAreRemovedAsAnUpdateNotDrift() {
    CIFederatedIdentity identity =
        identity(
            List.of(
                Map.of("role", "Contributor", "scope", GROUP_SCOPE),
                Map.of("role", "Reader", "scope", GROUP_SCOPE)));
    pass(identity);
    String principal = identity.getStatus().getAzure().getPrincipalId();
    assertThat(arm.state().roleAssignmentsOf(principal)).hasSize(2);

    identity.getSpec().getAzure().getRoleAssignments().remove(1);
    identity.getMetadata().setGeneration(2L);
    CloudOutcome outcome = pass(identity);

    assertThat(outcome.reason()).isEqualTo(CloudReason.Synced);
    assertThat(outcome.corrections()).as("applying a new spec is not drift").isEmpty();
    assertThat(arm.state().roleAssignmentsOf(principal))
        .extracting(RoleAssignment::roleDefinitionName)
        .containsExactly(CONTRIBUTOR);
    assertThat(identity.getStatus().getAzure().getDriftCorrections()).isZero();
  }

  @Test
  void aNewSubjectIsAppliedToTheSameCredential() {
    CIFederatedIdentity identity = identity("Reader", GROUP_SCOPE);
    pass(identity);
    identity.getSpec().getSubject().setEnvironment(null);
    identity.getSpec().getSubject().setBranch("main");
    identity.getMetadata().setGeneration(2L);

    CloudOutcome outcome = pass(identity);

    assertThat(outcome.reason()).isEqualTo(CloudReason.Synced);
    assertThat(arm.state().credentials(SUBSCRIPTION, GROUP, IDENTITY))
        .singleElement()
        .extracting(FederatedCredential::subject)
        .isEqualTo("repo:my-org/my-app:ref:refs/heads/main");
  }

  // --------------------------------------------------------------------------------- observe

  @Test
  void observeNeverWritesAndReportsWhatDiffers() {
    CIFederatedIdentity identity = identity("Contributor", GROUP_SCOPE);
    identity.getSpec().setManagementPolicy(ManagementPolicy.Observe);

    CloudOutcome missing = pass(identity);
    assertThat(missing.reason()).isEqualTo(CloudReason.DriftDetected);
    assertThat(missing.message()).contains("does not exist");
    assertThat(arm.fake.writes()).isZero();

    identity.getSpec().setManagementPolicy(ManagementPolicy.Enforce);
    pass(identity);
    identity.getSpec().setManagementPolicy(ManagementPolicy.Observe);
    assertThat(pass(identity).reason()).isEqualTo(CloudReason.Observed);

    arm.state()
        .putCredentialOutOfBand(
            SUBSCRIPTION,
            GROUP,
            IDENTITY,
            CREDENTIAL,
            "https://token.actions.githubusercontent.com",
            "repo:my-org/my-app:ref:refs/heads/other",
            List.of("api://AzureADTokenExchange"));
    arm.state()
        .putCredentialOutOfBand(
            SUBSCRIPTION,
            GROUP,
            IDENTITY,
            "extra-one",
            "https://token.actions.githubusercontent.com",
            "repo:my-org/my-app:pull_request",
            List.of("api://AzureADTokenExchange"));
    adapter.scanGroupsNow();
    long writes = arm.fake.writes();
    CloudOutcome drifted = pass(identity);

    assertThat(drifted.reason()).isEqualTo(CloudReason.DriftDetected);
    assertThat(drifted.message()).contains("refs/heads/other").contains("extra-one");
    assertThat(drifted.findings())
        .extracting(Finding::getRule)
        .contains("ForeignFederatedCredential");
    assertThat(drifted.corrections()).isEmpty();
    assertThat(arm.fake.writes()).isEqualTo(writes);
    // the hand-made credentials are handed to the guardrails as the identity's live trust
    LiveTrust.Azure live = (LiveTrust.Azure) drifted.liveTrust().orElseThrow();
    assertThat(live.identityId()).endsWith("/" + IDENTITY);
    assertThat(live.credentials())
        .extracting(LiveTrust.FederatedCredential::subject)
        .containsExactlyInAnyOrder(
            "repo:my-org/my-app:ref:refs/heads/other", "repo:my-org/my-app:pull_request");

    identity.getSpec().setManagementPolicy(ManagementPolicy.Enforce);
    LiveTrust.Azure corrected = (LiveTrust.Azure) pass(identity).liveTrust().orElseThrow();
    assertThat(corrected.credentials())
        .extracting(LiveTrust.FederatedCredential::subject)
        .as("Enforce: after the pass only the desired credential is left")
        .containsExactly("repo:my-org/my-app:environment:production");
  }

  // -------------------------------------------------------------------------------- conflict

  @Test
  void anIdentityOfTheSameNameWithoutOurTagsIsAConflictAndUntouched() {
    arm.state()
        .createIdentityOutOfBand(SUBSCRIPTION, GROUP, IDENTITY, "eastus", Map.of("team", "other"));
    adapter.scanGroupsNow();
    long writes = arm.fake.writes();
    CIFederatedIdentity identity = identity("Owner", GROUP_SCOPE);

    CloudOutcome outcome = pass(identity);

    assertThat(outcome.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(outcome.message())
        .contains(IDENTITY)
        .contains("no ownership tags")
        .as("names the policy field that would allow adopting it")
        .contains("spec.azure.adoptableIdentities");
    assertThat(arm.fake.writes()).isEqualTo(writes);
    assertThat(arm.state().identity(SUBSCRIPTION, GROUP, IDENTITY).orElseThrow().tags())
        .containsExactly(Map.entry("team", "other"));
    assertThat(arm.state().credentials(SUBSCRIPTION, GROUP, IDENTITY)).isEmpty();
    assertThat(identity.getStatus().getAzure().getClientId()).as("not ours to advertise").isNull();

    CloudOutcome cleanup = adapter.cleanup(request(identity));
    assertThat(cleanup.done()).isTrue();
    assertThat(arm.state().identity(SUBSCRIPTION, GROUP, IDENTITY)).isPresent();
  }

  @Test
  void anIdentityOwnedByAnotherResourceIsAConflict() {
    arm.state()
        .createIdentityOutOfBand(
            SUBSCRIPTION,
            GROUP,
            IDENTITY,
            "eastus",
            Map.of(
                "cifederation.dev_owner",
                "team-b/deploy",
                "cifederation.dev_cluster",
                "test-cluster"));
    adapter.scanGroupsNow();
    assertThat(pass(identity("Reader", GROUP_SCOPE)).reason()).isEqualTo(CloudReason.Conflict);
  }

  // ----------------------------------------------------------------------------------- limit

  @Test
  void theTwentyCredentialLimitIsATerminalLimitExceeded() {
    CIFederatedIdentity identity = identity("Reader", GROUP_SCOPE);
    // between the operator's read and its write, someone fills the identity up
    arm.fake
        .faults()
        .beforeNext(
            "PUT",
            "federatedIdentityCredentials/" + CREDENTIAL,
            () -> {
              for (int i = 0; i < ArmState.MAX_FEDERATED_CREDENTIALS; i++) {
                arm.state()
                    .putCredentialOutOfBand(
                        SUBSCRIPTION,
                        GROUP,
                        IDENTITY,
                        "other-" + i,
                        "https://token.actions.githubusercontent.com",
                        "repo:o/r:environment:e" + i,
                        List.of("api://AzureADTokenExchange"));
              }
            });

    CloudOutcome outcome = pass(identity);

    assertThat(outcome.reason()).isEqualTo(CloudReason.LimitExceeded);
    assertThat(outcome.message()).contains("20 federated credentials");
    assertThat(outcome.retryAfter()).as("terminal: no early retry").isEmpty();
    assertThat(arm.fake.requests())
        .filteredOn(
            r -> r.method().equals("PUT") && r.path().contains("federatedIdentityCredentials"))
        .as("not retried")
        .hasSize(1);
    assertThat(waits).isEmpty();
  }

  // ---------------------------------------------------------------------------- concurrency

  @Test
  void passesForOneIdentityNeverWriteItsCredentialsConcurrently() throws Exception {
    arm.close();
    arm = ArmFixture.start(o -> o.withCredentialWriteLatency(Duration.ofMillis(300)));
    adapter = arm.adapter(arm.settings(), registry, FAST, waits::add);
    pass(identity("Reader", GROUP_SCOPE));
    arm.state()
        .putCredentialOutOfBand(
            SUBSCRIPTION,
            GROUP,
            IDENTITY,
            CREDENTIAL,
            "https://token.actions.githubusercontent.com",
            "repo:x/y:ref:refs/heads/z",
            List.of("api://AzureADTokenExchange"));
    adapter.scanGroupsNow();
    for (int i = 0; i < 3; i++) {
      arm.state()
          .putCredentialOutOfBand(
              SUBSCRIPTION,
              GROUP,
              IDENTITY,
              "foreign-" + i,
              "https://token.actions.githubusercontent.com",
              "repo:x/y:environment:" + i,
              List.of("api://AzureADTokenExchange"));
      adapter.scanGroupsNow();
    }
    arm.fake.clearRequests();

    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Callable<CloudOutcome>> passes = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        CIFederatedIdentity copy = identity("Reader", GROUP_SCOPE);
        passes.add(() -> adapter.reconcile(request(copy)));
      }
      for (Future<CloudOutcome> result : pool.invokeAll(passes, 60, TimeUnit.SECONDS)) {
        assertThat(result.get().reason()).isEqualTo(CloudReason.Synced);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(arm.fake.requests()).extracting(r -> r.status()).doesNotContain(409);
    assertThat(arm.state().credentials(SUBSCRIPTION, GROUP, IDENTITY))
        .singleElement()
        .extracting(FederatedCredential::subject)
        .isEqualTo(SUBJECT);
  }

  @Test
  void aConcurrentCredentialWriteBySomeoneElseIsWaitedOut() {
    arm.close();
    arm = ArmFixture.start(o -> o);
    adapter = arm.adapter(arm.settings(), registry, FAST, d -> Thread.sleep(d.toMillis()));
    CIFederatedIdentity identity = identity("Reader", GROUP_SCOPE);
    arm.fake
        .faults()
        .beforeNext(
            "PUT",
            "federatedIdentityCredentials/" + CREDENTIAL,
            () -> {
              AutoCloseable hold = arm.state().holdCredentialWrites(SUBSCRIPTION, GROUP, IDENTITY);
              new Thread(
                      () -> {
                        try {
                          Thread.sleep(150);
                          hold.close();
                        } catch (Exception e) {
                          throw new IllegalStateException(e);
                        }
                      })
                  .start();
            });

    CloudOutcome outcome = pass(identity);

    assertThat(outcome.reason()).as(outcome.message()).isEqualTo(CloudReason.Synced);
    assertThat(arm.fake.requests())
        .filteredOn(
            r -> r.path().contains("federatedIdentityCredentials/") && r.method().equals("PUT"))
        .extracting(r -> r.status())
        .startsWith(409)
        .endsWith(201);
  }

  // ------------------------------------------------------------------------------ throttling

  @Test
  void throttlingIsRetriedAfterRetryAfterAndServerErrorsWithBackoff() {
    arm.fake.faults().throttle("GET", "/userAssignedIdentities", 2, Duration.ofSeconds(1));
    arm.fake.faults().serverError("PUT", "roleAssignments/", 1, 503);

    CloudOutcome outcome = pass(identity("Reader", GROUP_SCOPE));

    assertThat(outcome.reason()).as(outcome.message()).isEqualTo(CloudReason.Synced);
    assertThat(waits).hasSize(3);
    assertThat(waits.subList(0, 2)).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1));
    assertThat(arm.fake.requests()).extracting(r -> r.status()).contains(429, 503);
  }

  @Test
  void persistentThrottlingBecomesThrottledRetriedNoSoonerThanArmAsks() {
    arm.fake.faults().throttle("GET", "/userAssignedIdentities", 10, Duration.ofSeconds(2));
    CloudOutcome outcome = pass(identity("Reader", GROUP_SCOPE));
    assertThat(outcome.reason()).isEqualTo(CloudReason.Throttled);
    assertThat(outcome.retryAfter())
        .as("the shared policy: throttling waits at least a minute, spread by up to half again")
        .hasValueSatisfying(
            d -> assertThat(d).isBetween(Duration.ofSeconds(60), Duration.ofSeconds(90)));
    assertThat(calls.count("identities.listByResourceGroup")).isEqualTo(4);

    arm.fake.faults().clear();
    arm.fake.faults().throttle("GET", "/userAssignedIdentities", 1, Duration.ofMinutes(5));
    waits.clear();
    CloudOutcome longWait = pass(identity("Reader", GROUP_SCOPE));
    assertThat(longWait.reason()).isEqualTo(CloudReason.Throttled);
    assertThat(longWait.retryAfter())
        .as("ARM's Retry-After, longer than the policy's minute, is honoured")
        .hasValueSatisfying(
            d -> assertThat(d).isBetween(Duration.ofMinutes(5), Duration.ofSeconds(450)));
    assertThat(waits).as("a five-minute wait is not spent in the reconcile thread").isEmpty();
  }

  @Test
  void persistentServerErrorsBecomeTransientAndKeepTheLastKnownStatus() {
    CIFederatedIdentity identity = identity("Reader", GROUP_SCOPE);
    pass(identity);
    AzureIdentityStatus before = identity.getStatus().getAzure();
    arm.fake.faults().serverError("GET", "/userAssignedIdentities", 10, 500);
    // the group's view dropped (as after a failed write): the pass must read the group itself
    adapter.invalidateGroups();

    CloudOutcome outcome = pass(identity);

    assertThat(outcome.reason()).isEqualTo(CloudReason.Transient);
    assertThat(outcome.retryAfter())
        .hasValueSatisfying(
            d -> assertThat(d).isBetween(Duration.ofSeconds(30), Duration.ofSeconds(45)));
    assertThat(outcome.done()).isFalse();
    AzureIdentityStatus during = identity.getStatus().getAzure();
    assertThat(during.getClientId()).isEqualTo(before.getClientId());
    assertThat(during.getPrincipalId()).isEqualTo(before.getPrincipalId());
    assertThat(during.getTenantId()).isEqualTo(before.getTenantId());
    assertThat(during.getLastSyncTime())
        .as("not compared this time")
        .isEqualTo(before.getLastSyncTime());
  }

  @Test
  void aFirstPassThatFailsBeforeAnyWriteStillRecordsAnAzureBlock() {
    arm.fake.faults().serverError("GET", "/userAssignedIdentities", 10, 500);
    CIFederatedIdentity identity = identity("Reader", GROUP_SCOPE);

    CloudOutcome outcome = pass(identity);

    assertThat(outcome.reason()).isEqualTo(CloudReason.Transient);
    AzureIdentityStatus block = identity.getStatus().getAzure();
    assertThat(block)
        .as("recorded, so that removing the azure block still cleans up whatever Azure made")
        .isNotNull();
    assertThat(block.getCredentialName()).isEqualTo(CREDENTIAL);
    assertThat(block.getPrincipalId()).as("no identity was read").isNull();
    assertThat(block.getLastSyncTime()).as("nothing was compared").isNull();
  }

  @Test
  void aRefusedTokenIsUnauthorized() {
    AzureCloudReconciler wrongToken =
        arm.adapter(arm.settingsWithToken("stolen"), registry, FAST, waits::add);
    CIFederatedIdentity identity = identity("Reader", GROUP_SCOPE);
    CloudOutcome outcome = wrongToken.reconcile(request(identity));
    assertThat(outcome.reason()).isEqualTo(CloudReason.Unauthorized);
    assertThat(outcome.message()).contains("InvalidAuthenticationToken");
  }

  // ------------------------------------------------------------------------- restart, delete

  @Test
  void aRestartMidCreationCompletesWithoutDuplicates() {
    AzureCloudReconciler impatient =
        arm.adapter(
            arm.settings(),
            registry,
            new ArmRetry.Policy(2, Duration.ofMillis(10), Duration.ofSeconds(1)),
            waits::add);
    arm.fake.faults().serverError("PUT", "federatedIdentityCredentials/", 2, 500);
    CIFederatedIdentity identity = identity("Contributor", GROUP_SCOPE);

    CloudOutcome interrupted = impatient.reconcile(request(identity));
    apply(identity, interrupted);
    assertThat(interrupted.reason()).isEqualTo(CloudReason.Transient);
    String principal =
        arm.state().identity(SUBSCRIPTION, GROUP, IDENTITY).orElseThrow().principalId();
    assertThat(identity.getStatus().getAzure().getPrincipalId()).isEqualTo(principal);

    // a new operator process: new SDK clients, empty caches and locks
    AzureCloudReconciler restarted =
        arm.adapter(arm.settings(), new SimpleMeterRegistry(), FAST, waits::add);
    CloudOutcome completed = restarted.reconcile(request(identity));

    assertThat(completed.reason()).isEqualTo(CloudReason.Synced);
    assertThat(arm.state().identities()).hasSize(1);
    assertThat(arm.state().identity(SUBSCRIPTION, GROUP, IDENTITY).orElseThrow().principalId())
        .isEqualTo(principal);
    assertThat(arm.state().credentials(SUBSCRIPTION, GROUP, IDENTITY)).hasSize(1);
    assertThat(arm.state().roleAssignmentsOf(principal)).hasSize(1);
  }

  @Test
  void anAssignmentAlreadyCreatedButNotYetListedIsConverged() {
    CIFederatedIdentity identity = identity("Contributor", GROUP_SCOPE);
    pass(identity);
    String principal = identity.getStatus().getAzure().getPrincipalId();
    RoleAssignment ours = arm.state().roleAssignmentsOf(principal).get(0);
    // the list lags behind (replication): it misses the assignment, which exists when the
    // operator then creates it, so the create meets 409 RoleAssignmentExists on its own name
    arm.fake
        .faults()
        .beforeNext(
            "GET",
            "/providers/Microsoft.Authorization/roleAssignments",
            () -> arm.state().removeRoleAssignmentOutOfBand(ours.id()));
    // the group's scan is the list that lags
    adapter.scanGroupsNow();
    arm.fake
        .faults()
        .beforeNext(
            "PUT",
            "/providers/Microsoft.Authorization/roleAssignments/",
            () ->
                arm.state()
                    .putRoleAssignment(
                        ours.scope(),
                        ours.name(),
                        ours.roleDefinitionId(),
                        ours.principalId(),
                        ours.principalType(),
                        ours.description()));
    arm.fake.clearRequests();

    CloudOutcome outcome = pass(identity);

    assertThat(outcome.reason()).as(outcome.message()).isEqualTo(CloudReason.Synced);
    assertThat(arm.fake.requests())
        .filteredOn(r -> r.method().equals("PUT") && r.path().contains("roleAssignments"))
        .extracting(r -> r.status())
        .containsExactly(409);
    assertThat(outcome.findings()).as("it is the operator's own").isEmpty();
    assertThat(arm.state().roleAssignmentsOf(principal))
        .extracting(RoleAssignment::name)
        .containsExactly(ours.name());
  }

  @Test
  void deletionRemovesAssignmentsThenTheCredentialThenTheIdentityAndNothingElse() {
    CIFederatedIdentity identity = identity("Contributor", GROUP_SCOPE);
    pass(identity);
    String principal = identity.getStatus().getAzure().getPrincipalId();
    RoleAssignment handMade = arm.state().assignRoleOutOfBand(GROUP_SCOPE, "Reader", principal);
    adapter.scanGroupsNow();
    arm.fake.clearRequests();

    CloudOutcome outcome = adapter.cleanup(request(identity));

    assertThat(outcome.done()).isTrue();
    List<String> deletes =
        arm.fake.requests().stream()
            .filter(r -> r.method().equals("DELETE"))
            .map(
                r ->
                    r.path().contains("roleAssignments")
                        ? "assignment"
                        : r.path().contains("federatedIdentityCredentials")
                            ? "credential"
                            : "identity")
            .toList();
    assertThat(deletes).containsExactly("assignment", "credential", "identity");
    assertThat(arm.state().identity(SUBSCRIPTION, GROUP, IDENTITY)).isEmpty();
    assertThat(arm.state().roleAssignmentsOf(principal))
        .extracting(RoleAssignment::name)
        .containsExactly(handMade.name());

    assertThat(adapter.cleanup(request(identity)).done()).as("idempotent").isTrue();
  }

  @Test
  void deletionWithoutTheIssuerUsesTheDerivedNames() {
    CIFederatedIdentity identity = identity("Contributor", GROUP_SCOPE);
    pass(identity);
    CloudOutcome outcome = adapter.cleanup(new CloudRequest(identity, null));
    assertThat(outcome.done()).isTrue();
    assertThat(arm.state().identities()).isEmpty();
    assertThat(arm.state().roleAssignments()).isEmpty();
  }

  @Test
  void orphaningLeavesEverythingAndRemovesOnlyTheOwnershipTags() {
    CIFederatedIdentity identity = identity("Contributor", GROUP_SCOPE);
    pass(identity);
    arm.state()
        .setTagsOutOfBand(
            SUBSCRIPTION,
            GROUP,
            IDENTITY,
            Map.of(
                "cifederation.dev_owner",
                "team-a/deploy",
                "cifederation.dev_cluster",
                "test-cluster",
                "env",
                "prod"));
    adapter.scanGroupsNow();
    identity.getSpec().setDeletionPolicy(DeletionPolicy.Orphan);

    CloudOutcome outcome = adapter.cleanup(request(identity));

    assertThat(outcome.done()).isTrue();
    Identity left = arm.state().identity(SUBSCRIPTION, GROUP, IDENTITY).orElseThrow();
    assertThat(left.tags()).containsExactly(Map.entry("env", "prod"));
    assertThat(arm.state().credentials(SUBSCRIPTION, GROUP, IDENTITY)).hasSize(1);
    assertThat(arm.state().roleAssignmentsOf(left.principalId())).hasSize(1);
  }

  @Test
  void observeNeverDeletes() {
    CIFederatedIdentity identity = identity("Contributor", GROUP_SCOPE);
    pass(identity);
    identity.getSpec().setManagementPolicy(ManagementPolicy.Observe);
    long writes = arm.fake.writes();
    assertThat(adapter.cleanup(request(identity)).done()).isTrue();
    assertThat(arm.fake.writes()).isEqualTo(writes);
    assertThat(arm.state().identities()).hasSize(1);
  }

  // ----------------------------------------------------------------------------- attribution

  @Test
  void everyCallOfAPassNamesItsIdentityInTheUserAgentAndTheClientRequestId() {
    CIFederatedIdentity identity = identity("Contributor", GROUP_SCOPE);
    String digest = new Attribution(NAMESPACE, NAME).digest();

    pass(identity);
    assertThat(adapter.cleanup(request(identity)).done()).isTrue();

    // the resource group's scan is the operator's, made for no identity: its two lists
    List<RecordedRequest> requests =
        arm.fake.requests().stream().filter(r -> !isGroupScan(r)).toList();
    assertThat(arm.fake.requests().stream().filter(AzureCloudReconcilerIT::isGroupScan))
        .hasSize(2)
        .allSatisfy(r -> assertThat(r.userAgent()).doesNotContain("cifed-identity/"));
    assertThat(requests)
        .filteredOn(RecordedRequest::isWrite)
        .extracting(RecordedRequest::method)
        .contains("PUT", "DELETE");
    assertThat(requests)
        .allSatisfy(
            r -> {
              assertThat(r.userAgent())
                  .startsWith("cifederation-operator ")
                  .contains(" cifed-identity/cifed.team-a.deploy");
              // a GUID still, as ARM expects; the Activity Log keeps it, and its first 16 hex
              // digits are sha256("team-a/deploy")
              assertThat(r.clientRequestId())
                  .matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
                  .startsWith(
                      digest.substring(0, 8)
                          + "-"
                          + digest.substring(8, 12)
                          + "-"
                          + digest.substring(12)
                          + "-");
            });
    assertThat(requests)
        .as("one client request ID per request, as before")
        .extracting(RecordedRequest::clientRequestId)
        .doesNotHaveDuplicates();
  }

  // ----------------------------------------------------------------------- scans of the group

  /**
   * A resource group is read on its schedule, once a resync: its identities and the role
   * assignments around it in one list each, and each identity's credentials (no bulk list exists).
   * The passes read nothing, and creation costs the writes and one scan of the group.
   */
  @Test
  void eachResourceGroupIsReadOncePerResyncAndEachIdentitysCredentialsOnce() {
    List<CIFederatedIdentity> identities = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      identities.add(named("app-" + i, identity("Contributor", GROUP_SCOPE)));
    }
    identities.forEach(i -> assertThat(pass(i).reason()).isEqualTo(CloudReason.Synced));
    assertThat(calls.total() - calls.count("roleDefinitions.list"))
        .as(
            "creating 4 identities: 3 writes each, a fresh get before each create (an ARM PUT is"
                + " an upsert), and one scan of the empty group")
        .isEqualTo(4 * 4 + 2);

    double before = calls.total();
    adapter.scanGroupsNow();
    identities.forEach(i -> assertThat(pass(i).reason()).isEqualTo(CloudReason.Synced));

    assertThat(calls.count("identities.listByResourceGroup"))
        .as("the empty group's list, then 4 identities in pages of 2: each page is a request")
        .isEqualTo(1 + 2);
    assertThat(calls.total() - before)
        .as(
            "one resync: the group's 2 lists (2 pages each in this fake), 1 credential list per"
                + " identity, nothing per pass")
        .isEqualTo(2 * 2 + 4);
    assertThat(sdkWrites()).isEqualTo(4 * 3);
  }

  /**
   * Identities created together look their names up with one list of the group between them instead
   * of a get each; the list starts after each of them asked, so a stranger's identity made after
   * the group's scan is still found, and left alone.
   */
  @Test
  void identitiesCreatedTogetherShareAFreshListOfTheirGroupAndStillFindAStrangersIdentity()
      throws Exception {
    pass(named("first", identity("Reader", GROUP_SCOPE)));
    arm.state()
        .createIdentityOutOfBand(
            SUBSCRIPTION, GROUP, "cifed-team-a_app-5", "eastus", Map.of("team", "other"));
    double lookupsBefore =
        calls.count("identities.get") + calls.count("identities.listByResourceGroup");

    ExecutorService pool = Executors.newFixedThreadPool(8);
    Map<String, CloudOutcome> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
    try {
      List<Callable<CloudOutcome>> passes = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String name = "app-" + i;
        CIFederatedIdentity identity = named(name, identity("Reader", GROUP_SCOPE));
        passes.add(
            () -> {
              CloudOutcome outcome = adapter.reconcile(request(identity));
              outcomes.put(name, outcome);
              return outcome;
            });
      }
      for (Future<CloudOutcome> result : pool.invokeAll(passes, 60, TimeUnit.SECONDS)) {
        result.get();
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(outcomes.get("app-5").reason()).isEqualTo(CloudReason.Conflict);
    assertThat(arm.state().identity(SUBSCRIPTION, GROUP, "cifed-team-a_app-5").orElseThrow().tags())
        .containsExactly(Map.entry("team", "other"));
    assertThat(arm.state().credentials(SUBSCRIPTION, GROUP, "cifed-team-a_app-5")).isEmpty();
    outcomes.forEach(
        (name, outcome) -> {
          if (!name.equals("app-5")) {
            assertThat(outcome.reason()).as(name).isEqualTo(CloudReason.Synced);
          }
        });
    assertThat(
            calls.count("identities.get")
                + calls.count("identities.listByResourceGroup")
                - lookupsBefore)
        .as("8 names looked up in fewer calls than one each")
        .isLessThan(8);
  }

  /**
   * A credential changed by hand is found by the group's next scan, which triggers the identity it
   * belongs to, and only it; the operator's own writes are not drift.
   */
  @Test
  void aScanThatFindsACredentialChangedByHandTriggersItsIdentityAndOnlyIt() {
    CIFederatedIdentity deploy = identity("Contributor", GROUP_SCOPE);
    CIFederatedIdentity release = named("release", identity("Reader", GROUP_SCOPE));
    pass(deploy);
    pass(release);
    List<String> triggered = new java.util.concurrent.CopyOnWriteArrayList<>();
    adapter.scanScopes((cloud, identity) -> triggered.add(cloud + " " + identity));

    adapter.scanGroupsNow();
    assertThat(triggered).as("the operator's own writes are not drift").isEmpty();

    arm.state()
        .putCredentialOutOfBand(
            SUBSCRIPTION,
            GROUP,
            IDENTITY,
            CREDENTIAL,
            "https://token.actions.githubusercontent.com",
            "repo:my-org/my-app:ref:refs/heads/evil",
            List.of("api://AzureADTokenExchange"));
    adapter.scanGroupsNow();

    assertThat(triggered).containsExactly("Azure team-a/deploy");
    assertThat(pass(deploy).corrections()).singleElement().asString().contains("refs/heads/evil");
  }

  private static boolean isGroupScan(RecordedRequest r) {
    String path = r.path().toLowerCase(java.util.Locale.ROOT);
    return r.method().equals("GET")
        && (path.endsWith("/providers/microsoft.managedidentity/userassignedidentities")
            || (path.endsWith("/providers/microsoft.authorization/roleassignments")
                && !r.query().containsKey("$filter")));
  }

  private static CIFederatedIdentity named(String name, CIFederatedIdentity identity) {
    identity.getMetadata().setName(name);
    identity
        .getMetadata()
        .setUid("5b7c1d3e-0000-4000-8000-" + String.format("%012x", name.hashCode() & 0xffffffffL));
    return identity;
  }

  // --------------------------------------------------------------------------------- helpers

  private CloudOutcome pass(CIFederatedIdentity identity) {
    CloudOutcome outcome = adapter.reconcile(request(identity));
    apply(identity, outcome);
    return outcome;
  }

  private CloudRequest request(CIFederatedIdentity identity) {
    try {
      CompiledTrust trust =
          compiler.compile(GITHUB, NAMESPACE, identity.getMetadata().getName(), identity.getSpec());
      return new CloudRequest(identity, trust);
    } catch (dev.cifederation.operator.trust.TrustCompilationException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What the identity reconciler does with an outcome: status block and AzureReady. */
  private static void apply(CIFederatedIdentity identity, CloudOutcome outcome) {
    Passes.settle(identity, Cloud.Azure, outcome);
  }

  private double sdkWrites() {
    return WRITES.stream().mapToDouble(calls::count).sum();
  }

  private static CIFederatedIdentity identity(String role, String scope) {
    return identity(List.of(Map.of("role", role, "scope", scope)));
  }

  private static CIFederatedIdentity identity(List<Map<String, String>> roles) {
    StringBuilder yaml =
        new StringBuilder(
            """
apiVersion: cifederation.dev/v1alpha1
kind: CIFederatedIdentity
metadata: {name: deploy, namespace: team-a, generation: 1, uid: 5b7c1d3e-0000-4000-8000-000000000001}
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
                .formatted(SUBSCRIPTION, GROUP));
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
