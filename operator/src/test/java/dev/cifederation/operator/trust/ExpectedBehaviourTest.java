package dev.cifederation.operator.trust;

import static dev.cifederation.operator.testsupport.Specs.NAME;
import static dev.cifederation.operator.testsupport.Specs.NAMESPACE;
import static dev.cifederation.operator.testsupport.Specs.gitHub;
import static dev.cifederation.operator.testsupport.Specs.spec;
import static dev.cifederation.operator.testsupport.Specs.withAllClouds;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The field guide's Expected Behaviour table, reproduced on the trust the operator compiles for
 * {@code my-org/my-app, environment production} in each cloud: a fork's pull-request token, a
 * side-branch token and a token minted for another audience are refused, each for the reason the
 * guide gives; the production environment token of the named repository is admitted.
 */
class ExpectedBehaviourTest {

  private static final CompiledTrust PRODUCTION = compileProduction();

  private static CompiledTrust compileProduction() {
    try {
      return new TrustCompiler()
          .compile(
              gitHub(), NAMESPACE, NAME, withAllClouds(spec(s -> s.setEnvironment("production"))));
    } catch (TrustCompilationException e) {
      throw new AssertionError(e);
    }
  }

  enum CloudTrust {
    AWS {
      @Override
      LiveTrust trust() {
        return PRODUCTION.aws().asLive();
      }

      @Override
      String audience() {
        return PRODUCTION.aws().audience();
      }
    },
    GCP {
      @Override
      LiveTrust trust() {
        return PRODUCTION.gcp().asLive();
      }

      @Override
      String audience() {
        return PRODUCTION.gcp().audience();
      }
    },
    Azure {
      @Override
      LiveTrust trust() {
        return PRODUCTION.azure().asLive();
      }

      @Override
      String audience() {
        return PRODUCTION.azure().audiences().get(0);
      }
    };

    abstract LiveTrust trust();

    /** The audience the workflow's auth action requests for this cloud. */
    abstract String audience();
  }

  static Stream<Arguments> table() {
    Stream.Builder<Arguments> rows = Stream.builder();
    for (CloudTrust cloud : CloudTrust.values()) {
      rows.add(
          Arguments.of(
              cloud,
              "production environment token from the named repository",
              (UnaryOperator<Map<String, Object>>) t -> t,
              true,
              switch (cloud) {
                case AWS -> "allowed by statement 1";
                case GCP -> "binds principal://iam.googleapis.com/projects/123456789012";
                case Azure -> "matches issuer, subject 'repo:my-org/my-app:environment:production'";
              }));
      rows.add(
          Arguments.of(
              cloud,
              "fork pull request",
              (UnaryOperator<Map<String, Object>>) t -> Tokens.forkPullRequest(),
              false,
              switch (cloud) {
                case AWS ->
                    "token.actions.githubusercontent.com:sub: the token's sub"
                        + " 'repo:my-org/my-app:pull_request' does not equal"
                        + " 'repo:my-org/my-app:environment:production'";
                case GCP ->
                    "the attribute condition assertion.repository == 'my-org/my-app' &&"
                        + " assertion.sub == 'repo:my-org/my-app:environment:production' is false";
                case Azure ->
                    "is not the token's sub 'repo:my-org/my-app:pull_request' (Azure matches the"
                        + " subject exactly)";
              }));
      rows.add(
          Arguments.of(
              cloud,
              "side branch",
              (UnaryOperator<Map<String, Object>>) t -> Tokens.sideBranch(),
              false,
              switch (cloud) {
                case AWS ->
                    "the token's sub 'repo:my-org/my-app:ref:refs/heads/feature-x' does not equal";
                case GCP -> "sub = 'repo:my-org/my-app:ref:refs/heads/feature-x'";
                case Azure ->
                    "is not the token's sub 'repo:my-org/my-app:ref:refs/heads/feature-x'";
              }));
      rows.add(
          Arguments.of(
              cloud,
              "token minted for another audience",
              (UnaryOperator<Map<String, Object>>)
                  t -> Tokens.with(t, "aud", "https://example.com/other-service"),
              false,
              switch (cloud) {
                case AWS ->
                    "StringEquals token.actions.githubusercontent.com:aud: the token's aud"
                        + " 'https://example.com/other-service' does not equal 'sts.amazonaws.com'";
                case GCP ->
                    "the token's audience https://example.com/other-service is not an audience the"
                        + " provider allows (https://iam.googleapis.com/projects/123456789012";
                case Azure ->
                    "audience api://AzureADTokenExchange is not the token's aud"
                        + " https://example.com/other-service";
              }));
      rows.add(
          Arguments.of(
              cloud,
              "another repository of the organisation",
              (UnaryOperator<Map<String, Object>>) t -> Tokens.otherRepository(),
              false,
              "repo:my-org/other-app:environment:production"));
    }
    return rows.build();
  }

  @ParameterizedTest(name = "{0}: {1} → admitted={3}")
  @MethodSource("table")
  void reproducesTheGuidesTable(
      CloudTrust cloud,
      String scenario,
      UnaryOperator<Map<String, Object>> token,
      boolean admitted,
      String reason) {
    Map<String, Object> claims = token.apply(Tokens.production());
    if (!scenario.contains("audience")) {
      claims = Tokens.with(claims, "aud", cloud.audience());
    }

    Admission admission = TrustEvaluator.evaluate(cloud.trust(), Claims.of(claims));

    assertThat(admission.admitted()).as(admission.reason()).isEqualTo(admitted);
    assertThat(admission.reason()).contains(reason);
  }
}
