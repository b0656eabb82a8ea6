package dev.cifederation.operator.cloud.azure;

import static dev.cifederation.operator.cloud.azure.ArmFixture.GROUP;
import static dev.cifederation.operator.cloud.azure.ArmFixture.SUBSCRIPTION;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.fakes.azure.ArmState.FederatedCredential;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.DeletionPolicy;
import dev.cifederation.operator.api.v1alpha1.ManagementPolicy;
import dev.cifederation.operator.api.v1alpha1.SubjectMigration;
import dev.cifederation.operator.api.v1alpha1.SubjectMigrationPhase;
import dev.cifederation.operator.api.v1alpha1.TrustActiveReason;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.CloudRequest.Grants;
import dev.cifederation.operator.cloud.CloudRequest.Revocation;
import dev.cifederation.operator.testsupport.Passes;
import dev.cifederation.operator.testsupport.Specs;
import dev.cifederation.operator.trust.Claims;
import dev.cifederation.operator.trust.CompiledTrust;
import dev.cifederation.operator.trust.IssuerInfo;
import dev.cifederation.operator.trust.LiveTrust;
import dev.cifederation.operator.trust.TrustCompilationException;
import dev.cifederation.operator.trust.TrustCompiler;
import dev.cifederation.operator.trust.TrustEvaluator;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A GitHub repository moving to immutable subjects on Azure, pass by pass against the fake ARM:
 * during the window the managed identity holds two federated credentials (Entra matches one subject
 * per credential), both under names the operator owns; at the window's end the old one goes; no
 * pass leaves a moment in which either subject in use is refused.
 */
class AzureSubjectMigrationIT {

  private static final IssuerInfo GITHUB = Specs.gitHub();
  private static final String IDENTITY = "cifed-team-a_deploy";
  private static final String FIRST = "cifed-team-a_deploy";
  private static final String SECOND = "cifed-team-a_deploy-migration";
  private static final String NAMES = "repo:my-org/my-app:environment:production";
  private static final String IDS = "repo:my-org@7890/my-app@123456:environment:production";
  private static final Instant WINDOW_END = Instant.parse("2026-09-01T00:00:00Z");
  private static final ArmRetry.Policy FAST =
      new ArmRetry.Policy(4, Duration.ofMillis(50), Duration.ofSeconds(10));

  private final MovableClock clock = new MovableClock(Instant.parse("2026-08-01T00:00:00Z"));
  private final TrustCompiler compiler = new TrustCompiler(clock);
  private ArmFixture arm;
  private AzureCloudReconciler adapter;

  @BeforeEach
  void start() {
    arm = ArmFixture.start(o -> o.withCredentialWriteLatency(Duration.ofMillis(20)));
    adapter = arm.adapter(arm.settings(), new SimpleMeterRegistry(), FAST, d -> {});
  }

  @AfterEach
  void stop() {
    arm.close();
  }

  @Test
  void theWindowAddsTheImmutableSubjectBesideTheOldOneAndItsEndRemovesOnlyTheOld() {
    CIFederatedIdentity identity = identity();
    assertThat(pass(identity).reason()).isEqualTo(CloudReason.Synced);
    assertThat(held()).containsExactly(Map.entry(FIRST, NAMES));

    // the user pins the IDs and declares the window (a new generation)
    migrate(identity);
    long writes = arm.fake.writes();
    CloudOutcome both = pass(identity);

    assertThat(both.reason()).as(both.message()).isEqualTo(CloudReason.Synced);
    assertThat(both.corrections()).as("a spec change, not drift").isEmpty();
    assertThat(arm.fake.writes() - writes)
        .as("one creation: the name-based credential is not rewritten, so never refused")
        .isEqualTo(1);
    assertThat(held()).containsOnly(Map.entry(FIRST, NAMES), Map.entry(SECOND, IDS));
    assertThat(admits(NAMES)).isTrue();
    assertThat(admits(IDS)).isTrue();
    assertThat(identity.getStatus().getSubjectMigrationPhase())
        .isEqualTo(SubjectMigrationPhase.BothSubjects);
    assertThat(identity.getStatus().getAzure().getCredentialName())
        .as("the credential of status.subject")
        .isEqualTo(SECOND);
    assertThat(identity.getStatus().getAzure().getMigrationCredentialName()).isEqualTo(FIRST);
    assertThat(both.message()).contains(IDS).contains(NAMES);
    assertThat(both.liveTrust())
        .hasValueSatisfying(t -> assertThat(((LiveTrust.Azure) t).credentials()).hasSize(2));

    writes = arm.fake.writes();
    assertThat(pass(identity).corrections()).isEmpty();
    assertThat(arm.fake.writes())
        .as("a steady pass in the window writes nothing")
        .isEqualTo(writes);

    clock.set(WINDOW_END.plusSeconds(1));
    CloudOutcome after = pass(identity);

    assertThat(after.reason()).as(after.message()).isEqualTo(CloudReason.Synced);
    assertThat(after.corrections()).as("the declared end of the window, not drift").isEmpty();
    assertThat(identity.getStatus().getAzure().getDriftCorrections()).isZero();
    assertThat(held())
        .as("the immutable credential stays where it is, untouched")
        .containsExactly(Map.entry(SECOND, IDS));
    assertThat(admits(NAMES)).isFalse();
    assertThat(admits(IDS)).isTrue();
    assertThat(identity.getStatus().getSubjectMigrationPhase())
        .isEqualTo(SubjectMigrationPhase.ImmutableOnly);
    assertThat(identity.getStatus().getAzure().getCredentialName()).isEqualTo(SECOND);
    assertThat(identity.getStatus().getAzure().getMigrationCredentialName()).isNull();

    writes = arm.fake.writes();
    identity.getSpec().setSubjectMigration(null);
    identity.getMetadata().setGeneration(3L);
    assertThat(pass(identity).reason()).isEqualTo(CloudReason.Synced);
    assertThat(arm.fake.writes())
        .as("dropping the finished migration from the spec moves nothing")
        .isEqualTo(writes);
  }

  @Test
  void handEditsOfEitherCredentialInTheWindowAreCorrectedAsDrift() {
    CIFederatedIdentity identity = identity();
    migrate(identity);
    pass(identity);
    assertThat(held()).containsOnly(Map.entry(FIRST, IDS), Map.entry(SECOND, NAMES));

    arm.state().deleteCredentialOutOfBand(SUBSCRIPTION, GROUP, IDENTITY, SECOND);
    arm.state()
        .putCredentialOutOfBand(
            SUBSCRIPTION,
            GROUP,
            IDENTITY,
            FIRST,
            GITHUB.url(),
            "repo:attacker/fork:ref:refs/heads/main",
            List.of(IssuerInfo.DEFAULT_AZURE_AUDIENCE));
    adapter.scanGroupsNow();
    CloudOutcome corrected = pass(identity);

    assertThat(corrected.reason()).isEqualTo(CloudReason.Synced);
    assertThat(corrected.corrections()).hasSize(2);
    assertThat(held()).containsOnly(Map.entry(FIRST, IDS), Map.entry(SECOND, NAMES));
    assertThat(identity.getStatus().getAzure().getDriftCorrections()).isEqualTo(2);
  }

  @Test
  void aForeignCredentialIsRemovedAndNeverCountedAmongTheOperatorsTwo() {
    CIFederatedIdentity identity = identity();
    migrate(identity);
    pass(identity);
    arm.state()
        .putCredentialOutOfBand(
            SUBSCRIPTION,
            GROUP,
            IDENTITY,
            FIRST + "-migration2",
            GITHUB.url(),
            "repo:my-org/my-app:pull_request",
            List.of(IssuerInfo.DEFAULT_AZURE_AUDIENCE));
    adapter.scanGroupsNow();

    CloudOutcome corrected = pass(identity);

    assertThat(corrected.corrections())
        .singleElement()
        .satisfies(c -> assertThat(c).contains("that the operator did not create"));
    assertThat(held()).containsOnly(Map.entry(FIRST, IDS), Map.entry(SECOND, NAMES));
  }

  @Test
  void observeInTheWindowReportsTheMissingCredentialAndWritesNothing() {
    CIFederatedIdentity identity = identity();
    pass(identity);
    migrate(identity);
    identity.getSpec().setManagementPolicy(ManagementPolicy.Observe);
    long writes = arm.fake.writes();

    CloudOutcome observed = pass(identity);

    assertThat(observed.reason()).isEqualTo(CloudReason.DriftDetected);
    assertThat(observed.message()).contains("no federated credential admits subject " + IDS);
    assertThat(arm.fake.writes()).isEqualTo(writes);
    assertThat(observed.liveTrust())
        .as("what Azure holds, for the lint and whoCanAssume")
        .hasValueSatisfying(t -> assertThat(((LiveTrust.Azure) t).credentials()).hasSize(1));
  }

  @Test
  void observeAfterTheWindowReportsTheOldCredentialAndKeepsIt() {
    CIFederatedIdentity identity = identity();
    migrate(identity);
    pass(identity);
    identity.getSpec().setManagementPolicy(ManagementPolicy.Observe);
    clock.set(WINDOW_END.plusSeconds(1));

    CloudOutcome observed = pass(identity);

    assertThat(observed.reason()).isEqualTo(CloudReason.DriftDetected);
    assertThat(observed.message())
        .contains("subject migration, whose window has ended")
        .contains("is no longer declared");
    assertThat(observed.findings())
        .extracting(f -> f.getRule())
        .as("the old subject is still trusted, and said so")
        .containsExactly("ForeignFederatedCredential");
    assertThat(held()).hasSize(2);
  }

  @Test
  void revocationWithdrawsBothCredentialsAndResumeRestoresBoth() {
    CIFederatedIdentity identity = identity();
    migrate(identity);
    pass(identity);

    CloudOutcome revoked =
        pass(identity, Optional.of(new Revocation(TrustActiveReason.Suspended, "spec.suspend")));

    assertThat(revoked.reason()).isEqualTo(CloudReason.Revoked);
    assertThat(revoked.message()).contains(FIRST).contains(SECOND);
    assertThat(held()).isEmpty();
    assertThat(admits(NAMES)).isFalse();
    assertThat(admits(IDS)).isFalse();

    assertThat(pass(identity).reason()).isEqualTo(CloudReason.Synced);
    assertThat(held()).containsOnly(Map.entry(FIRST, IDS), Map.entry(SECOND, NAMES));
  }

  @Test
  void anAdministratorsRevocationWithdrawsBothEvenUnderObserve() {
    CIFederatedIdentity identity = identity();
    migrate(identity);
    pass(identity);
    identity.getSpec().setManagementPolicy(ManagementPolicy.Observe);

    CloudOutcome revoked =
        pass(
            identity,
            Optional.of(new Revocation(TrustActiveReason.Revoked, "no longer compliant", true)));

    assertThat(revoked.reason()).isEqualTo(CloudReason.Revoked);
    assertThat(held()).isEmpty();
  }

  @Test
  void deletionRemovesBothCredentialsThenTheIdentity() {
    CIFederatedIdentity identity = identity();
    migrate(identity);
    pass(identity);

    CloudOutcome deleted = adapter.cleanup(request(identity, Optional.empty()));

    assertThat(deleted.done()).isTrue();
    assertThat(deleted.message()).contains("2 federated credential(s)");
    assertThat(arm.state().identities()).isEmpty();
    assertThat(
            arm.fake.requests().stream()
                .filter(r -> r.method().equals("DELETE") && r.path().contains(SECOND))
                .count())
        .as("the second credential is deleted by name, not left to the identity's deletion")
        .isEqualTo(1);
  }

  @Test
  void orphaningLeavesBothCredentials() {
    CIFederatedIdentity identity = identity();
    migrate(identity);
    pass(identity);
    identity.getSpec().setDeletionPolicy(DeletionPolicy.Orphan);

    assertThat(adapter.cleanup(request(identity, Optional.empty())).done()).isTrue();

    assertThat(held()).hasSize(2);
  }

  // --------------------------------------------------------------------------------- helpers

  private static CIFederatedIdentity identity() {
    return Serialization.unmarshal(
        """
        apiVersion: cifederation.dev/v1alpha1
        kind: CIFederatedIdentity
        metadata: {name: deploy, namespace: team-a, generation: 1, uid: 5b7c1d3e-0000-4000-8000-000000000009}
        spec:
          issuerRef: github
          repository: my-org/my-app
          subject: {environment: production}
          azure:
            subscriptionId: %s
            resourceGroup: %s
            location: eastus
        """
            .formatted(SUBSCRIPTION, GROUP),
        CIFederatedIdentity.class);
  }

  /** What a user writes to start the migration: the IDs and the window, a new generation. */
  private static void migrate(CIFederatedIdentity identity) {
    identity.getSpec().setRepositoryId("123456");
    identity.getSpec().setOwnerId("7890");
    SubjectMigration window = new SubjectMigration();
    window.setDropNamesAfter(WINDOW_END.toString());
    identity.getSpec().setSubjectMigration(window);
    identity.getMetadata().setGeneration(identity.getMetadata().getGeneration() + 1);
  }

  private CloudOutcome pass(CIFederatedIdentity identity) {
    return pass(identity, Optional.empty());
  }

  private CloudOutcome pass(CIFederatedIdentity identity, Optional<Revocation> revocation) {
    CloudRequest request = request(identity, revocation);
    CloudOutcome outcome = adapter.reconcile(request);
    // what the identity reconciler does with an outcome: status block, phase and AzureReady
    Passes.settle(identity, Cloud.Azure, outcome)
        .setSubjectMigrationPhase(request.trust().migrationPhase());
    return outcome;
  }

  private CloudRequest request(CIFederatedIdentity identity, Optional<Revocation> revocation) {
    try {
      CompiledTrust trust = compiler.compile(GITHUB, "team-a", "deploy", identity.getSpec());
      return new CloudRequest(
          identity,
          trust,
          revocation,
          identity.getSpec().getDeletionPolicy() == null
              ? DeletionPolicy.Delete
              : identity.getSpec().getDeletionPolicy(),
          Grants.NONE);
    } catch (TrustCompilationException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Credential name to subject, as Azure holds them now. */
  private Map<String, String> held() {
    Map<String, String> held = new java.util.LinkedHashMap<>();
    for (FederatedCredential c : arm.state().credentials(SUBSCRIPTION, GROUP, IDENTITY)) {
      held.put(c.name(), c.subject());
    }
    return held;
  }

  /** Whether Azure, as it holds the credentials now, admits a token with this subject. */
  private boolean admits(String subject) {
    LiveTrust.Azure now =
        new LiveTrust.Azure(
            "identity",
            arm.state().credentials(SUBSCRIPTION, GROUP, IDENTITY).stream()
                .map(
                    c ->
                        new LiveTrust.FederatedCredential(
                            c.name(), c.issuer(), c.subject(), c.audiences()))
                .toList());
    Claims token =
        Claims.of(
            Map.of("iss", GITHUB.url(), "sub", subject, "aud", IssuerInfo.DEFAULT_AZURE_AUDIENCE));
    return TrustEvaluator.evaluate(now, token).admitted();
  }

  /** A clock the test sets, to pass the window's end. */
  private static final class MovableClock extends Clock {
    private Instant now;

    MovableClock(Instant now) {
      this.now = now;
    }

    synchronized void set(Instant instant) {
      now = instant;
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
    public synchronized Instant instant() {
      return now;
    }
  }
}
