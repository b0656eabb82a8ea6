package dev.cifederation.operator.guard;

import static org.assertj.core.api.Assertions.assertThat;

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
}
