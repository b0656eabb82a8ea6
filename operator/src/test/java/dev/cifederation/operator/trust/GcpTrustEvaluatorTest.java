package dev.cifederation.operator.trust;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.testsupport.Specs;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The GCP path a token takes: issuer, audience, attribute mapping, attribute condition, then the
 * service account's members. Hand-written providers as people configure them, not only what the
 * compiler emits.
 */
class GcpTrustEvaluatorTest {

  private static final String POOL =
      "projects/123456789012/locations/global/workloadIdentityPools/ci-federation";
  private static final String PROVIDER = POOL + "/providers/github";
  private static final String AUDIENCE = "https://iam.googleapis.com/" + PROVIDER;

  private static LiveTrust.Gcp provider(
      Map<String, String> mapping, String condition, List<String> audiences, String... members) {
    return new LiveTrust.Gcp(
        PROVIDER, Tokens.GITHUB, audiences, new TreeMap<>(mapping), condition, List.of(members));
  }

  private static final Map<String, String> GITHUB_MAPPING =
      Map.of(
          "google.subject", "assertion.sub",
          "attribute.repository", "assertion.repository",
          "attribute.repository_owner", "assertion.repository_owner",
          "attribute.environment", "assertion.environment");

  private static Admission evaluate(LiveTrust.Gcp trust, Map<String, Object> claims) {
    return TrustEvaluator.evaluate(trust, Claims.of(Tokens.with(claims, "aud", AUDIENCE)));
  }

  @Test
  void repositoryMemberAdmitsEveryJobTheConditionLetsThrough() {
    LiveTrust.Gcp trust =
        provider(
            GITHUB_MAPPING,
            "assertion.repository_owner == 'my-org'",
            List.of(),
            "principalSet://iam.googleapis.com/" + POOL + "/attribute.repository/my-org/my-app");

    Admission production = evaluate(trust, Tokens.production());
    Admission other = evaluate(trust, Tokens.otherRepository());

    assertThat(production.admitted()).as(production.reason()).isTrue();
    assertThat(production.reason())
        .isEqualTo(
            "the provider accepts the token (the attribute condition holds) and the service"
                + " account binds principalSet://iam.googleapis.com/"
                + POOL
                + "/attribute.repository/my-org/my-app");
    assertThat(other.admitted()).isFalse();
    assertThat(other.reason())
        .startsWith(
            "no member bound on the service account matches google.subject"
                + " 'repo:my-org/other-app:environment:production'");
  }

  @Test
  void wholePoolMemberLeavesItAllToTheCondition() {
    LiveTrust.Gcp trust =
        provider(
            GITHUB_MAPPING,
            "assertion.repository_owner == 'my-org'",
            List.of(),
            "principalSet://iam.googleapis.com/" + POOL + "/*");

    assertThat(evaluate(trust, Tokens.otherRepository()).admitted()).isTrue();
    assertThat(evaluate(trust, Tokens.forkPullRequest()).admitted()).isTrue();
  }

  @Test
  void aDisabledProviderAcceptsNoToken() {
    LiveTrust.Gcp enabled =
        provider(
            GITHUB_MAPPING,
            "assertion.repository_owner == 'my-org'",
            List.of(),
            "principalSet://iam.googleapis.com/" + POOL + "/*");
    LiveTrust.Gcp disabled =
        new LiveTrust.Gcp(
            enabled.providerName(),
            enabled.issuerUri(),
            enabled.allowedAudiences(),
            enabled.attributeMapping(),
            enabled.attributeCondition(),
            enabled.members(),
            true);

    assertThat(evaluate(enabled, Tokens.production()).admitted()).isTrue();
    Admission refused = evaluate(disabled, Tokens.production());
    assertThat(refused.admitted()).isFalse();
    assertThat(refused.reason())
        .isEqualTo("the provider " + PROVIDER + " is disabled: it accepts no token");
  }

  @Test
  void conditionExcludingPullRequestsRefusesTheFork() {
    LiveTrust.Gcp trust =
        provider(
            GITHUB_MAPPING,
            "assertion.repository == 'my-org/my-app' && assertion.event_name != 'pull_request'",
            List.of(),
            "principalSet://iam.googleapis.com/" + POOL + "/attribute.repository/my-org/my-app");

    Admission fork = evaluate(trust, Tokens.forkPullRequest());

    assertThat(fork.admitted()).isFalse();
    assertThat(fork.reason())
        .isEqualTo(
            "the attribute condition assertion.repository == 'my-org/my-app' &&"
                + " assertion.event_name != 'pull_request' is false for this token (token:"
                + " event_name = 'pull_request', repository = 'my-org/my-app')");
  }

  @Test
  void concatenatedMappingFeedsAnAttributeMember() {
    LiveTrust.Gcp trust =
        provider(
            Map.of(
                "google.subject", "assertion.sub",
                "attribute.repo_env", "assertion.repository + '/' + assertion.environment"),
            "assertion.repository_owner == 'my-org'",
            List.of(),
            "principalSet://iam.googleapis.com/"
                + POOL
                + "/attribute.repo_env/my-org/my-app/production");

    assertThat(evaluate(trust, Tokens.production()).admitted()).isTrue();
    // no environment claim: the attribute stays unset and no member matches
    Admission side = evaluate(trust, Tokens.sideBranch());
    assertThat(side.admitted()).isFalse();
    assertThat(side.reason()).startsWith("no member bound on the service account matches");
  }

  @Test
  void conditionOnAMissingClaimCannotBeEvaluatedAndRefuses() {
    LiveTrust.Gcp trust =
        provider(
            GITHUB_MAPPING,
            "assertion.environment == 'production'",
            List.of(),
            "principalSet://iam.googleapis.com/" + POOL + "/*");

    Admission side = evaluate(trust, Tokens.sideBranch());

    assertThat(side.admitted()).isFalse();
    assertThat(side.reason())
        .isEqualTo(
            "the attribute condition cannot be evaluated on this token (GCP refuses it): key"
                + " 'environment' is not present in map (token: environment absent)");
  }

  @Test
  void conditionOnMappedAttributes() {
    LiveTrust.Gcp trust =
        provider(
            GITHUB_MAPPING,
            "attribute.repository == 'my-org/my-app' && google.subject.endsWith(':environment:production')",
            List.of(),
            "principalSet://iam.googleapis.com/" + POOL + "/*");

    assertThat(evaluate(trust, Tokens.production()).admitted()).isTrue();
    assertThat(evaluate(trust, Tokens.sideBranch()).admitted()).isFalse();
  }

  @Test
  void defaultAudienceIsTheProvidersResourceNameWithOrWithoutHttps() {
    LiveTrust.Gcp trust =
        provider(
            GITHUB_MAPPING, "true", List.of(), "principalSet://iam.googleapis.com/" + POOL + "/*");

    Claims bare =
        Claims.of(Tokens.with(Tokens.production(), "aud", "//iam.googleapis.com/" + PROVIDER));
    Claims sts = Claims.of(Tokens.production());

    assertThat(TrustEvaluator.evaluate(trust, bare).admitted()).isTrue();
    assertThat(TrustEvaluator.evaluate(trust, sts).reason())
        .isEqualTo(
            "the token's audience sts.amazonaws.com is not an audience the provider allows ("
                + AUDIENCE
                + ", //iam.googleapis.com/"
                + PROVIDER
                + ")");
  }

  @Test
  void allowedAudiencesReplaceTheDefault() {
    LiveTrust.Gcp trust =
        provider(
            GITHUB_MAPPING,
            "true",
            List.of("https://github.com/my-org"),
            "principalSet://iam.googleapis.com/" + POOL + "/*");

    assertThat(evaluate(trust, Tokens.production()).admitted()).isFalse();
    assertThat(
            TrustEvaluator.evaluate(
                    trust,
                    Claims.of(
                        Tokens.with(
                            Tokens.production(), "aud", List.of("https://github.com/my-org"))))
                .admitted())
        .isTrue();
  }

  @Test
  void anotherIssuerIsRefusedFirst() {
    LiveTrust.Gcp trust =
        provider(
            GITHUB_MAPPING, "true", List.of(), "principalSet://iam.googleapis.com/" + POOL + "/*");

    Admission admission = evaluate(trust, Tokens.gitLabMain());

    assertThat(admission.admitted()).isFalse();
    assertThat(admission.reason())
        .isEqualTo(
            "the token's issuer 'https://gitlab.com' is not the provider's issuer '"
                + Tokens.GITHUB
                + "'");
  }

  @Test
  void subjectLongerThan127BytesIsRefused() {
    LiveTrust.Gcp trust =
        provider(
            GITHUB_MAPPING, "true", List.of(), "principalSet://iam.googleapis.com/" + POOL + "/*");

    Admission admission =
        evaluate(trust, Tokens.with(Tokens.production(), "sub", "repo:" + "x".repeat(130)));

    assertThat(admission.admitted()).isFalse();
    assertThat(admission.reason()).contains("is 135 bytes; GCP allows at most 127");
  }

  @Test
  void memberOfAnotherPoolDoesNotCount() {
    LiveTrust.Gcp trust =
        provider(
            GITHUB_MAPPING,
            "true",
            List.of(),
            "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/other/*");

    assertThat(evaluate(trust, Tokens.production()).admitted()).isFalse();
  }

  @Test
  void noConditionIsSaidOutLoud() {
    LiveTrust.Gcp trust =
        provider(GITHUB_MAPPING, "", List.of(), "principalSet://iam.googleapis.com/" + POOL + "/*");

    Admission admission = evaluate(trust, Tokens.forkPullRequest());

    assertThat(admission.admitted()).isTrue();
    assertThat(admission.reason()).contains("the provider has no attribute condition");
  }

  @Test
  void gitLabTokenThroughACompiledGitLabProvider() throws TrustCompilationException {
    CompiledTrust compiled =
        new TrustCompiler()
            .compile(
                Specs.gitLab(),
                Specs.NAMESPACE,
                Specs.NAME,
                Specs.withAllClouds(Specs.spec("my-group/my-project", s -> s.setBranch("main"))));
    Map<String, Object> token = Tokens.with(Tokens.gitLabMain(), "aud", compiled.gcp().audience());

    assertThat(TrustEvaluator.evaluate(compiled.gcp().asLive(), Claims.of(token)).admitted())
        .isTrue();
    Map<String, Object> featureBranch =
        Tokens.with(
            Tokens.with(token, "sub", "project_path:my-group/my-project:ref_type:branch:ref:dev"),
            "ref",
            "dev");
    Admission refused = TrustEvaluator.evaluate(compiled.gcp().asLive(), Claims.of(featureBranch));
    assertThat(refused.admitted()).isFalse();
    assertThat(refused.reason())
        .contains("sub = 'project_path:my-group/my-project:ref_type:branch:ref:dev'");
  }
}
