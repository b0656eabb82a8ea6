package dev.cifederation.operator.cloud.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.services.iam.v1.model.Oidc;
import com.google.api.services.iam.v1.model.Policy;
import com.google.api.services.iam.v1.model.WorkloadIdentityPool;
import com.google.api.services.iam.v1.model.WorkloadIdentityPoolProvider;
import dev.cifederation.operator.api.v1alpha1.Finding;
import dev.cifederation.operator.cloud.ScannedObject;
import dev.cifederation.operator.cloud.Sleeper;
import dev.cifederation.operator.cloud.TargetScan;
import dev.cifederation.operator.guard.TrustLint;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.trust.ExistingObject;
import dev.cifederation.operator.trust.LiveTrust;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code audit}'s GCP scan against the fake IAM: a pool, a provider and a binding made by hand
 * through the SDK (never by the operator), the guide's failure modes found, nothing written.
 */
class GcpProjectScannerIT {

  private static final String PARENT = "projects/" + GcpTestbed.PROJECT_ID + "/locations/global";
  private static final String POOL =
      "projects/" + GcpTestbed.PROJECT_NUMBER + "/locations/global/workloadIdentityPools/legacy";

  private GcpTestbed bed;

  @BeforeEach
  void seedLegacyObjects() {
    bed = new GcpTestbed();
    IamGateway byHand =
        new IamGateway(
            bed.settings(Duration.ofMinutes(10)),
            new CloudCalls(new SimpleMeterRegistry(), "seed"),
            Sleeper.REAL);
    byHand.createPool(PARENT, "legacy", new WorkloadIdentityPool().setDisplayName("legacy"));
    byHand.createProvider(
        POOL,
        "github-org",
        new WorkloadIdentityPoolProvider()
            .setAttributeMapping(
                Map.of(
                    "google.subject", "assertion.sub",
                    "attribute.repository_owner", "assertion.repository_owner"))
            // the owner only: every repository of my-org passes
            .setAttributeCondition("assertion.repository_owner == 'my-org'")
            .setOidc(new Oidc().setIssuerUri("https://token.actions.githubusercontent.com")));
    Policy policy = byHand.getIamPolicy(Placement.serviceAccountResource(GcpTestbed.SA));
    PolicyMembers.add(
        policy,
        PolicyMembers.WORKLOAD_IDENTITY_USER,
        "principalSet://iam.googleapis.com/" + POOL + "/*");
    policy.setVersion(PolicyMembers.POLICY_VERSION);
    byHand.setIamPolicy(Placement.serviceAccountResource(GcpTestbed.SA), policy);
    bed.fake.clearRequests();
  }

  @AfterEach
  void stop() {
    bed.close();
  }

  @Test
  void findsTheProviderWithoutRepositoryConditionAndThePoolWideBindingWritingNothing() {
    var scanner =
        new GcpProjectScanner(
            new IamGateway(bed.settings(Duration.ofMinutes(10)), bed.calls, Sleeper.REAL));

    TargetScan scan = scanner.scan(GcpTestbed.PROJECT_ID);

    assertThat(scan.failure()).isEmpty();
    assertThat(scan.objects()).hasSize(1);
    ScannedObject provider = scan.objects().get(0);
    assertThat(provider.id()).isEqualTo(POOL + "/providers/github-org");
    assertThat(provider.existing())
        .contains(
            new ExistingObject.GcpProvider(
                GcpTestbed.PROJECT_ID,
                GcpTestbed.PROJECT_NUMBER,
                "legacy",
                "github-org",
                GcpTestbed.SA));
    LiveTrust.Gcp trust = (LiveTrust.Gcp) provider.trust().orElseThrow();
    assertThat(trust.members()).containsExactly("principalSet://iam.googleapis.com/" + POOL + "/*");
    assertThat(
            TrustLint.lint(trust, "GCP", TrustLint.Limits.none()).stream()
                .map(Finding::getRule)
                .toList())
        .contains("WildcardSubject", "PoolWideBinding");
    assertThat(provider.notes())
        .contains(
            "binding on "
                + GcpTestbed.SA
                + ": roles/iam.workloadIdentityUser principalSet://iam.googleapis.com/"
                + POOL
                + "/*");

    // read-only: on the wire and by the gateway's own count
    assertThat(bed.fake.requests()).isNotEmpty();
    assertThat(bed.wireWrites()).isZero();
    assertThat(bed.writes()).isZero();
    assertThat(bed.fake.requests().stream().map(r -> r.method() + " " + r.path()).toList())
        .contains("GET projects/my-project/serviceAccounts");
  }

  @Test
  void aProjectWithoutPoolsHasNothingToReport() {
    bed.state().softDeletePool(POOL);
    var scanner =
        new GcpProjectScanner(
            new IamGateway(bed.settings(Duration.ofMinutes(10)), bed.calls, Sleeper.REAL));

    TargetScan scan = scanner.scan(GcpTestbed.PROJECT_ID);

    assertThat(scan.failure()).isEmpty();
    assertThat(scan.objects()).isEmpty();
    assertThat(bed.wireWrites()).isZero();
  }
}
