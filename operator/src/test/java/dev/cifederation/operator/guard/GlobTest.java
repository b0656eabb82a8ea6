package dev.cifederation.operator.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GlobTest {

  @ParameterizedTest
  @CsvSource({
    "repo:org/*, repo:org/app:ref:refs/heads/main, true",
    "repo:org/app:ref:refs/heads/v?, repo:org/app:ref:refs/heads/v1, true",
    "repo:org/app:ref:refs/heads/v?, repo:org/app:ref:refs/heads/v10, false",
    "repo:org/app, repo:org/app:pull_request, false",
  })
  void matches(String pattern, String text, boolean expected) {
    assertThat(Glob.matches(pattern, text, false)).isEqualTo(expected);
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
    assertThat(Glob.overlaps(first, second, true)).isEqualTo(expected);
    assertThat(Glob.overlaps(second, first, true)).as("symmetric").isEqualTo(expected);
  }

  @Test
  void aPatternOfTwoHundredThousandStarsNeitherOverflowsTheStackNorTakesLong() {
    String stars = "i" + "*".repeat(200_000);
    String text = "i" + "a".repeat(200_000) + "b";
    assertTimeoutPreemptively(
        Duration.ofSeconds(5),
        () -> {
          assertThat(Glob.matches(stars, text, true)).isTrue();
          assertThat(Glob.matches(stars + "c", text, true)).isFalse();
          assertThat(Glob.overlaps(stars, "iam:PassRole", true)).isTrue();
          assertThat(Glob.overlaps(stars, "s3:GetObject", true)).isFalse();
          assertThat(Glob.overlaps(stars + "x", "*y", true)).isFalse();
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
          assertThat(Glob.matches(pattern, text, false)).isFalse();
          assertThat(Glob.overlaps(pattern, text, false)).isFalse();
          assertThat(Glob.overlaps(pattern, text + "b", false)).isTrue();
        });
  }
}
