package dev.cifederation.operator.trust;

import static dev.cifederation.operator.testsupport.Specs.NAME;
import static dev.cifederation.operator.testsupport.Specs.NAMESPACE;
import static dev.cifederation.operator.testsupport.Specs.gitHub;
import static dev.cifederation.operator.testsupport.Specs.gitLab;
import static dev.cifederation.operator.testsupport.Specs.spec;
import static dev.cifederation.operator.testsupport.Specs.withAllClouds;
import static dev.cifederation.operator.testsupport.Specs.withAws;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.SubjectSelector;
import dev.cifederation.operator.testsupport.Specs;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Who a trust admits, read back from each cloud's shape: compiled, then hand-edited. */
class WhoCanAssumeTest {

  private static final String PROVIDER =
      "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
  private static final String KEY = "token.actions.githubusercontent.com";
  private static final String POOL =
      "projects/123456789012/locations/global/workloadIdentityPools/cifed-github";

  private static CompiledTrust compile(IssuerInfo issuer, CIFederatedIdentitySpec spec) {
    try {
      return new TrustCompiler().compile(issuer, NAMESPACE, NAME, spec);
    } catch (TrustCompilationException e) {
      throw new AssertionError(e);
    }
  }

  static Stream<Arguments> compiled() {
    return Stream.of(
        Arguments.of(
            (Consumer<SubjectSelector>) s -> s.setEnvironment("production"),
            "GitHub Actions jobs of my-org/my-app in environment production"),
        Arguments.of(
            (Consumer<SubjectSelector>) s -> s.setBranch("main"),
            "GitHub Actions jobs of my-org/my-app on branch main"),
        Arguments.of(
            (Consumer<SubjectSelector>) s -> s.setTag("v1.2.3"),
            "GitHub Actions jobs of my-org/my-app on tag v1.2.3"),
        Arguments.of(
            (Consumer<SubjectSelector>)
                s -> s.setWorkflowRef("my-org/shared/.github/workflows/deploy.yml@refs/heads/main"),
            "GitHub Actions jobs of my-org/my-app running workflow"
                + " my-org/shared/.github/workflows/deploy.yml@refs/heads/main"),
        Arguments.of(
            (Consumer<SubjectSelector>) s -> s.setPullRequest(true),
            "GitHub Actions jobs of my-org/my-app in pull requests (including from forks)"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("compiled")
  void everyCloudSaysTheSameForACompiledTrust(Consumer<SubjectSelector> selector, String who) {
    CIFederatedIdentitySpec spec = withAllClouds(spec(selector));
    if (spec.getSubject().getWorkflowRef() != null) {
      // job_workflow_ref is in the sub only under a template that includes it
      Specs.withTemplate(spec, "repo", "job_workflow_ref");
    }
    CompiledTrust trust = compile(gitHub(), spec);

    assertThat(trust.liveTrusts()).hasSize(3);
    assertThat(trust.liveTrusts())
        .allSatisfy(live -> assertThat(WhoCanAssume.describe(live)).isEqualTo(who));
  }

  @Test
  void branchPatternIsAwsOnlyAndSaysMatching() {
    CompiledTrust trust = compile(gitHub(), withAws(spec(s -> s.setBranch("release/*"))));

    assertThat(WhoCanAssume.describe(trust.aws().asLive()))
        .isEqualTo("GitHub Actions jobs of my-org/my-app on branches matching release/*");
  }

  @Test
  void gitLabSubjectsReadAsGitLab() {
    CompiledTrust trust =
        compile(gitLab(), withAllClouds(spec("my-group/my-project", s -> s.setBranch("main"))));

    assertThat(trust.liveTrusts())
        .allSatisfy(
            live ->
                assertThat(WhoCanAssume.describe(live))
                    .isEqualTo("GitLab CI jobs of my-group/my-project on branch main"));
  }

  @Test
  void pinnedIdsAreSaidOnceInEveryCloud() {
    CIFederatedIdentitySpec spec = withAllClouds(spec(s -> s.setEnvironment("production")));
    spec.setRepositoryId("123456789");
    spec.setOwnerId("987654");

    assertThat(compile(gitHub(), spec).liveTrusts())
        .allSatisfy(
            live ->
                assertThat(WhoCanAssume.describe(live))
                    .isEqualTo(
                        "GitHub Actions jobs of my-org/my-app (repository ID 123456789, owner ID"
                            + " 987654) in environment production"));
  }

  private static LiveTrust.Aws aws(String condition) {
    return awsStatements(
        """
        {"Effect": "Allow", "Principal": {"Federated": "%s"},
         "Action": "sts:AssumeRoleWithWebIdentity", "Condition": %s}"""
            .formatted(PROVIDER, condition.replace("K:", KEY + ":")));
  }

  private static LiveTrust.Aws awsStatements(String statements) {
    return new LiveTrust.Aws(
        "arn:aws:iam::123456789012:role/deploy",
        "{\"Version\": \"2012-10-17\", \"Statement\": [" + statements + "]}");
  }

  static Stream<Arguments> handEditedAws() {
    return Stream.of(
        Arguments.of(
            "{\"StringEquals\": {\"K:aud\": \"sts.amazonaws.com\"}, \"StringLike\": {\"K:sub\": \"repo:my-org/*\"}}",
            "GitHub Actions jobs of any repository of my-org on any branch, tag, environment or"
                + " pull request"),
        Arguments.of(
            "{\"StringLike\": {\"K:aud\": \"sts.amazonaws.com\", \"K:sub\": \"repo:my-org/my-app:*\"}}",
            "GitHub Actions jobs of my-org/my-app on any branch, tag, environment or pull request"),
        Arguments.of(
            "{\"StringEquals\": {\"K:sub\": \"repo:my-org/my-app:environment:production\"}}",
            "GitHub Actions jobs of my-org/my-app in environment production, for any audience"),
        Arguments.of(
            "{\"StringEquals\": {\"K:aud\": \"sts.amazonaws.com\", \"K:sub\": [\"repo:my-org/my-app:ref:refs/heads/main\", \"repo:my-org/my-app:environment:production\"]}}",
            "GitHub Actions jobs of my-org/my-app on branch main or GitHub Actions jobs of"
                + " my-org/my-app in environment production"),
        Arguments.of(
            "{\"StringEquals\": {\"K:aud\": \"sts.amazonaws.com\"}}",
            "GitHub Actions jobs of any repository"),
        Arguments.of(
            "{\"StringEquals\": {\"K:aud\": \"sts.amazonaws.com\", \"K:repository_owner\": \"my-org\"}}",
            "GitHub Actions jobs of any repository of my-org"),
        Arguments.of(
            "{\"StringEquals\": {\"K:aud\": \"sts.amazonaws.com\", \"K:sub\": \"repo:my-org/my-app:ref:refs/heads/main\", \"K:job_workflow_ref\": \"my-org/shared/.github/workflows/deploy.yml@refs/heads/main\"}}",
            "GitHub Actions jobs of my-org/my-app on branch main, with job_workflow_ref"
                + " 'my-org/shared/.github/workflows/deploy.yml@refs/heads/main'"),
        Arguments.of(
            "{\"StringEquals\": {\"K:aud\": \"sts.amazonaws.com\"}, \"StringLike\": {\"K:sub\": \"repo:*:pull_request\"}}",
            "GitHub Actions jobs of any repository in pull requests (including from forks)"),
        Arguments.of(
            "{\"StringEquals\": {\"K:aud\": \"sts.amazonaws.com\"}, \"StringLike\": {\"K:sub\": \"repo:my-org/my-app:*\"}, \"StringNotLike\": {\"K:sub\": \"*:pull_request\"}}",
            "GitHub Actions jobs of my-org/my-app on any branch, tag, environment or pull request,"
                + " except sub matching '*:pull_request'"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("handEditedAws")
  void handEditedAwsPolicies(String condition, String who) {
    assertThat(WhoCanAssume.describe(aws(condition))).isEqualTo(who);
  }

  @Test
  void awsDenyStatementsAreSaidAsExceptions() {
    LiveTrust.Aws trust =
        awsStatements(
            """
            {"Effect": "Allow", "Principal": {"Federated": "%1$s"},
             "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {"StringEquals": {"%2$s:aud": "sts.amazonaws.com"},
                           "StringLike": {"%2$s:sub": "repo:my-org/*"}}},
            {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {"StringLike": {"%2$s:sub": "*:pull_request"}}}"""
                .formatted(PROVIDER, KEY));

    assertThat(WhoCanAssume.describe(trust))
        .isEqualTo(
            "GitHub Actions jobs of any repository of my-org on any branch, tag, environment or"
                + " pull request, except sub matching '*:pull_request'");
  }

  @Test
  void awsPolicyThatAdmitsNoWebIdentitySaysNobody() {
    LiveTrust.Aws trust =
        awsStatements(
            "{\"Effect\": \"Allow\", \"Principal\": {\"Service\": \"ec2.amazonaws.com\"},"
                + " \"Action\": \"sts:AssumeRole\"}");

    assertThat(WhoCanAssume.describe(trust))
        .isEqualTo("nobody (no Allow statement admits a web identity token)");
  }

  private static LiveTrust.Gcp gcp(String condition, String... members) {
    return new LiveTrust.Gcp(
        POOL + "/providers/github",
        Tokens.GITHUB,
        List.of(),
        new TreeMap<>(
            Map.of(
                "google.subject", "assertion.sub",
                "attribute.repository", "assertion.repository",
                "attribute.repository_owner", "assertion.repository_owner")),
        condition,
        List.of(members));
  }

  @Test
  void gcpWholePoolMemberIsAsWideAsTheCondition() {
    assertThat(
            WhoCanAssume.describe(
                gcp(
                    "assertion.repository_owner == 'my-org'",
                    "principalSet://iam.googleapis.com/" + POOL + "/*")))
        .isEqualTo("GitHub Actions jobs of any repository of my-org");
  }

  @Test
  void gcpRepositoryMemberAdmitsEveryRefOfTheRepository() {
    assertThat(
            WhoCanAssume.describe(
                gcp(
                    "attribute.repository_owner == 'my-org'",
                    "principalSet://iam.googleapis.com/"
                        + POOL
                        + "/attribute.repository/my-org/my-app")))
        .isEqualTo("GitHub Actions jobs of my-org/my-app, any ref");
  }

  @Test
  void gcpConditionPartsItCannotStructureAreQuoted() {
    assertThat(
            WhoCanAssume.describe(
                gcp(
                    "assertion.repository == 'my-org/my-app' && assertion.ref.matches('^refs/heads/(main|release)$')",
                    "principalSet://iam.googleapis.com/" + POOL + "/*")))
        .isEqualTo(
            "GitHub Actions jobs of my-org/my-app, any ref, if"
                + " assertion.ref.matches(\"^refs/heads/(main|release)$\")");
  }

  @Test
  void gcpMemberTheConditionExcludesAdmitsNobody() {
    assertThat(
            WhoCanAssume.describe(
                gcp(
                    "assertion.sub == 'repo:my-org/my-app:environment:production'",
                    "principal://iam.googleapis.com/"
                        + POOL
                        + "/subject/repo:my-org/my-app:ref:refs/heads/main")))
        .isEqualTo("nobody (no bound member can pass the attribute condition)");
    assertThat(WhoCanAssume.describe(gcp("true")))
        .isEqualTo("nobody (no member of the pool is bound on the service account)");
  }

  @Test
  void gcpDisabledProviderAdmitsNobody() {
    LiveTrust.Gcp open =
        gcp(
            "assertion.repository_owner == 'my-org'",
            "principalSet://iam.googleapis.com/" + POOL + "/*");
    LiveTrust.Gcp disabled =
        new LiveTrust.Gcp(
            open.providerName(),
            open.issuerUri(),
            open.allowedAudiences(),
            open.attributeMapping(),
            open.attributeCondition(),
            open.members(),
            true);

    assertThat(WhoCanAssume.describe(disabled)).isEqualTo("nobody (the provider is disabled)");
  }

  @Test
  void gcpWithoutConditionSaysSo() {
    assertThat(WhoCanAssume.describe(gcp("", "principalSet://iam.googleapis.com/" + POOL + "/*")))
        .isEqualTo("GitHub Actions jobs of any repository, with no attribute condition");
  }

  @Test
  void azureForeignCredentialIsAnotherWayIn() {
    LiveTrust.Azure trust =
        new LiveTrust.Azure(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/deploy",
            List.of(
                new LiveTrust.FederatedCredential(
                    "team-a-deploy",
                    Tokens.GITHUB,
                    "repo:my-org/my-app:environment:production",
                    List.of(Tokens.AZURE_AUDIENCE)),
                new LiveTrust.FederatedCredential(
                    "hand-made",
                    Tokens.GITHUB,
                    "repo:my-org/my-app:ref:refs/heads/dev",
                    List.of("api://custom"))));

    assertThat(WhoCanAssume.describe(trust))
        .isEqualTo(
            "GitHub Actions jobs of my-org/my-app in environment production or GitHub Actions jobs"
                + " of my-org/my-app on branch dev, for audience api://custom");
  }

  @Test
  void summaryNamesCloudsThatReadTheSameTogether() {
    CompiledTrust trust =
        compile(gitHub(), withAllClouds(spec(s -> s.setEnvironment("production"))));

    String summary =
        WhoCanAssume.summarise(
            List.of(
                new WhoCanAssume.View("AWS", trust.aws().asLive(), trust.aws().asLive()),
                new WhoCanAssume.View("GCP", trust.gcp().asLive(), trust.gcp().asLive()),
                new WhoCanAssume.View("Azure", trust.azure().asLive(), trust.azure().asLive())));

    assertThat(summary)
        .isEqualTo(
            "AWS, GCP, Azure: GitHub Actions jobs of my-org/my-app in environment production");
  }

  @Test
  void summarySaysWhatWasNotReadAndWhatIsWiderThanTheSpec() {
    CompiledTrust trust =
        compile(gitHub(), withAllClouds(spec(s -> s.setEnvironment("production"))));
    LiveTrust.Aws widened =
        aws(
            "{\"StringEquals\": {\"K:aud\": \"sts.amazonaws.com\"}, \"StringLike\": {\"K:sub\": \"repo:my-org/*\"}}");
    LiveTrust.Gcp renamed =
        new LiveTrust.Gcp(
            trust.gcp().providerName(),
            trust.gcp().issuerUri(),
            List.of(),
            trust.gcp().attributeMapping(),
            "assertion.repository == 'my-org/my-app' && assertion.sub == 'repo:my-org/my-app:environment:staging'",
            List.of(
                "principal://iam.googleapis.com/"
                    + POOL
                    + "/subject/repo:my-org/my-app:environment:staging"));

    String summary =
        WhoCanAssume.summarise(
            List.of(
                new WhoCanAssume.View("AWS", widened, trust.aws().asLive()),
                new WhoCanAssume.View("GCP", renamed, trust.gcp().asLive()),
                new WhoCanAssume.View("Azure", null, trust.azure().asLive())));

    assertThat(summary)
        .isEqualTo(
            "AWS: GitHub Actions jobs of any repository of my-org on any branch, tag, environment"
                + " or pull request — wider than the spec (GitHub Actions jobs of my-org/my-app in"
                + " environment production); GCP: GitHub Actions jobs of my-org/my-app in"
                + " environment staging — not what the spec says (GitHub Actions jobs of"
                + " my-org/my-app in environment production); Azure: GitHub Actions jobs of"
                + " my-org/my-app in environment production (as specified; not read from the cloud"
                + " yet)");
  }
}
