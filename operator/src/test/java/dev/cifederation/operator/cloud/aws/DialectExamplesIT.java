package dev.cifederation.operator.cloud.aws;

import static dev.cifederation.operator.testsupport.Conditions.hasReason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.api.v1alpha1.SubjectMigration;
import dev.cifederation.operator.api.v1alpha1.SubjectMigrationPhase;
import dev.cifederation.operator.cloud.azure.AzureLocal;
import dev.cifederation.operator.cloud.gcp.GcpLocal;
import dev.cifederation.operator.reconcile.EventRecorder;
import dev.cifederation.operator.reconcile.IdentityReconciler;
import dev.cifederation.operator.testsupport.Fixtures;
import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import dev.cifederation.operator.testsupport.OperatorInTheLoop;
import dev.cifederation.operator.testsupport.Repository;
import dev.cifederation.operator.trust.Admission;
import dev.cifederation.operator.trust.Claims;
import dev.cifederation.operator.trust.CloudNames;
import dev.cifederation.operator.trust.LiveTrust;
import dev.cifederation.operator.trust.TrustCompiler;
import dev.cifederation.operator.trust.TrustEvaluator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.junit.LocallyRunOperatorExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.Role;

/**
 * The CircleCI, Buildkite and HCP Terraform examples applied as users apply them, with the operator
 * in the loop against a real kube-apiserver and moto: each converges to a role whose trust policy
 * is exactly the compiled one, and that policy admits the example token of its CI system and
 * refuses its neighbours. Then a GitHub migration to immutable subjects on all three clouds (GCP
 * and Azure on their fakes): both subjects during the window (Azure: two federated credentials),
 * only the immutable one after it, with the phase in status.
 */
class DialectExamplesIT {

  private static final Duration RESYNC = Duration.ofSeconds(4);

  private static final KubeApiServerSupport API = KubeApiServerSupport.shared();
  private static final KubernetesClient CLIENT = API.newClient();
  private static final MotoServer MOTO = MotoServer.start();
  private static final IamClient ADMIN =
      AwsTestSupport.iamClient(MOTO.endpoint(), AwsCloudIT.TEST_CREDENTIALS);
  private static final GcpLocal GCP = new GcpLocal();
  private static final AzureLocal AZURE = new AzureLocal();
  private static final AwsCloud AWS =
      new AwsCloud(
          AwsTestSupport.operatorSettings(MOTO.endpoint()),
          AwsCloudIT.TEST_CREDENTIALS,
          ThumbprintSource.notRequired(),
          "/cifederation/",
          "it-dialects",
          AwsTestSupport.quickRetries(RESYNC),
          new SimpleMeterRegistry(),
          Clock.systemUTC());

  private static final OperatorInTheLoop LOOP = new OperatorInTheLoop(CLIENT);

  @RegisterExtension
  static final LocallyRunOperatorExtension OPERATOR =
      LOOP.extension(
          new IdentityReconciler(
              new TrustCompiler(),
              List.of(
                  AWS,
                  GCP.adapter(RESYNC),
                  AZURE.adapter("it-dialects", new SimpleMeterRegistry())),
              new EventRecorder(CLIENT, Clock.systemUTC()),
              Clock.systemUTC()),
          RESYNC);

  @BeforeAll
  static void issuers() {
    for (String file :
        List.of(
            "issuer-circleci.yaml",
            "issuer-buildkite.yaml",
            "issuer-hcp-terraform.yaml",
            "issuer-github.yaml")) {
      Fixtures.examples(file, CIIssuer.class).forEach(LOOP::apply);
    }
  }

  @AfterAll
  static void stopFakes() {
    GCP.close();
    AZURE.close();
  }

  @Test
  void circleCiBuildkiteAndHcpTerraformExamplesConvergeToTheCompiledTrust() {
    List<CIFederatedIdentity> examples = new ArrayList<>();
    for (String file :
        List.of("circleci-aws.yaml", "buildkite-aws.yaml", "hcp-terraform-aws.yaml")) {
      for (CIFederatedIdentity example : Fixtures.examples(file, CIFederatedIdentity.class)) {
        LOOP.create(example);
        examples.add(example);
      }
    }

    for (CIFederatedIdentity example : examples) {
      String name = example.getMetadata().getName();
      CIFederatedIdentity synced = LOOP.awaitStatus(name, i -> hasReason(i, "AWSReady", "Synced"));
      Role role = role(name);
      assertThat(
              PolicyDocuments.equivalent(
                  PolicyDocuments.parse(role.assumeRolePolicyDocument()),
                  LOOP.compile(synced).aws().trustPolicy()))
          .as(name + ": the live trust policy is the compiled one")
          .isTrue();
      assertThat(hasReason(synced, "Ready", "Ready")).as(name + " Ready").isTrue();
    }
    assertThat(
            ADMIN.listOpenIDConnectProviders().openIDConnectProviderList().stream()
                .map(p -> p.arn())
                .toList())
        .contains(
            "arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/d3a1f25e-0f55-4a0d-9e47-3f0f2b8e2a11",
            "arn:aws:iam::123456789012:oidc-provider/agent.buildkite.com",
            "arn:aws:iam::123456789012:oidc-provider/app.terraform.io");

    // the live roles judged against each CI system's documented token
    assertThat(admits("web-deploy-circleci", claims("circleci-job.json"))).isTrue();
    assertThat(admits("deploy-app-main-buildkite", claims("buildkite-main.json"))).isTrue();
    assertThat(
            admits(
                "deploy-app-main-buildkite",
                with(
                    claims("buildkite-main.json"),
                    "sub",
                    "organization:acme-inc:pipeline:deploy-app:ref:refs/heads/feature:commit:abc:step:deploy")))
        .as("another branch of the pipeline")
        .isFalse();
    assertThat(admits("prod-vpc-plan", claims("hcp-terraform-plan.json"))).isTrue();
    assertThat(admits("prod-vpc-apply", claims("hcp-terraform-plan.json")))
        .as("a plan-phase token cannot assume the apply role")
        .isFalse();
  }

  @Test
  void migrationAdmitsBothSubjectsUntilTheWindowEndsThenOnlyTheImmutableOne() {
    CIFederatedIdentity identity =
        Fixtures.examples("github-immutable-migration.yaml", CIFederatedIdentity.class).get(0);
    identity.getMetadata().setNamespace(LOOP.namespace());
    SubjectMigration window = new SubjectMigration();
    // long enough for all three clouds to converge inside it
    Instant end = Instant.now().plusSeconds(40).truncatedTo(ChronoUnit.SECONDS);
    window.setDropNamesAfter(end.toString());
    identity.getSpec().setSubjectMigration(window);
    LOOP.create(identity);
    String name = identity.getMetadata().getName();
    String names = "repo:my-org/my-app:environment:production";
    String immutable = "repo:my-org@987654/my-app@123456789:environment:production";

    CIFederatedIdentity both =
        LOOP.awaitStatus(
            name,
            i ->
                hasReason(i, "AWSReady", "Synced")
                    && hasReason(i, "GCPReady", "Synced")
                    && hasReason(i, "AzureReady", "Synced")
                    && i.getStatus().getSubjectMigrationPhase()
                        == SubjectMigrationPhase.BothSubjects);
    assertThat(Instant.now()).as("converged inside the window").isBefore(end);
    assertThat(both.getStatus().getSubject()).isEqualTo(immutable);
    for (String sub : List.of(names, immutable)) {
      assertThat(admits(name, token(sub))).as("AWS admits %s in the window", sub).isTrue();
      assertThat(admitsOnGcp(both, sub)).as("GCP admits %s in the window", sub).isTrue();
      assertThat(admitsOnAzure(sub)).as("Azure admits %s in the window", sub).isTrue();
    }
    assertThat(AZURE.liveTrust(azureIdentity()).credentials())
        .as("Azure: one federated credential per subject")
        .extracting(LiveTrust.FederatedCredential::subject)
        .containsExactlyInAnyOrder(names, immutable);
    assertThat(both.getStatus().getAzure().getMigrationCredentialName()).isNotBlank();

    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> LOOP.get(name),
            i ->
                i.getStatus().getSubjectMigrationPhase() == SubjectMigrationPhase.ImmutableOnly
                    && hasReason(i, "AWSReady", "Synced")
                    && hasReason(i, "GCPReady", "Synced")
                    && hasReason(i, "AzureReady", "Synced")
                    && !admits(name, token(names))
                    && !admitsOnGcp(i, names)
                    && !admitsOnAzure(names));
    assertThat(Instant.now()).isAfter(end);
    CIFederatedIdentity after = LOOP.get(name);
    assertThat(admits(name, token(immutable))).as("AWS, after").isTrue();
    assertThat(admitsOnGcp(after, immutable)).as("GCP, after").isTrue();
    assertThat(admitsOnAzure(immutable)).as("Azure, after").isTrue();
    assertThat(AZURE.liveTrust(azureIdentity()).credentials())
        .as("Azure: the old credential is deleted")
        .singleElement()
        .satisfies(c -> assertThat(c.subject()).isEqualTo(immutable));
    assertThat(after.getStatus().getAzure().getMigrationCredentialName()).isNull();
    assertThat(after.getStatus().getAzure().getDriftCorrections())
        .as("the window's end is not drift")
        .isZero();
  }

  private static boolean admitsOnGcp(CIFederatedIdentity identity, String sub) {
    var gcp = identity.getStatus().getGcp();
    Claims claims =
        Claims.of(
            Map.of(
                "iss", "https://token.actions.githubusercontent.com",
                "aud", gcp.getAudience(),
                "sub", sub,
                "repository", "my-org/my-app",
                "repository_id", "123456789",
                "repository_owner_id", "987654"));
    return TrustEvaluator.evaluate(GCP.liveTrust(gcp.getProviderName()), claims).admitted();
  }

  private static boolean admitsOnAzure(String sub) {
    Claims claims =
        Claims.of(
            Map.of(
                "iss", "https://token.actions.githubusercontent.com",
                "aud", "api://AzureADTokenExchange",
                "sub", sub));
    return TrustEvaluator.evaluate(AZURE.liveTrust(azureIdentity()), claims).admitted();
  }

  private static String azureIdentity() {
    return CloudNames.azureIdentityName(LOOP.namespace(), "my-app-production-migration");
  }

  // -------------------------------------------------------------------------------- helpers

  private static boolean admits(String name, Claims claims) {
    Role role = role(name);
    Admission admission =
        TrustEvaluator.evaluate(
            new LiveTrust.Aws(
                role.arn(), PolicyDocuments.parse(role.assumeRolePolicyDocument()).toString()),
            claims);
    return admission.admitted();
  }

  private static Role role(String name) {
    CIFederatedIdentity identity = LOOP.get(name);
    String roleName =
        identity.getSpec().getAws().getRoleName() != null
            ? identity.getSpec().getAws().getRoleName()
            : CloudNames.awsRoleName(LOOP.namespace(), name);
    return ADMIN.getRole(r -> r.roleName(roleName)).role();
  }

  private static Claims token(String sub) {
    return Claims.of(
        Map.of(
            "iss", "https://token.actions.githubusercontent.com",
            "aud", "sts.amazonaws.com",
            "sub", sub,
            "repository", "my-org/my-app"));
  }

  private static Claims claims(String file) {
    return Claims.parse(Repository.readExample("claims/" + file));
  }

  private static Claims with(Claims claims, String name, Object value) {
    Map<String, Object> changed = new java.util.LinkedHashMap<>(claims.asMap());
    changed.put(name, value);
    return Claims.of(changed);
  }
}
