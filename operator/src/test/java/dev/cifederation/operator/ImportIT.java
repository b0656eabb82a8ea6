package dev.cifederation.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cifederation.operator.api.v1alpha1.AzureIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.GcpIdentitySpec;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.ScannedObject;
import dev.cifederation.operator.cloud.TargetScan;
import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import dev.cifederation.operator.testsupport.Specs;
import dev.cifederation.operator.trust.CompiledTrust;
import dev.cifederation.operator.trust.ExistingObject;
import dev.cifederation.operator.trust.TrustCompiler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code import} end to end: trusts found in three clouds (as the scanners report them) become
 * manifests that the real API server admits under the CRDs' schema and CEL rules, each identity
 * observed and adopted; the legacy trusts are listed at the top with their reasons.
 */
class ImportIT {

  @TempDir Path dir;

  /** What the scanners of a fleet report: well-formed trusts of each cloud, and legacy ones. */
  private static CompiledTrust production() throws Exception {
    return new TrustCompiler()
        .compile(
            Specs.gitHub(),
            "legacy",
            "made-by-hand",
            Specs.withAllClouds(Specs.spec(s -> s.setEnvironment("production"))));
  }

  private static AuditCommandTest.Canned fleet() throws Exception {
    CompiledTrust production =
        new TrustCompiler()
            .compile(
                Specs.gitHub(),
                "legacy",
                "made-by-hand",
                Specs.withAllClouds(Specs.spec(s -> s.setEnvironment("production"))));
    CompiledTrust release =
        new TrustCompiler()
            .compile(
                Specs.gitLab(),
                "legacy",
                "release",
                Specs.withAws(Specs.spec("my-group/my-app", s -> s.setTag("v*"))));
    List<ScannedObject> aws = new ArrayList<>();
    aws.add(
        new ScannedObject(
            Cloud.AWS,
            "role",
            "arn:aws:iam::123456789012:role/" + production.aws().roleName(),
            Optional.of(production.aws().asLive()),
            Optional.of(
                new ExistingObject.AwsRole(
                    production.aws().accountId(), production.aws().roleName())),
            List.of()));
    aws.add(
        new ScannedObject(
            Cloud.AWS,
            "role",
            "arn:aws:iam::123456789012:role/gitlab-release",
            Optional.of(release.aws().asLive()),
            Optional.of(new ExistingObject.AwsRole(release.aws().accountId(), "gitlab-release")),
            List.of()));
    aws.add(AuditCommandTest.orgWide());
    GcpIdentitySpec gcp = Specs.gcp();
    ScannedObject provider =
        new ScannedObject(
            Cloud.GCP,
            "provider",
            production.gcp().providerName(),
            Optional.of(production.gcp().asLive()),
            Optional.of(
                new ExistingObject.GcpProvider(
                    gcp.getProjectId(),
                    production.gcp().projectNumber(),
                    production.gcp().poolId(),
                    production.gcp().providerId(),
                    production.gcp().serviceAccount())),
            List.of());
    AzureIdentitySpec azure = Specs.azure();
    ScannedObject identity =
        new ScannedObject(
            Cloud.Azure,
            "identity",
            production.azure().identityId(),
            Optional.of(production.azure().asLive()),
            Optional.of(
                new ExistingObject.AzureIdentity(
                    azure.getSubscriptionId(),
                    azure.getResourceGroup(),
                    production.azure().identityName(),
                    azure.getLocation(),
                    List.of(
                        new ExistingObject.RoleAssignment(
                            "Contributor",
                            "/subscriptions/"
                                + azure.getSubscriptionId()
                                + "/resourceGroups/rg")))),
            List.of());
    return new AuditCommandTest.Canned(
        Map.of(
            "aws:123456789012",
            new TargetScan("aws:123456789012", aws, Optional.empty()),
            "gcp:" + gcp.getProjectId(),
            new TargetScan("gcp:" + gcp.getProjectId(), List.of(provider), Optional.empty()),
            "azure:" + azure.getSubscriptionId(),
            new TargetScan(
                "azure:" + azure.getSubscriptionId(), List.of(identity), Optional.empty())));
  }

  @Test
  void importedManifestsAreAdmittedAndTheRestIsListedWithItsReason() throws Exception {
    KubeApiServerSupport kube = KubeApiServerSupport.shared();
    String namespace = kube.createNamespace("import");

    AuditCommandTest.Run run =
        AuditCommandTest.run(
            fleet(),
            "import",
            "--namespace",
            namespace,
            "--aws-account",
            "123456789012",
            "--gcp-project",
            Specs.gcp().getProjectId(),
            "--azure-subscription",
            Specs.azure().getSubscriptionId());

    assertThat(run.code()).as(run.err()).isZero();
    String yaml = run.out();
    CompiledTrust production = production();
    // the remediation plan first
    assertThat(yaml)
        .startsWith("# cifederation-operator import: 4 identities imported")
        .contains(
            "#   arn:aws:iam::123456789012:role/legacy-org-wide: the subject 'repo:my-org/*'");
    List<JsonNode> documents = new ArrayList<>();
    var values = new YAMLMapper().readerFor(JsonNode.class).readValues(yaml);
    while (values.hasNext()) {
      JsonNode doc = (JsonNode) values.next();
      if (doc != null && doc.isObject()) {
        documents.add(doc);
      }
    }
    List<JsonNode> identities =
        documents.stream()
            .filter(d -> d.path("kind").asText().equals("CIFederatedIdentity"))
            .toList();
    assertThat(identities).hasSize(4);
    assertThat(identities)
        .allSatisfy(
            d -> {
              assertThat(d.path("spec").path("managementPolicy").asText()).isEqualTo("Observe");
              assertThat(d.path("spec").path("adoptExisting").asBoolean()).isTrue();
            });
    assertThat(identities)
        .anySatisfy(
            d ->
                assertThat(d.path("spec").path("aws").path("roleName").asText())
                    .isEqualTo("gitlab-release"));
    assertThat(documents.stream().filter(d -> d.path("kind").asText().equals("CIIssuer")).count())
        .isEqualTo(2);
    // the existing GCP provider is addressed, not a second one created beside it
    assertThat(identities)
        .anySatisfy(
            d ->
                assertThat(d.path("spec").path("gcp").path("providerId").asText())
                    .isEqualTo(production.gcp().providerId()));
    // the grant adoption needs is the platform team's: printed as comments only, never a document
    assertThat(documents)
        .noneSatisfy(d -> assertThat(d.path("kind").asText()).isEqualTo("CIFederationPolicy"));
    JsonNode policy =
        new YAMLMapper()
            .readTree(
                yaml.substring(yaml.indexOf("# apiVersion: cifederation.dev"))
                    .lines()
                    .map(line -> line.substring(2))
                    .collect(java.util.stream.Collectors.joining("\n")));
    assertThat(policy.path("kind").asText()).isEqualTo("CIFederationPolicy");
    assertThat(policy.at("/spec/aws/adoptableRoles").toString())
        .contains("arn:aws:iam::123456789012:role/gitlab-release")
        .doesNotContain("legacy-org-wide");
    assertThat(policy.at("/spec/gcp/adoptableProviders").get(0).asText())
        .isEqualTo(production.gcp().providerName());
    assertThat(policy.at("/spec/azure/adoptableIdentities").get(0).asText())
        .isEqualTo(production.azure().identityId());
    assertThat(
            policy.at("/spec/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText())
        .isEqualTo(namespace);
    Path policyFile = dir.resolve("policy.yaml");
    Files.writeString(policyFile, new YAMLMapper().writeValueAsString(policy));
    KubeApiServerSupport.KubectlResult admitted =
        kube.kubectl("apply", "-f", policyFile.toString());
    assertThat(admitted.exitCode()).as(admitted.output()).isZero();

    Path file = dir.resolve("imported.yaml");
    Files.writeString(file, yaml);
    KubeApiServerSupport.KubectlResult applied = kube.kubectl("apply", "-f", file.toString());
    assertThat(applied.exitCode()).as(applied.output()).isZero();
    KubeApiServerSupport.KubectlResult listed =
        kube.kubectl("get", "cifederatedidentities", "-n", namespace, "-o", "name");
    assertThat(listed.output().lines().count()).isEqualTo(4);
  }

  @Test
  void withoutATargetNothingIsImported() {
    AuditCommandTest.Run run =
        AuditCommandTest.run(new AuditCommandTest.Canned(Map.of()), "import");

    assertThat(run.code()).isEqualTo(AuditCommand.BAD_INPUT);
  }
}
