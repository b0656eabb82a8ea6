package dev.cifederation.operator.trust;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.ManagementPolicy;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code import}'s round trip, for every shape the compiler supports (the golden cases: every
 * dialect and selector, GitHub's templates and immutable IDs, patterns, pull requests, reusable
 * workflow pins, audience overrides), in every cloud it compiles to: the live trust x is what the
 * compiler wrote; compile(import(x)) must equal x as the cloud compares it, and admit exactly the
 * same tokens by "who can assume this". And the legacy shapes the compiler cannot express, each
 * with its reason.
 */
class TrustDecompilerTest {

  private static final String NAMESPACE = "team-a";

  /**
   * Shapes (a case, or a case in one cloud) whose trust no imported identity expresses exactly, and
   * a word of the reason given.
   */
  private static final Map<String, String> NOT_IMPORTED =
      Map.of(
          // a subject migration's window: two subjects in one trust, and a deadline no cloud holds
          "github-migration-both-subjects AWS", "2 subjects",
          "github-migration-both-subjects GCP", "attribute mapping",
          "github-migration-both-subjects Azure", "2 federated credentials",
          // templates without the repository: only GCP's condition names it
          "github-template-job-workflow-ref AWS", "no exact spec",
          "github-template-job-workflow-ref Azure", "no exact spec",
          "github-template-ids-context AWS", "no exact spec",
          "github-template-ids-context Azure", "no exact spec",
          // Jenkins names jobs by URL under the issuer's root; not read back
          "jenkins-multibranch", "no exact spec",
          "jenkins-folder-job", "no exact spec");

  private static String notImported(String label, String shape) {
    return NOT_IMPORTED.getOrDefault(label, NOT_IMPORTED.get(shape));
  }

  private final TrustCompiler compiler =
      new TrustCompiler(Clock.fixed(TrustGoldenTest.NOW, ZoneOffset.UTC));

  static Stream<Arguments> liveTrusts() throws TrustCompilationException {
    List<Arguments> all = new ArrayList<>();
    TrustCompiler compiler = new TrustCompiler(Clock.fixed(TrustGoldenTest.NOW, ZoneOffset.UTC));
    for (TrustGoldenTest.Case c : TrustGoldenTest.cases()) {
      CompiledTrust trust = compiler.compile(c.issuer(), "legacy", "made-by-hand", c.spec());
      if (trust.aws() != null) {
        all.add(
            Arguments.of(
                c.name() + " AWS",
                c.name(),
                trust.aws().asLive(),
                new ExistingObject.AwsRole(trust.aws().accountId(), trust.aws().roleName())));
      }
      if (trust.gcp() != null) {
        GcpTrust gcp = trust.gcp();
        all.add(
            Arguments.of(
                c.name() + " GCP",
                c.name(),
                gcp.asLive(),
                new ExistingObject.GcpProvider(
                    gcp.projectId(),
                    gcp.projectNumber(),
                    gcp.poolId(),
                    gcp.providerId(),
                    gcp.serviceAccount())));
      }
      if (trust.azure() != null) {
        AzureTrust azure = trust.azure();
        all.add(
            Arguments.of(
                c.name() + " Azure",
                c.name(),
                azure.asLive(),
                new ExistingObject.AzureIdentity(
                    azure.subscriptionId(),
                    azure.resourceGroup(),
                    azure.identityName(),
                    c.spec().getAzure().getLocation(),
                    List.of())));
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("liveTrusts")
  void compilingTheImportGivesTheSameTrust(
      String label, String shape, LiveTrust live, ExistingObject where) throws Exception {
    TrustDecompiler.Result result = TrustDecompiler.decompile(live, where, NAMESPACE);

    if (notImported(label, shape) != null) {
      assertThat(result.expressible()).as(label).isFalse();
      assertThat(result.reason()).contains(notImported(label, shape));
      return;
    }
    assertThat(result.imported()).as("%s: %s", label, result.reason()).isPresent();
    TrustDecompiler.Imported imported = result.imported().get();
    CIFederatedIdentitySpec spec = imported.identity();
    assertThat(spec.getManagementPolicy()).isEqualTo(ManagementPolicy.Observe);
    assertThat(spec.isAdoptExisting()).isTrue();
    assertThat(spec.getIssuerRef()).isEqualTo(imported.issuerName());

    CompiledTrust again =
        compiler.compile(IssuerInfo.from(imported.issuer()), NAMESPACE, imported.name(), spec);

    if (live instanceof LiveTrust.Aws aws) {
      // the same role, the same document as IAM compares it
      assertThat(again.aws().roleName()).isEqualTo(((ExistingObject.AwsRole) where).roleName());
      assertThat(
              PolicyEquivalence.equivalent(
                  again.aws().trustPolicy(), PolicyJson.MAPPER.readTree(aws.trustPolicyJson())))
          .as(label)
          .isTrue();
      assertThat(WhoCanAssume.describe(again.aws().asLive())).isEqualTo(WhoCanAssume.describe(aws));
    } else if (live instanceof LiveTrust.Gcp gcp) {
      GcpTrust back = again.gcp();
      var provider = (ExistingObject.GcpProvider) where;
      // the existing provider, not a second one under a name derived from the namespace
      assertThat(back.providerName()).as(label).isEqualTo(gcp.providerName());
      assertThat(back.poolId()).isEqualTo(provider.poolId());
      assertThat(back.serviceAccount()).isEqualTo(provider.serviceAccount());
      assertThat(back.issuerUri()).isEqualTo(gcp.issuerUri());
      assertThat(back.allowedAudiences()).isEqualTo(gcp.allowedAudiences());
      assertThat(back.attributeMapping()).isEqualTo(gcp.attributeMapping());
      assertThat(back.attributeCondition()).isEqualTo(gcp.attributeCondition());
      assertThat(List.of(back.principal())).isEqualTo(gcp.members());
    } else if (live instanceof LiveTrust.Azure azure) {
      var identity = (ExistingObject.AzureIdentity) where;
      assertThat(again.azure().identityName()).isEqualTo(identity.identityName());
      assertThat(again.azure().resourceGroup()).isEqualTo(identity.resourceGroup());
      assertThat(
              again.azure().credentials().stream()
                  .map(c -> List.of(c.issuer(), c.subject(), c.audiences().toString()))
                  .toList())
          .isEqualTo(
              azure.credentials().stream()
                  .map(c -> List.of(c.issuer(), c.subject(), c.audiences().toString()))
                  .toList());
      assertThat(WhoCanAssume.describe(again.azure().asLive()))
          .isEqualTo(WhoCanAssume.describe(azure));
    }
  }

  @Test
  void everyExpressibleShapeIsCovered() throws Exception {
    // the table above names only shapes that exist
    Set<String> shapes =
        Set.copyOf(TrustGoldenTest.cases().stream().map(TrustGoldenTest.Case::name).toList());
    assertThat(NOT_IMPORTED.keySet())
        .allSatisfy(key -> assertThat(shapes).contains(key.replaceFirst(" (AWS|GCP|Azure)$", "")));
  }

  // ------------------------------------------------------------------------- legacy shapes

  private static final String KEY = "token.actions.githubusercontent.com";
  private static final ExistingObject.AwsRole ROLE =
      new ExistingObject.AwsRole("123456789012", "legacy");

  private static LiveTrust.Aws role(String condition) {
    return new LiveTrust.Aws(
        "arn:aws:iam::123456789012:role/legacy",
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
            + "{\"Federated\":\"arn:aws:iam::123456789012:oidc-provider/"
            + KEY
            + "\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":"
            + condition
            + "}]}");
  }

  private static String reason(LiveTrust live, ExistingObject where) {
    TrustDecompiler.Result result = TrustDecompiler.decompile(live, where, NAMESPACE);
    assertThat(result.imported()).isEmpty();
    return result.reason();
  }

  @Test
  void aWildcardAcrossRepositoriesIsNotImported() {
    assertThat(
            reason(
                role(
                    "{\"StringEquals\":{\""
                        + KEY
                        + ":aud\":\"sts.amazonaws.com\"},\"StringLike\":{\""
                        + KEY
                        + ":sub\":\"repo:my-org/*\"}}"),
                ROLE))
        .contains("repo:my-org/*")
        .contains("no exact spec");
  }

  @Test
  void aTrustWithoutAudienceIsNotImported() {
    assertThat(
            reason(
                role(
                    "{\"StringEquals\":{\""
                        + KEY
                        + ":sub\":\"repo:my-org/my-app:ref:refs/heads/main\"}}"),
                ROLE))
        .contains(":aud");
  }

  @Test
  void aTrustWithoutSubjectIsNotImported() {
    assertThat(reason(role("{\"StringEquals\":{\"" + KEY + ":aud\":\"sts.amazonaws.com\"}}"), ROLE))
        .contains(":sub");
  }

  @Test
  void aTrustOfSeveralSubjectsIsNotImported() {
    assertThat(
            reason(
                role(
                    "{\"StringEquals\":{\""
                        + KEY
                        + ":aud\":\"sts.amazonaws.com\",\""
                        + KEY
                        + ":sub\":[\"repo:my-org/a:environment:prod\","
                        + "\"repo:my-org/b:environment:prod\"]}}"),
                ROLE))
        .contains("2 subjects");
  }

  @Test
  void aPullRequestTrustIsImportedAsItIs() {
    TrustDecompiler.Result result =
        TrustDecompiler.decompile(
            role(
                "{\"StringEquals\":{\""
                    + KEY
                    + ":aud\":\"sts.amazonaws.com\",\""
                    + KEY
                    + ":sub\":\"repo:my-org/my-app:pull_request\"}}"),
            ROLE,
            NAMESPACE);

    // expressible (and the lint flags it on the imported identity as on the role)
    assertThat(result.imported()).isPresent();
    assertThat(result.imported().get().identity().getSubject().getPullRequest()).isTrue();
    assertThat(result.imported().get().identity().getAws().getRoleName()).isEqualTo("legacy");
  }

  @Test
  void aGcpProviderPinningOnlyTheOwnerIsNotImported() {
    String pool = "projects/123456789012/locations/global/workloadIdentityPools/legacy";
    LiveTrust.Gcp live =
        new LiveTrust.Gcp(
            pool + "/providers/github",
            "https://" + KEY,
            List.of(),
            Map.of("google.subject", "assertion.sub"),
            "assertion.repository_owner == 'my-org'",
            List.of(
                "principal://iam.googleapis.com/"
                    + pool
                    + "/subject/repo:my-org/my-app:environment:production"));

    assertThat(
            reason(
                live,
                new ExistingObject.GcpProvider(
                    "my-project",
                    "123456789012",
                    "legacy",
                    "github",
                    "ci@my-project.iam.gserviceaccount.com")))
        .contains("attribute mapping");
  }

  @Test
  void aPoolWideGcpBindingIsNotImported() {
    String pool = "projects/123456789012/locations/global/workloadIdentityPools/legacy";
    LiveTrust.Gcp live =
        new LiveTrust.Gcp(
            pool + "/providers/github",
            "https://" + KEY,
            List.of(),
            Map.of("google.subject", "assertion.sub"),
            "assertion.repository == 'my-org/my-app'",
            List.of("principalSet://iam.googleapis.com/" + pool + "/*"));

    assertThat(
            reason(
                live,
                new ExistingObject.GcpProvider(
                    "my-project",
                    "123456789012",
                    "legacy",
                    "github",
                    "ci@my-project.iam.gserviceaccount.com")))
        .contains("set of principals");
  }

  @Test
  void anAzureIdentityWithTwoBranchesIsNotImported() {
    String id =
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
            + "Microsoft.ManagedIdentity/userAssignedIdentities/legacy";
    LiveTrust.Azure live =
        new LiveTrust.Azure(
            id,
            List.of(
                new LiveTrust.FederatedCredential(
                    "main",
                    "https://" + KEY,
                    "repo:my-org/my-app:ref:refs/heads/main",
                    List.of("api://AzureADTokenExchange")),
                new LiveTrust.FederatedCredential(
                    "feature",
                    "https://" + KEY,
                    "repo:my-org/my-app:ref:refs/heads/feature/login",
                    List.of("api://AzureADTokenExchange"))));

    assertThat(
            reason(
                live,
                new ExistingObject.AzureIdentity(
                    "00000000-0000-0000-0000-000000000000", "rg", "legacy", "eastus", List.of())))
        .contains("2 federated credentials");
  }

  @Test
  void anAzureFeatureBranchCredentialIsImportedAsItIs() {
    String id =
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
            + "Microsoft.ManagedIdentity/userAssignedIdentities/legacy";
    LiveTrust.Azure live =
        new LiveTrust.Azure(
            id,
            List.of(
                new LiveTrust.FederatedCredential(
                    "feature",
                    "https://" + KEY,
                    "repo:my-org/my-app:ref:refs/heads/feature/login",
                    List.of("api://AzureADTokenExchange"))));

    TrustDecompiler.Result result =
        TrustDecompiler.decompile(
            live,
            new ExistingObject.AzureIdentity(
                "00000000-0000-0000-0000-000000000000",
                "rg",
                "legacy",
                "eastus",
                List.of(new ExistingObject.RoleAssignment("Contributor", "/subscriptions/x"))),
            NAMESPACE);

    assertThat(result.imported()).isPresent();
    CIFederatedIdentitySpec spec = result.imported().get().identity();
    assertThat(spec.getSubject().getBranch()).isEqualTo("feature/login");
    assertThat(spec.getAzure().getIdentityName()).isEqualTo("legacy");
    assertThat(spec.getAzure().getRoleAssignments()).hasSize(1);
  }

  @Test
  void namesAreKubernetesNames() {
    assertThat(TrustDecompiler.kubernetesName("GitHub_Deploy+Prod"))
        .isEqualTo("github-deploy-prod");
    assertThat(TrustDecompiler.issuerName("https://oidc.circleci.com/org/ABC"))
        .isEqualTo("oidc.circleci.com.org.abc");
    assertThat(TrustDecompiler.duration(java.time.Duration.ofMinutes(90))).isEqualTo("90m");
  }
}
