package dev.cifederation.operator.api.v1alpha1;

/** How GitHub names the repository in the subject. */
public enum SubjectFormat {
  /** {@code repo:octocat/my-repo:...}: the name-based subject of repositories before 2026-07-15. */
  Names,
  /**
   * {@code repo:octocat@123456/my-repo@456789:...}: the immutable-ID subject, GitHub's default for
   * repositories created or renamed on or after 2026-07-15 and opt-in for older ones.
   */
  ImmutableIds
}
