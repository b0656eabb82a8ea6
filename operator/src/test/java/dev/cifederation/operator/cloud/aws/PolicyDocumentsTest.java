package dev.cifederation.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What counts as a change of a policy document and what does not. */
class PolicyDocumentsTest {

  private static final String TRUST =
      """
      {"Version":"2012-10-17","Statement":[{"Effect":"Allow",
        "Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
        "Action":"sts:AssumeRoleWithWebIdentity",
        "Condition":{"StringEquals":{
          "token.actions.githubusercontent.com:aud":"sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub":"repo:my-org/my-app:environment:production"}}}]}
      """;

  /** The out-of-band change of the issue: every repository of the organisation may assume. */
  static final String WIDENED =
      """
      {"Version":"2012-10-17","Statement":[{"Effect":"Allow",
        "Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
        "Action":"sts:AssumeRoleWithWebIdentity",
        "Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},
                     "StringLike":{"token.actions.githubusercontent.com:sub":"repo:my-org/*"}}}]}
      """;

  static Stream<Arguments> equivalent() {
    return Stream.of(
        Arguments.of("identical", TRUST, TRUST),
        Arguments.of(
            "URL-encoded as IAM returns it",
            TRUST,
            URLEncoder.encode(TRUST, StandardCharsets.UTF_8)),
        Arguments.of(
            "keys reordered",
            TRUST,
            """
            {"Statement":[{"Condition":{"StringEquals":{
              "token.actions.githubusercontent.com:sub":"repo:my-org/my-app:environment:production",
              "token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}},
              "Action":"sts:AssumeRoleWithWebIdentity","Effect":"Allow",
              "Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}}],
             "Version":"2012-10-17"}
            """),
        Arguments.of(
            "one-element arrays as strings, statement as object",
            TRUST,
            """
            {"Version":"2012-10-17","Statement":{"Effect":"Allow",
              "Principal":{"Federated":["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]},
              "Action":["sts:AssumeRoleWithWebIdentity"],
              "Condition":{"StringEquals":{
                "token.actions.githubusercontent.com:aud":["sts.amazonaws.com"],
                "token.actions.githubusercontent.com:sub":["repo:my-org/my-app:environment:production"]}}}}
            """),
        Arguments.of(
            "actions and resources in another order, duplicates",
            """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],
              "Resource":["arn:aws:s3:::b/*","arn:aws:s3:::b"]}]}
            """,
            """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow",
              "Action":["s3:PutObject","s3:GetObject","s3:GetObject"],
              "Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}]}
            """),
        Arguments.of(
            "statements in another order",
            """
            {"Version":"2012-10-17","Statement":[
              {"Sid":"A","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"},
              {"Sid":"B","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}
            """,
            """
            {"Version":"2012-10-17","Statement":[
              {"Sid":"B","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
              {"Sid":"A","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}]}
            """),
        Arguments.of(
            "condition values: order, and booleans as strings",
            """
            {"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*",
              "Condition":{"Bool":{"aws:SecureTransport":false},
                           "StringEquals":{"aws:PrincipalTag/team":["a","b"]}}}]}
            """,
            """
            {"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*",
              "Condition":{"StringEquals":{"aws:PrincipalTag/team":["b","a"]},
                           "Bool":{"aws:SecureTransport":"false"}}}]}
            """),
        Arguments.of(
            "%2B decodes to a '+' (legal in IAM names)",
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:GetRole\",\"Resource\":\"arn:aws:iam::1:role/a+b\"}]}",
            "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22iam%3AGetRole%22%2C%22Resource%22%3A%22arn%3Aaws%3Aiam%3A%3A1%3Arole/a%2Bb%22%7D%5D%7D"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void equivalent(String why, String a, String b) {
    assertThat(PolicyDocuments.equivalent(a, b)).as(why).isTrue();
    assertThat(PolicyDocuments.equivalent(b, a)).as(why + " (symmetric)").isTrue();
  }

  static Stream<Arguments> different() {
    return Stream.of(
        Arguments.of("sub widened with StringLike repo:my-org/*", TRUST, WIDENED),
        Arguments.of("another subject", TRUST, TRUST.replace("production", "staging")),
        Arguments.of(
            "aud check missing",
            TRUST,
            TRUST.replace(
                "\"token.actions.githubusercontent.com:aud\":\"sts.amazonaws.com\",", "")),
        Arguments.of(
            "sub check in StringLike instead of StringEquals, same value",
            TRUST,
            WIDENED.replace("repo:my-org/*", "repo:my-org/my-app:environment:production")),
        Arguments.of(
            "an extra condition value",
            TRUST,
            TRUST.replace(
                "\"repo:my-org/my-app:environment:production\"",
                "[\"repo:my-org/my-app:environment:production\",\"repo:evil/app:environment:production\"]")),
        Arguments.of("Allow became Deny", TRUST, TRUST.replace("Allow", "Deny")),
        Arguments.of(
            "an extra action",
            """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}
            """,
            """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"}]}
            """),
        Arguments.of(
            "Action versus NotAction",
            """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}
            """,
            """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"s3:GetObject","Resource":"*"}]}
            """),
        Arguments.of(
            "an extra statement",
            """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}
            """,
            """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
              {"Effect":"Allow","Action":"iam:*","Resource":"*"}]}
            """),
        Arguments.of("another version", TRUST, TRUST.replace("2012-10-17", "2008-10-17")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void different(String why, String a, String b) {
    assertThat(PolicyDocuments.equivalent(a, b)).as(why).isFalse();
    assertThat(PolicyDocuments.equivalent(b, a)).as(why + " (symmetric)").isFalse();
  }

  @Test
  void notADocumentIsRejectedByParseAndDiffersFromEveryDocumentWhenLenient() {
    assertThatThrownBy(() -> PolicyDocuments.parse("%7B%22Version%22"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PolicyDocuments.parse("[]")).hasMessageContaining("JSON object");
    assertThat(
            PolicyDocuments.equivalent(
                PolicyDocuments.parseLenient("{\"Version\""), PolicyDocuments.parse(TRUST)))
        .isFalse();
  }

  @Test
  void missingDocumentEqualsOnlyAMissingDocument() {
    assertThat(PolicyDocuments.equivalent(null, PolicyDocuments.parse(TRUST))).isFalse();
    assertThat(PolicyDocuments.equivalent((com.fasterxml.jackson.databind.JsonNode) null, null))
        .isTrue();
  }
}
