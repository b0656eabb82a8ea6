package dev.cifederation.operator.trust;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** IAM's condition semantics for AssumeRoleWithWebIdentity, case by case, each with its reason. */
class AwsTrustEvaluatorTest {

  private static final String ROLE = "arn:aws:iam::123456789012:role/cifederation/deploy";
  private static final String PROVIDER =
      "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
  private static final String KEY = "token.actions.githubusercontent.com";

  /** One Allow statement for the GitHub provider with the given Condition block (JSON). */
  private static String allow(String condition) {
    return """
        {"Version": "2012-10-17", "Statement": [{
          "Effect": "Allow",
          "Principal": {"Federated": "%s"},
          "Action": "sts:AssumeRoleWithWebIdentity",
          "Condition": %s}]}
        """
        .formatted(PROVIDER, condition);
  }

  private static Admission evaluate(String policy, Map<String, Object> claims) {
    return TrustEvaluator.evaluate(new LiveTrust.Aws(ROLE, policy), Claims.of(claims));
  }

  static Stream<Arguments> operators() {
    Map<String, Object> production = Tokens.production();
    Map<String, Object> sideBranch = Tokens.sideBranch();
    Map<String, Object> fork = Tokens.forkPullRequest();
    return Stream.of(
        Arguments.of(
            "StringEquals: exact sub admits",
            "{\"StringEquals\": {\"%1$s:aud\": \"sts.amazonaws.com\", \"%1$s:sub\": \"repo:my-org/my-app:environment:production\"}}",
            production,
            true,
            "does equal 'repo:my-org/my-app:environment:production'"),
        Arguments.of(
            "StringEquals is case-sensitive",
            "{\"StringEquals\": {\"%1$s:sub\": \"repo:My-Org/my-app:environment:production\"}}",
            production,
            false,
            "does not equal 'repo:My-Org/my-app:environment:production'"),
        Arguments.of(
            "StringEqualsIgnoreCase is not",
            "{\"StringEqualsIgnoreCase\": {\"%1$s:sub\": \"repo:My-Org/my-app:environment:production\"}}",
            production,
            true,
            "StringEqualsIgnoreCase"),
        Arguments.of(
            "condition keys are case-insensitive",
            "{\"StringEquals\": {\"Token.Actions.GithubUserContent.com:SUB\": \"repo:my-org/my-app:environment:production\"}}",
            production,
            true,
            "does equal"),
        Arguments.of(
            "several values are any-of",
            "{\"StringEquals\": {\"%1$s:sub\": [\"repo:my-org/my-app:ref:refs/heads/main\", \"repo:my-org/my-app:environment:production\"]}}",
            production,
            true,
            "does equal any of"),
        Arguments.of(
            "several values: none matches",
            "{\"StringEquals\": {\"%1$s:sub\": [\"repo:my-org/my-app:ref:refs/heads/main\", \"repo:my-org/my-app:environment:production\"]}}",
            sideBranch,
            false,
            "does not equal any of ['repo:my-org/my-app:ref:refs/heads/main', 'repo:my-org/my-app:environment:production']"),
        Arguments.of(
            "keys of one operator are ANDed",
            "{\"StringEquals\": {\"%1$s:aud\": \"sts.amazonaws.com\", \"%1$s:sub\": \"repo:my-org/my-app:ref:refs/heads/main\"}}",
            production,
            false,
            "%1$s:sub: the token's sub 'repo:my-org/my-app:environment:production' does not equal"),
        Arguments.of(
            "StringLike org wildcard admits every repository of the org",
            "{\"StringLike\": {\"%1$s:sub\": \"repo:my-org/*\"}}",
            Tokens.otherRepository(),
            true,
            "does match 'repo:my-org/*'"),
        Arguments.of(
            "StringLike * spans ':' — the fork's PR matches repo:my-org/my-app:*",
            "{\"StringLike\": {\"%1$s:sub\": \"repo:my-org/my-app:*\"}}",
            fork,
            true,
            "'repo:my-org/my-app:pull_request' does match 'repo:my-org/my-app:*'"),
        Arguments.of(
            "StringLike ? is exactly one character",
            "{\"StringLike\": {\"%1$s:sub\": \"repo:my-org/my-ap?:environment:production\"}}",
            production,
            true,
            "does match"),
        Arguments.of(
            "StringLike ? is not zero characters",
            "{\"StringLike\": {\"%1$s:sub\": \"repo:my-org/my-app?:environment:production\"}}",
            production,
            false,
            "does not match 'repo:my-org/my-app?:environment:production'"),
        Arguments.of(
            "StringLike without wildcard is an exact match",
            "{\"StringLike\": {\"%1$s:sub\": \"repo:my-org/my-app:environment:prod\"}}",
            production,
            false,
            "does not match"),
        Arguments.of(
            "StringLike treats regex characters literally",
            "{\"StringLike\": {\"%1$s:sub\": \"repo:my-org/my.app:*\"}}",
            production,
            false,
            "does not match 'repo:my-org/my.app:*'"),
        Arguments.of(
            "StringNotLike excludes the pull_request subject",
            "{\"StringLike\": {\"%1$s:sub\": \"repo:my-org/my-app:*\"}, \"StringNotLike\": {\"%1$s:sub\": \"*:pull_request\"}}",
            fork,
            false,
            "StringNotLike %1$s:sub: the token's sub 'repo:my-org/my-app:pull_request' does match excluded '*:pull_request'"),
        Arguments.of(
            "StringNotLike passes other subjects",
            "{\"StringLike\": {\"%1$s:sub\": \"repo:my-org/my-app:*\"}, \"StringNotLike\": {\"%1$s:sub\": \"*:pull_request\"}}",
            sideBranch,
            true,
            "does not match '*:pull_request'"),
        Arguments.of(
            "StringNotEquals: the value must equal none of the listed",
            "{\"StringNotEquals\": {\"%1$s:sub\": [\"repo:my-org/my-app:pull_request\", \"x\"]}}",
            fork,
            false,
            "does equal excluded any of"),
        Arguments.of(
            "StringNotEquals on a missing key holds",
            "{\"StringNotEquals\": {\"%1$s:environment\": \"dev\"}}",
            sideBranch,
            true,
            "StringNotEquals %1$s:environment holds: the token has no environment claim"),
        Arguments.of(
            "a positive operator on a missing key fails",
            "{\"StringEquals\": {\"%1$s:environment\": \"production\"}}",
            sideBranch,
            false,
            "StringEquals %1$s:environment fails: the token has no environment claim"),
        Arguments.of(
            "IfExists passes on a missing key",
            "{\"StringEqualsIfExists\": {\"%1$s:environment\": \"production\"}}",
            sideBranch,
            true,
            "holds: the token has no environment claim"),
        Arguments.of(
            "IfExists still checks a present key",
            "{\"StringEqualsIfExists\": {\"%1$s:environment\": \"staging\"}}",
            production,
            false,
            "the token's environment 'production' does not equal 'staging'"),
        Arguments.of(
            "other claim keys: job_workflow_ref pinned",
            "{\"StringEquals\": {\"%1$s:job_workflow_ref\": \"my-org/my-app/.github/workflows/deploy.yml@refs/heads/main\"}}",
            sideBranch,
            false,
            "the token's job_workflow_ref 'my-org/my-app/.github/workflows/deploy.yml@refs/heads/feature-x' does not equal"),
        Arguments.of(
            "ForAllValues holds on a missing key (why the lint flags it)",
            "{\"ForAllValues:StringEquals\": {\"%1$s:environment\": \"production\"}}",
            sideBranch,
            true,
            "ForAllValues holds on a missing key"),
        Arguments.of(
            "ForAnyValue fails on a missing key",
            "{\"ForAnyValue:StringEquals\": {\"%1$s:environment\": \"production\"}}",
            sideBranch,
            false,
            "fails: the token has no environment claim"),
        Arguments.of(
            "ForAnyValue: one of a multi-valued aud matches",
            "{\"ForAnyValue:StringEquals\": {\"%1$s:aud\": \"sts.amazonaws.com\"}}",
            Tokens.with(production, "aud", List.of("https://other", "sts.amazonaws.com")),
            true,
            "does equal"),
        Arguments.of(
            "ForAllValues: every value of aud must be allowed",
            "{\"ForAllValues:StringEquals\": {\"%1$s:aud\": \"sts.amazonaws.com\"}}",
            Tokens.with(production, "aud", List.of("https://other", "sts.amazonaws.com")),
            false,
            "ForAllValues:StringEquals"),
        Arguments.of(
            "Null true: admits only without the key",
            "{\"Null\": {\"%1$s:environment\": \"true\"}}",
            production,
            false,
            "Null %1$s:environment fails: the token has environment"),
        Arguments.of(
            "policy variables: ${*} is a literal star in StringLike",
            "{\"StringLike\": {\"%1$s:sub\": \"repo:my-org/${*}\"}}",
            production,
            false,
            "does not match 'repo:my-org/${*}'"),
        Arguments.of(
            "a key of another provider is not in this token's context",
            "{\"StringEquals\": {\"gitlab.com:sub\": \"repo:my-org/my-app:environment:production\"}}",
            production,
            false,
            "the token has no sub claim"),
        Arguments.of(
            "an operator the simulator does not know refuses instead of guessing",
            "{\"DateLessThan\": {\"aws:CurrentTime\": \"2030-01-01T00:00:00Z\"}}",
            production,
            false,
            "the simulator does not evaluate the DateLessThan operator (refusing)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("operators")
  void conditionOperators(
      String name, String condition, Map<String, Object> claims, boolean admitted, String reason) {
    Admission admission = evaluate(allow(condition.formatted(KEY)), claims);

    assertThat(admission.admitted()).as(admission.reason()).isEqualTo(admitted);
    assertThat(admission.reason()).contains(reason.formatted(KEY));
  }

  @Test
  void explicitDenyWinsOverAnAllow() {
    String policy =
        """
        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"Federated": "%1$s"},
           "Action": "sts:AssumeRoleWithWebIdentity",
           "Condition": {"StringLike": {"%2$s:sub": "repo:my-org/*"}}},
          {"Sid": "NoPullRequests", "Effect": "Deny", "Principal": "*",
           "Action": "sts:*",
           "Condition": {"StringLike": {"%2$s:sub": "*:pull_request"}}}]}
        """
            .formatted(PROVIDER, KEY);

    Admission fork = evaluate(policy, Tokens.forkPullRequest());
    Admission production = evaluate(policy, Tokens.production());

    assertThat(fork.admitted()).isFalse();
    assertThat(fork.reason()).startsWith("explicitly denied by statement 2 (NoPullRequests)");
    assertThat(production.admitted()).as(production.reason()).isTrue();
    assertThat(production.reason()).startsWith("allowed by statement 1");
  }

  @Test
  void anotherAccountsProviderIsNotTrusted() {
    String policy = allow("{}").replace("123456789012:oidc-provider", "999999999999:oidc-provider");

    Admission admission = evaluate(policy, Tokens.production());

    assertThat(admission.admitted()).isFalse();
    assertThat(admission.reason())
        .isEqualTo(
            "no Allow statement trusts arn:aws:iam::123456789012:oidc-provider/"
                + "token.actions.githubusercontent.com for sts:AssumeRoleWithWebIdentity"
                + " (implicit deny)");
  }

  @Test
  void aTokenOfAnotherIssuerMatchesNoStatement() {
    Admission admission =
        evaluate(allow("{}"), Tokens.with(Tokens.production(), "iss", "https://gitlab.com"));

    assertThat(admission.admitted()).isFalse();
    assertThat(admission.reason()).contains("oidc-provider/gitlab.com").contains("implicit deny");
  }

  @Test
  void anotherActionIsNotThisOne() {
    String policy = allow("{}").replace("sts:AssumeRoleWithWebIdentity", "sts:AssumeRole");

    assertThat(evaluate(policy, Tokens.production()).admitted()).isFalse();
    assertThat(
            evaluate(
                    allow("{}").replace("sts:AssumeRoleWithWebIdentity", "sts:Assume*"),
                    Tokens.production())
                .admitted())
        .isTrue();
  }

  @Test
  void aStatementWithoutConditionsAdmitsEveryTokenOfTheProvider() {
    Admission admission = evaluate(allow("{}"), Tokens.forkPullRequest());

    assertThat(admission.admitted()).isTrue();
    assertThat(admission.reason()).isEqualTo("allowed by statement 1: no conditions");
  }

  @Test
  void aRawPolicyWithoutItsRoleTrustsTheProviderOfAnyAccount() {
    Admission admission =
        TrustEvaluator.evaluate(
            new LiveTrust.Aws(null, allow("{}")), Claims.of(Tokens.production()));

    assertThat(admission.admitted()).isTrue();
  }

  @Test
  void policyVariablesResolveToTheTokensValues() {
    String policy =
        allow("{\"StringLike\": {\"%1$s:sub\": \"repo:${%1$s:repository}:*\"}}".formatted(KEY));

    assertThat(evaluate(policy, Tokens.production()).admitted()).isTrue();
    assertThat(
            evaluate(
                    policy,
                    Tokens.with(
                        Tokens.production(), "sub", "repo:my-org/other:environment:production"))
                .admitted())
        .isFalse();
  }

  @Test
  void malformedPolicyRefuses() {
    Admission admission = evaluate("{not json", Tokens.production());

    assertThat(admission.admitted()).isFalse();
    assertThat(admission.reason()).startsWith("the trust policy is not valid JSON");
  }

  @Test
  void everyFailingAllowStatementIsNamed() {
    String policy =
        """
        {"Version": "2012-10-17", "Statement": [
          {"Sid": "Main", "Effect": "Allow", "Principal": {"Federated": "%1$s"},
           "Action": "sts:AssumeRoleWithWebIdentity",
           "Condition": {"StringEquals": {"%2$s:sub": "repo:my-org/my-app:ref:refs/heads/main"}}},
          {"Sid": "Prod", "Effect": "Allow", "Principal": {"Federated": ["%1$s"]},
           "Action": ["sts:AssumeRoleWithWebIdentity"],
           "Condition": {"StringEquals": {"%2$s:environment": "production"}}}]}
        """
            .formatted(PROVIDER, KEY);

    Admission admission = evaluate(policy, Tokens.sideBranch());

    assertThat(admission.admitted()).isFalse();
    assertThat(admission.reason())
        .contains("statement 1 (Main): StringEquals")
        .contains("; statement 2 (Prod): StringEquals " + KEY + ":environment fails");
  }
}
