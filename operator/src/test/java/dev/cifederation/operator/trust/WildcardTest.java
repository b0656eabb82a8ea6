package dev.cifederation.operator.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The union of what the operator's former matchers did — IAM's StringLike and action patterns
 * (AwsTrustEvaluator), the guardrails' globs, the adapters' adoption grants — in one table: which
 * characters are wildcards in which syntax, what a star crosses, case, and text taken literally.
 */
class WildcardTest {

  static Stream<Arguments> table() {
    return Stream.of(
        // IAM: * any run, across : / and line breaks, none included; ? exactly one character
        row("iam", "repo:org/*", "repo:org/app:ref:refs/heads/main", true),
        row("iam", "repo:org/*", "repo:org/", true),
        row("iam", "a*", "a\nb", true),
        row("iam", "*", "", true),
        row("iam", "", "", true),
        row("iam", "", "x", false),
        row("iam", "repo:org/app:ref:refs/heads/v?", "repo:org/app:ref:refs/heads/v1", true),
        row("iam", "repo:org/app:ref:refs/heads/v?", "repo:org/app:ref:refs/heads/v10", false),
        row("iam", "v?", "v", false),
        row("iam", "?", "\n", true),
        // anchored at both ends, and nothing is a regex
        row("iam", "repo:org/app", "repo:org/app:pull_request", false),
        row("iam", "repo:org/app", "x-repo:org/app", false),
        row("iam", "a.b", "axb", false),
        row("iam", "[ab]", "a", false),
        row("iam", "a\\E.*", "a\\E.*", true),
        // case: exact unless asked (IAM actions, Azure resource IDs)
        row("iam", "Repo:*", "repo:x", false),
        row("iam ignoring case", "sts:AssumeRole*", "STS:assumerolewithwebidentity", true),
        row("iam ignoring case", "iam:pass?ole", "IAM:PassRole", true),
        // stars alone (adoption grants): ? is itself
        row("stars", "projects/1?3/*", "projects/123/x", false),
        row("stars", "projects/1?3/*", "projects/1?3/x", true),
        row(
            "stars",
            "arn:aws:iam::123456789012:role/ci-*",
            "arn:aws:iam::123456789012:role/ci-a",
            true),
        row(
            "stars",
            "arn:aws:iam::123456789012:role/ci-*",
            "arn:aws:iam::123456789012:role/cd",
            false),
        row(
            "stars ignoring case",
            "/subscriptions/0000/*/deploy",
            "/SUBSCRIPTIONS/0000/rg/Deploy",
            true),
        row("stars", "/subscriptions/0000/*/deploy", "/SUBSCRIPTIONS/0000/rg/Deploy", false));
  }

  private static Arguments row(String syntax, String pattern, String text, boolean matches) {
    return Arguments.of(syntax, pattern, text, matches);
  }

  @ParameterizedTest(name = "{0}: {1} ~ {2} → {3}")
  @MethodSource("table")
  void matches(String syntax, String pattern, String text, boolean expected) {
    Wildcard wildcard =
        syntax.startsWith("iam") ? Wildcard.iam(pattern) : Wildcard.starsOnly(pattern);
    if (syntax.endsWith("ignoring case")) {
      wildcard = wildcard.ignoringCase();
    }
    assertThat(wildcard.matches(text)).isEqualTo(expected);
  }

  @Test
  void aResolvedPolicyVariableIsLiteral() {
    Wildcard pattern = Wildcard.iam("repo:*:environment:").followedBy(Wildcard.literal("prod*?"));
    assertThat(pattern.matches("repo:org/app:environment:prod*?")).isTrue();
    assertThat(pattern.matches("repo:org/app:environment:production")).isFalse();
    assertThat(Wildcard.literal("*").matches("x")).isFalse();
    assertThat(Wildcard.hasWildcard("repo:org/*")).isTrue();
    assertThat(Wildcard.hasWildcard("v?")).isTrue();
    assertThat(Wildcard.hasWildcard("repo:org/app")).isFalse();
  }

  @ParameterizedTest
  @CsvSource({
    "*, iam:*, true",
    "iam:Pass*, iam:PassRole, true",
    "iam:Get*, iam:PassRole, false",
    "s3:*, iam:*, false",
    "repo:*/*, repo:*:pull_request, true",
    "repo:org/app:ref:refs/tags/v1, repo:*:pull_request, false",
    // string-wise a tag pattern overlaps (tag v1:pull_request); TrustLint pins the repository first
    "repo:org/app:ref:refs/tags/v*, repo:*:pull_request, true",
    "IAM:passrole, iam:PassRole, true",
  })
  void overlaps(String first, String second, boolean expected) {
    assertThat(Wildcard.iam(first).ignoringCase().overlaps(Wildcard.iam(second)))
        .isEqualTo(expected);
    assertThat(Wildcard.iam(second).ignoringCase().overlaps(Wildcard.iam(first)))
        .as("symmetric")
        .isEqualTo(expected);
  }

  @Test
  void aPatternOfTwoHundredThousandStarsNeitherOverflowsTheStackNorTakesLong() {
    String stars = "i" + "*".repeat(200_000);
    String text = "i" + "a".repeat(200_000) + "b";
    assertTimeoutPreemptively(
        Duration.ofSeconds(5),
        () -> {
          assertThat(Wildcard.iam(stars).matches(text)).isTrue();
          assertThat(Wildcard.iam(stars + "c").matches(text)).isFalse();
          assertThat(Wildcard.iam(stars).overlaps(Wildcard.iam("iam:PassRole"))).isTrue();
          assertThat(Wildcard.iam(stars).overlaps(Wildcard.iam("s3:GetObject"))).isFalse();
          assertThat(Wildcard.iam(stars + "x").overlaps(Wildcard.iam("*y"))).isFalse();
        });
  }

  @Test
  void alternatingStarsAndLettersStayIterative() {
    // the shape that makes backtracking matchers exponential: a*a*a*…b against aaaa…
    String pattern = "a*".repeat(2_000) + "b";
    String text = "a".repeat(4_000);
    assertTimeoutPreemptively(
        Duration.ofSeconds(5),
        () -> {
          assertThat(Wildcard.iam(pattern).matches(text)).isFalse();
          assertThat(Wildcard.iam(pattern).overlaps(Wildcard.iam(text))).isFalse();
          assertThat(Wildcard.iam(pattern).overlaps(Wildcard.iam(text + "b"))).isTrue();
        });
  }
}
