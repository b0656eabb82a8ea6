package dev.cifederation.operator.api.v1alpha1;

/** Where a migration to GitHub's immutable-ID subjects stands. */
public enum SubjectMigrationPhase {
  /** Within the window: both the name-based and the immutable-ID subject are admitted. */
  BothSubjects,
  /** The window has passed: only the immutable-ID subject is admitted. */
  ImmutableOnly
}
