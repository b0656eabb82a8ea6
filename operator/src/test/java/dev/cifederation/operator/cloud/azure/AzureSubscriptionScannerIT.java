package dev.cifederation.operator.cloud.azure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.Finding;
import dev.cifederation.operator.cloud.ScannedObject;
import dev.cifederation.operator.cloud.TargetScan;
import dev.cifederation.operator.cloud.azure.ArmClient.LiveIdentity;
import dev.cifederation.operator.cloud.azure.CredentialPlan.Credential;
import dev.cifederation.operator.guard.TrustLint;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.trust.ExistingObject;
import dev.cifederation.operator.trust.LiveTrust;
import dev.cifederation.operator.trust.WhoCanAssume;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code audit}'s Azure scan against the fake ARM: a managed identity and its federated credential
 * for a feature branch made by hand through the SDK (never by the operator), found with its role
 * assignment, nothing written.
 */
class AzureSubscriptionScannerIT {

  private static final String ISSUER = "https://token.actions.githubusercontent.com";
  private static final String OWNER_GUID = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";

  private ArmFixture arm;
  private LiveIdentity legacy;

  @BeforeEach
  void seedLegacyObjects() {
    arm = ArmFixture.start(o -> o.withPrincipalReplicationDelay(Duration.ZERO));
    ArmClient byHand = client(new SimpleMeterRegistry());
    legacy =
        byHand.createIdentity(
            ArmFixture.SUBSCRIPTION, ArmFixture.GROUP, "legacy-deployer", "eastus", Map.of());
    byHand.putCredential(
        ArmFixture.SUBSCRIPTION,
        ArmFixture.GROUP,
        "legacy-deployer",
        new Credential(
            "feature",
            ISSUER,
            "repo:my-org/my-app:ref:refs/heads/feature/login",
            List.of("api://AzureADTokenExchange")));
    byHand.createAssignment(
        ArmFixture.GROUP_SCOPE,
        UUID.randomUUID().toString(),
        AssignmentPlan.definitionId(ArmFixture.GROUP_SCOPE, OWNER_GUID),
        legacy.principalId(),
        "made by hand");
    // an identity without federated credentials is no CI identity: not reported
    byHand.createIdentity(
        ArmFixture.SUBSCRIPTION, ArmFixture.GROUP, "app-runtime", "eastus", Map.of());
    arm.fake.clearRequests();
  }

  private ArmClient client(SimpleMeterRegistry registry) {
    AzureSettings settings = arm.settings();
    return new ArmClient(
        ArmPipeline.build(settings),
        ArmPipeline.environment(settings),
        settings.tenantId().orElse(null),
        new ArmRetry(
            new CloudCalls(registry, "Azure"),
            new ArmRetry.Policy(2, Duration.ofMillis(50), Duration.ofSeconds(1)),
            d -> Thread.sleep(d.toMillis())));
  }

  @AfterEach
  void stop() {
    arm.close();
  }

  @Test
  void findsTheFeatureBranchCredentialAndTheOwnerAssignmentInTheSubscription() {
    assertScanFinds(Optional.empty());
  }

  @Test
  void scansOneResourceGroupAlone() {
    assertScanFinds(Optional.of(ArmFixture.GROUP));
  }

  private void assertScanFinds(Optional<String> group) {
    TargetScan scan =
        new AzureSubscriptionScanner(client(new SimpleMeterRegistry()))
            .scan(ArmFixture.SUBSCRIPTION, group);

    assertThat(scan.failure()).isEmpty();
    assertThat(scan.objects()).hasSize(1);
    ScannedObject identity = scan.objects().get(0);
    assertThat(identity.id()).isEqualToIgnoringCase(legacy.id());
    LiveTrust.Azure trust = (LiveTrust.Azure) identity.trust().orElseThrow();
    assertThat(trust.credentials())
        .extracting(LiveTrust.FederatedCredential::subject)
        .containsExactly("repo:my-org/my-app:ref:refs/heads/feature/login");
    assertThat(identity.existing().orElseThrow())
        .isInstanceOfSatisfying(
            ExistingObject.AzureIdentity.class,
            i -> {
              assertThat(i.identityName()).isEqualTo("legacy-deployer");
              assertThat(i.location()).isEqualTo("eastus");
              assertThat(i.roleAssignments())
                  .extracting(ExistingObject.RoleAssignment::role)
                  .containsExactly("Owner");
            });
    // a feature branch: whoever can push one can deploy
    assertThat(TrustLint.lint(trust, "Azure", TrustLint.Limits.none()))
        .extracting(Finding::getRule)
        .containsExactly("FeatureBranchSubject");
    assertThat(WhoCanAssume.describe(trust)).contains("branch feature/login");

    assertThat(arm.fake.requests()).isNotEmpty();
    assertThat(arm.fake.requests()).noneMatch(r -> r.isWrite());
  }
}
