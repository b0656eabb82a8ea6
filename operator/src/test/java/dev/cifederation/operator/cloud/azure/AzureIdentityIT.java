package dev.cifederation.operator.cloud.azure;

import static dev.cifederation.operator.cloud.azure.ArmFixture.GROUP;
import static dev.cifederation.operator.cloud.azure.ArmFixture.GROUP_SCOPE;
import static dev.cifederation.operator.cloud.azure.ArmFixture.SUBSCRIPTION;
import static dev.cifederation.operator.testsupport.Conditions.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cifederation.fakes.azure.ArmState;
import dev.cifederation.fakes.azure.ArmState.FederatedCredential;
import dev.cifederation.fakes.azure.ArmState.Identity;
import dev.cifederation.fakes.azure.ArmState.RoleAssignment;
import dev.cifederation.fakes.azure.RecordedRequest;
import dev.cifederation.operator.api.v1alpha1.AzureIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.api.v1alpha1.Finding;
import dev.cifederation.operator.cloud.RetryPolicy;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.reconcile.EventRecorder;
import dev.cifederation.operator.reconcile.IdentityReconciler;
import dev.cifederation.operator.testsupport.Fixtures;
import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import dev.cifederation.operator.testsupport.OperatorInTheLoop;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.junit.LocallyRunOperatorExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator in the loop on a real kube-apiserver, its Azure adapter on the real SDK against the
 * fake ARM over HTTPS, resyncing every {@value #RESYNC_SECONDS} seconds: what `kubectl apply` of an
 * Azure identity leads to, how hand edits in Azure are reverted within one resync, and how deletion
 * removes only what the operator created.
 */
class AzureIdentityIT {

  private static final int RESYNC_SECONDS = 3;
  private static final Duration WITHIN = Duration.ofSeconds(60);
  private static final String ISSUER = "github-azure-it";
  private static final String ISSUER_URL = "https://token.actions.githubusercontent.com";
  private static final String AUDIENCE = "api://AzureADTokenExchange";
  private static final String CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c";

  private static final KubeApiServerSupport API = KubeApiServerSupport.shared();
  private static final KubernetesClient CLIENT = API.newClient();
  private static final ArmFixture ARM =
      ArmFixture.start(o -> o.withCredentialWriteLatency(Duration.ofMillis(50)));
  private static final SimpleMeterRegistry REGISTRY = new SimpleMeterRegistry();
  private static final CloudCalls CALLS = new CloudCalls(REGISTRY, "Azure");

  private static final OperatorInTheLoop LOOP = new OperatorInTheLoop(CLIENT);

  @RegisterExtension
  static final LocallyRunOperatorExtension OPERATOR =
      LOOP.extension(
          new IdentityReconciler(
              new TrustCompiler(),
              List.of(
                  AzureCloudReconciler.create(
                      ARM.settings(),
                      "it-cluster",
                      Duration.ofSeconds(RESYNC_SECONDS),
                      RetryPolicy.forResync(Duration.ofSeconds(RESYNC_SECONDS)),
                      REGISTRY,
                      Clock.systemUTC(),
                      new ArmRetry.Policy(4, Duration.ofMillis(100), Duration.ofSeconds(5)),
                      d -> Thread.sleep(d.toMillis()))),
              new EventRecorder(CLIENT, Clock.systemUTC()),
              Clock.systemUTC()),
          Duration.ofSeconds(RESYNC_SECONDS));

  @BeforeAll
  static void issuer() {
    LOOP.apply(Fixtures.issuer(ISSUER, ISSUER_URL, "GitHub"));
  }

  @AfterAll
  static void stopFake() {
    CLIENT.resources(CIIssuer.class).withName(ISSUER).delete();
    ARM.close();
  }

  @Test
  void applyingAnAzureIdentityCreatesExactlyWhatAzureLoginNeeds() {
    apply("create", "environment: production", "Contributor", GROUP_SCOPE, Map.of());

    CIFederatedIdentity ready = awaitCondition("create", "AzureReady", "Synced");

    Identity identity =
        ARM.state()
            .identity(SUBSCRIPTION, GROUP, "cifed-" + LOOP.namespace() + "_create")
            .orElseThrow();
    AzureIdentityStatus status = ready.getStatus().getAzure();
    assertThat(status.getClientId()).isEqualTo(identity.clientId());
    assertThat(status.getTenantId()).isEqualTo(ArmFixture.TENANT);
    assertThat(status.getPrincipalId()).isEqualTo(identity.principalId());
    assertThat(status.getCredentialName()).isEqualTo("cifed-" + LOOP.namespace() + "_create");
    assertThat(status.getDriftCorrections()).isZero();
    assertThat(condition(ready, "Ready").getStatus()).isEqualTo("True");
    assertThat(identity.tags())
        .containsEntry("cifederation.dev_owner", LOOP.namespace() + "/create")
        .containsEntry("cifederation.dev_cluster", "it-cluster")
        .containsEntry("cifederation.dev_uid", ready.getMetadata().getUid());
    assertThat(status.getIdentityId()).isEqualTo(identity.id());
    assertThat(ARM.state().credentials(SUBSCRIPTION, GROUP, identity.name()))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.issuer()).isEqualTo(ISSUER_URL);
              assertThat(c.subject()).isEqualTo("repo:my-org/my-app:environment:production");
              assertThat(c.audiences()).containsExactly(AUDIENCE);
            });
    assertThat(ARM.state().roleAssignmentsOf(identity.principalId()))
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.roleDefinitionName()).isEqualTo(CONTRIBUTOR);
              assertThat(a.scope()).isEqualTo(GROUP_SCOPE);
              assertThat(a.principalType()).isEqualTo("ServicePrincipal");
            });
  }

  @Test
  void handEditsAreRevertedWithinOneResyncAndHandMadeGrantsAreReported() {
    apply("drift", "environment: production", "Contributor", GROUP_SCOPE, Map.of());
    CIFederatedIdentity synced = awaitCondition("drift", "AzureReady", "Synced");
    String identityName = "cifed-" + LOOP.namespace() + "_drift";
    String principal = synced.getStatus().getAzure().getPrincipalId();
    RoleAssignment ours = ARM.state().roleAssignmentsOf(principal).get(0);

    // someone retargets the credential to another branch, deletes the role assignment, and grants
    // Reader on the subscription by hand
    ARM.state()
        .putCredentialOutOfBand(
            SUBSCRIPTION,
            GROUP,
            identityName,
            identityName,
            ISSUER_URL,
            "repo:my-org/my-app:ref:refs/heads/feature",
            List.of(AUDIENCE));
    ARM.state().removeRoleAssignmentOutOfBand(ours.id());
    RoleAssignment handMade =
        ARM.state().assignRoleOutOfBand("/subscriptions/" + SUBSCRIPTION, "Reader", principal);

    await()
        .atMost(Duration.ofSeconds(RESYNC_SECONDS * 4L))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              assertThat(ARM.state().credentials(SUBSCRIPTION, GROUP, identityName))
                  .singleElement()
                  .extracting(FederatedCredential::subject)
                  .isEqualTo("repo:my-org/my-app:environment:production");
              assertThat(ARM.state().roleAssignmentsOf(principal))
                  .extracting(RoleAssignment::name)
                  .containsExactlyInAnyOrder(ours.name(), handMade.name());
            });

    CIFederatedIdentity corrected =
        LOOP.awaitStatus(
            "drift",
            i ->
                i.getStatus().getAzure().getDriftCorrections() != null
                    && i.getStatus().getAzure().getDriftCorrections() == 2);
    assertThat(corrected.getStatus().getFindings())
        .extracting(Finding::getRule, Finding::getCloud)
        .contains(org.assertj.core.groups.Tuple.tuple("UndeclaredRoleAssignment", "Azure"));
    await()
        .atMost(WITHIN)
        .untilAsserted(
            () ->
                assertThat(LOOP.events("drift"))
                    .filteredOn(e -> e.getReason().equals("DriftCorrected"))
                    .extracting(Event::getMessage)
                    .anySatisfy(
                        m ->
                            assertThat(m)
                                .contains("subject 'repo:my-org/my-app:ref:refs/heads/feature'"))
                    .anySatisfy(
                        m -> assertThat(m).contains("created role assignment Contributor")));
  }

  @Test
  void steadyResyncsMakeNoWrites() {
    apply("steady", "branch: main", "Reader", "/subscriptions/" + SUBSCRIPTION, Map.of());
    CIFederatedIdentity synced = awaitCondition("steady", "AzureReady", "Synced");
    // one more pass: every other identity of this class settles meanwhile
    LOOP.awaitPasses("steady", 1);
    CIFederatedIdentity settled = LOOP.get("steady");
    int events = LOOP.events("steady").size();
    long writes = ARM.fake.writes();
    double scans = CALLS.count("identities.listByResourceGroup");

    LOOP.awaitPasses("steady", 3);

    assertThat(CALLS.count("identities.listByResourceGroup"))
        .as("the resource group's scheduled scans read Azure")
        .isGreaterThan(scans);
    CIFederatedIdentity after = LOOP.get("steady");
    assertThat(after.getMetadata().getResourceVersion())
        .as("no status patch in a steady resync")
        .isEqualTo(settled.getMetadata().getResourceVersion());
    assertThat(after.getStatus().getAzure().getLastSyncTime())
        .as("lastSyncTime is when a pass last changed something")
        .isEqualTo(settled.getStatus().getAzure().getLastSyncTime());
    assertThat(LOOP.events("steady")).as("no Event in a steady resync").hasSize(events);
    assertThat(ARM.fake.writes()).isEqualTo(writes);
    assertThat(synced.getStatus().getAzure().getDriftCorrections()).isZero();
  }

  @Test
  void anIdentityOfTheSameNameThatIsNotOursIsAConflictAndLeftAlone() {
    ARM.state()
        .createIdentityOutOfBand(
            SUBSCRIPTION, GROUP, "someone-elses-identity", "eastus", Map.of("team", "x"));
    apply(
        "conflict",
        "environment: production",
        "Owner",
        GROUP_SCOPE,
        Map.of("identityName", "someone-elses-identity"));

    CIFederatedIdentity conflicted = awaitCondition("conflict", "AzureReady", "Conflict");

    assertThat(condition(conflicted, "AzureReady").getStatus()).isEqualTo("False");
    assertThat(condition(conflicted, "Ready").getReason()).isEqualTo("CloudNotReady");
    Identity untouched =
        ARM.state().identity(SUBSCRIPTION, GROUP, "someone-elses-identity").orElseThrow();
    assertThat(untouched.tags()).containsExactly(Map.entry("team", "x"));
    assertThat(ARM.state().credentials(SUBSCRIPTION, GROUP, "someone-elses-identity")).isEmpty();
    assertThat(ARM.state().roleAssignmentsOf(untouched.principalId())).isEmpty();

    LOOP.delete("conflict");
    LOOP.awaitGone("conflict");
    assertThat(ARM.state().identity(SUBSCRIPTION, GROUP, "someone-elses-identity")).isPresent();
  }

  @Test
  void deletionRemovesOnlyWhatTheOperatorCreatedInOrder() {
    apply("doomed", "environment: production", "Contributor", GROUP_SCOPE, Map.of());
    String principal =
        awaitCondition("doomed", "AzureReady", "Synced").getStatus().getAzure().getPrincipalId();
    String identityName = "cifed-" + LOOP.namespace() + "_doomed";
    RoleAssignment handMade = ARM.state().assignRoleOutOfBand(GROUP_SCOPE, "Reader", principal);
    int before = ARM.fake.requests().size();

    LOOP.delete("doomed");
    LOOP.awaitGone("doomed");

    assertThat(ARM.state().identity(SUBSCRIPTION, GROUP, identityName)).isEmpty();
    assertThat(ARM.state().roleAssignmentsOf(principal))
        .extracting(RoleAssignment::name)
        .containsExactly(handMade.name());
    List<RecordedRequest> deletes =
        ARM.fake.requests().subList(before, ARM.fake.requests().size()).stream()
            .filter(r -> r.method().equals("DELETE"))
            .toList();
    assertThat(deletes)
        .extracting(
            r ->
                r.path().contains("roleAssignments")
                    ? "assignment"
                    : r.path().contains("federatedIdentityCredentials") ? "credential" : "identity")
        .containsExactly("assignment", "credential", "identity");
  }

  @Test
  void orphaningKeepsEverythingWithoutOwnershipTags() {
    apply(
        "orphan",
        "environment: production",
        "Contributor",
        GROUP_SCOPE,
        Map.of("deletionPolicy", "Orphan"));
    String principal =
        awaitCondition("orphan", "AzureReady", "Synced").getStatus().getAzure().getPrincipalId();
    String identityName = "cifed-" + LOOP.namespace() + "_orphan";

    LOOP.delete("orphan");
    LOOP.awaitGone("orphan");

    Identity left = ARM.state().identity(SUBSCRIPTION, GROUP, identityName).orElseThrow();
    assertThat(left.tags())
        .doesNotContainKeys(
            "cifederation.dev_owner", "cifederation.dev_cluster", "cifederation.dev_uid");
    assertThat(ARM.state().credentials(SUBSCRIPTION, GROUP, identityName)).hasSize(1);
    assertThat(ARM.state().roleAssignmentsOf(principal)).hasSize(1);
  }

  @Test
  void throttlingAndServerErrorsAreRetriedUntilSynced() {
    String identityName = "cifed-" + LOOP.namespace() + "_throttled";
    // more 429s than one reconcile's attempts: the reconcile reports Throttled and is rescheduled
    ARM.fake
        .faults()
        .throttle("PUT", "userAssignedIdentities/" + identityName, 5, Duration.ofSeconds(1));
    ARM.fake.faults().serverError("PUT", "roleAssignments/", 2, 503);
    apply("throttled", "environment: production", "Reader", GROUP_SCOPE, Map.of());

    awaitCondition("throttled", "AzureReady", "Synced");

    await()
        .atMost(WITHIN)
        .untilAsserted(
            () ->
                assertThat(LOOP.events("throttled"))
                    .extracting(Event::getMessage)
                    .anySatisfy(m -> assertThat(m).contains("AzureReady Throttled")));
    assertThat(ARM.fake.requests())
        .filteredOn(r -> r.path().endsWith(identityName) && r.status() == 429)
        .hasSize(5);
  }

  @Test
  void theCredentialLimitIsReportedAsLimitExceededWithoutRetrying() {
    String identityName = "cifed-" + LOOP.namespace() + "_limited";
    // between the operator's read of the credentials and its write, someone fills the identity up
    ARM.fake
        .faults()
        .beforeNext(
            "PUT",
            "federatedIdentityCredentials/" + identityName,
            () -> {
              for (int i = 0; i < ArmState.MAX_FEDERATED_CREDENTIALS; i++) {
                ARM.state()
                    .putCredentialOutOfBand(
                        SUBSCRIPTION,
                        GROUP,
                        identityName,
                        "filler-" + i,
                        ISSUER_URL,
                        "repo:o/r:environment:e" + i,
                        List.of(AUDIENCE));
              }
            });
    apply("limited", "environment: production", "Reader", GROUP_SCOPE, Map.of());

    await()
        .atMost(WITHIN)
        .untilAsserted(
            () ->
                assertThat(LOOP.events("limited"))
                    .extracting(Event::getMessage)
                    .anySatisfy(m -> assertThat(m).contains("AzureReady LimitExceeded")));
    assertThat(ARM.fake.requests())
        .filteredOn(
            r ->
                r.method().equals("PUT")
                    && r.path().endsWith("federatedIdentityCredentials/" + identityName))
        .first()
        .extracting(RecordedRequest::status)
        .isEqualTo(400);
    // the next resync owns the identity's credentials: the fillers are foreign and go
    awaitCondition("limited", "AzureReady", "Synced");
    assertThat(ARM.state().credentials(SUBSCRIPTION, GROUP, identityName)).hasSize(1);
  }

  @Test
  void aRestartedOperatorCompletesTheIdentityItsPredecessorStarted() {
    // the resource group appears only after the resource is stored, so its UID is known when the
    // identity a predecessor created (with all three ownership tags) is put in place
    String group = "rg-" + LOOP.namespace();
    String identityName = "cifed-" + LOOP.namespace() + "_resumed";
    apply(
        "resumed",
        "environment: production",
        "Contributor",
        GROUP_SCOPE,
        Map.of("resourceGroup", group));
    awaitCondition("resumed", "AzureReady", "NotFound");
    String uid = LOOP.get("resumed").getMetadata().getUid();
    ARM.state().addResourceGroup(SUBSCRIPTION, group);
    Identity halfDone =
        ARM.state()
            .createIdentityOutOfBand(
                SUBSCRIPTION,
                group,
                identityName,
                "eastus",
                Map.of(
                    "cifederation.dev_owner",
                    LOOP.namespace() + "/resumed",
                    "cifederation.dev_cluster",
                    "it-cluster",
                    "cifederation.dev_uid",
                    uid));

    CIFederatedIdentity ready = awaitCondition("resumed", "AzureReady", "Synced");

    assertThat(ready.getStatus().getAzure().getPrincipalId()).isEqualTo(halfDone.principalId());
    assertThat(ARM.state().identities()).filteredOn(i -> i.name().equals(identityName)).hasSize(1);
    assertThat(ARM.state().credentials(SUBSCRIPTION, group, identityName)).hasSize(1);
    assertThat(ARM.state().roleAssignmentsOf(halfDone.principalId())).hasSize(1);
  }

  @Test
  void anIdentityLeftByAnEarlierResourceOfTheSameNameIsNotInherited() {
    // what the previous version, or an earlier resource whose finalizer was stripped, left
    String identityName = "cifed-" + LOOP.namespace() + "_namesake";
    Identity left =
        ARM.state()
            .createIdentityOutOfBand(
                SUBSCRIPTION,
                GROUP,
                identityName,
                "eastus",
                Map.of(
                    "cifederation.dev_owner",
                    LOOP.namespace() + "/namesake",
                    "cifederation.dev_cluster",
                    "it-cluster",
                    "cifederation.dev_uid",
                    "00000000-dead-4000-8000-000000000000"));

    apply("namesake", "environment: production", "Contributor", GROUP_SCOPE, Map.of());
    CIFederatedIdentity conflicted = awaitCondition("namesake", "AzureReady", "Conflict");

    assertThat(condition(conflicted, "AzureReady").getMessage())
        .contains("earlier object")
        .contains("CIFederationPolicy");
    assertThat(conflicted.getStatus().getAzure().getClientId()).isNull();
    assertThat(ARM.state().credentials(SUBSCRIPTION, GROUP, identityName)).isEmpty();
    assertThat(ARM.state().roleAssignmentsOf(left.principalId())).isEmpty();
    LOOP.delete("namesake");
    LOOP.awaitGone("namesake");
    assertThat(ARM.state().identity(SUBSCRIPTION, GROUP, identityName)).isPresent();
  }

  @Test
  void aConcurrentCredentialWriterIsWaitedOut() {
    String identityName = "cifed-" + LOOP.namespace() + "_contended";
    ARM.fake
        .faults()
        .beforeNext(
            "PUT",
            "federatedIdentityCredentials/" + identityName,
            () -> {
              AutoCloseable hold =
                  ARM.state().holdCredentialWrites(SUBSCRIPTION, GROUP, identityName);
              new Thread(
                      () -> {
                        try {
                          Thread.sleep(300);
                          hold.close();
                        } catch (Exception e) {
                          throw new IllegalStateException(e);
                        }
                      })
                  .start();
            });
    apply("contended", "environment: production", "Reader", GROUP_SCOPE, Map.of());

    awaitCondition("contended", "AzureReady", "Synced");

    assertThat(ARM.fake.requests())
        .filteredOn(
            r ->
                r.method().equals("PUT")
                    && r.path().endsWith("federatedIdentityCredentials/" + identityName))
        .extracting(RecordedRequest::status)
        .contains(409)
        .last()
        .isEqualTo(201);
  }

  @Test
  void observeReportsDriftAndNeverWrites() {
    String identityName = "cifed-" + LOOP.namespace() + "_watched";
    apply(
        "watched",
        "environment: production",
        "Reader",
        GROUP_SCOPE,
        Map.of("managementPolicy", "Observe"));

    CIFederatedIdentity observed = awaitCondition("watched", "AzureReady", "DriftDetected");

    assertThat(condition(observed, "AzureReady").getMessage())
        .contains(identityName)
        .contains("does not exist");
    assertThat(ARM.state().identity(SUBSCRIPTION, GROUP, identityName)).isEmpty();
    assertThat(ARM.fake.requests())
        .filteredOn(r -> r.isWrite() && r.path().contains(identityName))
        .isEmpty();
  }

  // --------------------------------------------------------------------------------- helpers

  private static void apply(
      String name, String selector, String role, String scope, Map<String, String> extra) {
    String identityName =
        extra.containsKey("identityName") ? "\n  identityName: " + extra.get("identityName") : "";
    String policies =
        (extra.containsKey("deletionPolicy")
                ? "\ndeletionPolicy: " + extra.get("deletionPolicy")
                : "")
            + (extra.containsKey("managementPolicy")
                ? "\nmanagementPolicy: " + extra.get("managementPolicy")
                : "");
    LOOP.create(
        Fixtures.identity(
            null,
            name,
            """
            issuerRef: %s
            repository: my-org/my-app
            subject: {%s}
            azure:
              subscriptionId: %s
              resourceGroup: %s
              location: eastus%s
              roleAssignments:
              - {role: "%s", scope: "%s"}%s
            """
                .formatted(
                    ISSUER,
                    selector,
                    SUBSCRIPTION,
                    extra.getOrDefault("resourceGroup", GROUP),
                    identityName,
                    role,
                    scope,
                    policies)));
  }

  private static CIFederatedIdentity awaitCondition(String name, String type, String reason) {
    return LOOP.awaitCondition(name, type, reason);
  }
}
