package dev.cifederation.operator.trust;

import static dev.cifederation.operator.testsupport.Specs.NAME;
import static dev.cifederation.operator.testsupport.Specs.NAMESPACE;
import static dev.cifederation.operator.testsupport.Specs.gitHub;
import static dev.cifederation.operator.testsupport.Specs.spec;
import static dev.cifederation.operator.testsupport.Specs.withAllClouds;
import static dev.cifederation.operator.testsupport.Specs.withAws;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.CIIssuerSpec;
import dev.cifederation.operator.api.v1alpha1.IssuerAudiences;
import dev.cifederation.operator.api.v1alpha1.IssuerDialect;
import dev.cifederation.operator.testsupport.Specs;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TrustCompilerTest {

  private final TrustCompiler compiler = new TrustCompiler();

  @Test
  void issuerDefaultsAudiencesPerCloud() {
    CIIssuerSpec spec = new CIIssuerSpec();
    spec.setUrl("https://token.actions.githubusercontent.com");
    spec.setDialect(IssuerDialect.GitHub);

    assertThat(IssuerInfo.from(spec))
        .isEqualTo(
            new IssuerInfo(
                "https://token.actions.githubusercontent.com",
                IssuerDialect.GitHub,
                "sts.amazonaws.com",
                null,
                "api://AzureADTokenExchange"));
  }

  @Test
  void issuerTakesAudienceOverrides() {
    IssuerAudiences audiences = new IssuerAudiences();
    audiences.setAws("aws-aud");
    audiences.setGcp("gcp-aud");
    audiences.setAzure("azure-aud");

    IssuerInfo issuer = Specs.issuer("https://gitlab.com", IssuerDialect.GitLab, audiences);

    assertThat(issuer.awsAudience()).isEqualTo("aws-aud");
    assertThat(issuer.gcpAudienceOverride()).isEqualTo("gcp-aud");
    assertThat(issuer.azureAudience()).isEqualTo("azure-aud");
  }

  @ParameterizedTest
  @CsvSource({
    "https://token.actions.githubusercontent.com, token.actions.githubusercontent.com",
    "https://gitlab.example.com/gitlab, gitlab.example.com/gitlab",
    "https://gitlab.example.com/gitlab/, gitlab.example.com/gitlab",
    "https://ghes.example.com/_services/token, ghes.example.com/_services/token",
  })
  void hostAndPathDropsSchemeAndTrailingSlash(String url, String hostAndPath) {
    assertThat(Specs.issuer(url, IssuerDialect.GitHub, null).hostAndPath()).isEqualTo(hostAndPath);
  }

  @Test
  void issuerMustBeHttps() {
    assertThatThrownBy(() -> Specs.issuer("http://gitlab.com", IssuerDialect.GitLab, null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @CsvSource({"1h, PT1H", "90m, PT1H30M", "2h30m, PT2H30M", "3600s, PT1H", "12h, PT12H"})
  void parsesGoStyleSessionDurations(String text, Duration expected) throws Exception {
    CIFederatedIdentitySpec spec = withAws(spec(s -> s.setBranch("main")));
    spec.getAws().setMaxSessionDuration(text);

    assertThat(compile(spec).aws().maxSessionDuration()).isEqualTo(expected);
  }

  @Test
  void sessionDurationDefaultsToOneHour() throws Exception {
    CIFederatedIdentitySpec spec = withAws(spec(s -> s.setBranch("main")));
    spec.getAws().setMaxSessionDuration(null);

    assertThat(compile(spec).aws().maxSessionDuration()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void patternSubjectIsStringLikeWhileAudienceStaysStringEquals() throws Exception {
    ObjectNode condition =
        (ObjectNode)
            compile(withAws(spec(s -> s.setTag("v*"))))
                .aws()
                .trustPolicy()
                .at("/Statement/0/Condition");

    assertThat(condition.get("StringEquals").properties())
        .singleElement()
        .satisfies(
            e -> assertThat(e.getKey()).isEqualTo("token.actions.githubusercontent.com:aud"));
    assertThat(condition.at("/StringLike/token.actions.githubusercontent.com:sub").asText())
        .isEqualTo("repo:my-org/my-app:ref:refs/tags/v*");
  }

  @Test
  void exactSubjectNeverUsesStringLike() throws Exception {
    CompiledTrust trust = compile(withAws(spec(s -> s.setTag("v1.2.3"))));

    assertThat(trust.subjectIsPattern()).isFalse();
    assertThat(trust.aws().trustPolicy().at("/Statement/0/Condition").has("StringLike")).isFalse();
  }

  @Test
  void trustPolicyCannotBeChangedThroughTheRecord() throws Exception {
    AwsTrust aws = compile(withAws(spec(s -> s.setBranch("main")))).aws();
    String before = aws.trustPolicyJson();

    aws.trustPolicy().put("Version", "tampered");

    assertThat(aws.trustPolicyJson()).isEqualTo(before);
  }

  @Test
  void usesGivenNamesOverDerivedOnes() throws Exception {
    CIFederatedIdentitySpec spec = withAllClouds(spec(s -> s.setBranch("main")));
    spec.getAws().setRoleName("DeployRole");
    spec.getAzure().setIdentityName("deploy-identity");
    spec.getGcp().setProviderId("github-deploy");

    CompiledTrust trust = compile(spec);

    assertThat(trust.aws().roleName()).isEqualTo("DeployRole");
    assertThat(trust.gcp().providerId()).isEqualTo("github-deploy");
    assertThat(trust.gcp().providerName()).endsWith("/providers/github-deploy");
    assertThat(trust.azure().identityName()).isEqualTo("deploy-identity");
    // The credential lives on a possibly shared identity, so its name always identifies the CR.
    assertThat(trust.azure().credentialName())
        .isEqualTo(CloudNames.azureCredentialName(NAMESPACE, NAME));
  }

  @Test
  void aGcpProviderIdGCPWouldRefuseIsRefusedNamingTheField() {
    CIFederatedIdentitySpec spec = withAllClouds(spec(s -> s.setBranch("main")));
    spec.getGcp().setProviderId("gcp-github");

    assertThatThrownBy(() -> compile(spec))
        .isInstanceOf(TrustCompilationException.class)
        .hasMessageContaining("spec.gcp.providerId 'gcp-github'");
  }

  @Test
  void derivesNamesWhenNotGiven() throws Exception {
    CIFederatedIdentitySpec spec = withAllClouds(spec(s -> s.setBranch("main")));
    spec.getAws().setRoleName("");

    CompiledTrust trust = compile(spec);

    assertThat(trust.aws().roleName()).isEqualTo(CloudNames.awsRoleName(NAMESPACE, NAME));
    assertThat(trust.gcp().providerId()).isEqualTo(CloudNames.gcpProviderId(NAMESPACE, NAME));
    assertThat(trust.azure().identityName())
        .isEqualTo(CloudNames.azureIdentityName(NAMESPACE, NAME));
  }

  @Test
  void theDefaultGcpPoolIsTheIssuersOwn() throws Exception {
    CIFederatedIdentitySpec spec = spec(s -> s.setBranch("main"));
    spec.setGcp(Specs.gcp());
    spec.getGcp().setPoolId(null);
    CIFederatedIdentitySpec onGhes = spec(s -> s.setBranch("main"));
    onGhes.setGcp(Specs.gcp());
    onGhes.getGcp().setPoolId(null);
    onGhes.setIssuerRef("ghes");

    GcpTrust github = compile(spec).gcp();
    GcpTrust ghes = compile(onGhes).gcp();

    assertThat(github.poolId()).isEqualTo("cifed-github");
    assertThat(github.principal()).contains("/workloadIdentityPools/cifed-github/subject/");
    assertThat(ghes.poolId()).isEqualTo("cifed-ghes");
    assertThat(ghes.principal()).isNotEqualTo(github.principal());
    spec.getGcp().setPoolId("shared-pool");
    assertThat(compile(spec).gcp().poolId()).as("an explicit pool wins").isEqualTo("shared-pool");
  }

  @Test
  void gcpConditionEscapesTheSubject() throws Exception {
    CIFederatedIdentitySpec spec = spec(s -> s.setEnvironment("o'brien\\prod"));
    spec.setGcp(Specs.gcp());

    assertThat(compile(spec).gcp().attributeCondition())
        .isEqualTo(
            "assertion.repository == 'my-org/my-app' && assertion.sub =="
                + " 'repo:my-org/my-app:environment:o\\'brien\\\\prod'");
  }

  @Test
  void absentCloudBlocksCompileToNull() throws Exception {
    CIFederatedIdentitySpec spec = withAws(spec(s -> s.setBranch("main")));

    CompiledTrust trust = compile(spec);

    assertThat(trust.aws()).isNotNull();
    assertThat(trust.gcp()).isNull();
    assertThat(trust.azure()).isNull();
  }

  @Test
  void isDeterministic() throws Exception {
    assertThat(compile(withAllClouds(spec(s -> s.setEnvironment("production")))))
        .isEqualTo(compile(withAllClouds(spec(s -> s.setEnvironment("production")))));
  }

  private CompiledTrust compile(CIFederatedIdentitySpec spec) throws TrustCompilationException {
    return compiler.compile(gitHub(), NAMESPACE, NAME, spec);
  }
}
