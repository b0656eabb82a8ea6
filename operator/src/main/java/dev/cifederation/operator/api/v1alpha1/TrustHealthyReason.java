package dev.cifederation.operator.api.v1alpha1;

/**
 * Reasons of the {@link ConditionType#TrustHealthy} condition: {@link #NoFindings}, or the rule of
 * the worst finding. The rule names are the {@code rule} of {@link Finding}s; the README's
 * Guardrails section lists each with its severity and fix.
 */
public enum TrustHealthyReason implements Reason {
  /** Neither the spec nor the live clouds show an unsafe trust condition. */
  NoFindings,
  // trust lint rules (package guard)
  WildcardSubject,
  MissingSubject,
  PullRequestSubject,
  MissingAudience,
  WildcardAudience,
  PoolWideBinding,
  OverBroadPermissions,
  MissingAttributeCondition,
  SetOperatorOnSingleValuedKey,
  NonStandardAzureAudience,
  UnpinnedReusableWorkflow,
  SessionDurationAbovePolicy,
  UnneededStringLike,
  UnmatchableSubject,
  ForeignIssuerKey,
  SubjectTemplateMismatch,
  UntrustedTrigger,
  UnprotectedTrigger,
  FeatureBranchSubject,
  // findings the Azure adapter reports on what it reads
  ForeignFederatedCredential,
  UndeclaredRoleAssignment,
  IdentityLocationMismatch,
  RoleGrantedOutsideOperator,
  /** A finding whose rule this version does not list (kept closed rather than free text). */
  OtherFinding
}
