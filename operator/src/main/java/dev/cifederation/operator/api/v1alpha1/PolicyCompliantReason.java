package dev.cifederation.operator.api.v1alpha1;

/**
 * Reasons of the {@link ConditionType#PolicyCompliant} condition: {@link #Compliant}, or the first
 * rule of the CIFederationPolicy (or of the operator's default) the identity breaks.
 */
public enum PolicyCompliantReason implements Reason {
  /** Every policy that selects the namespace (or the operator's default) allows the identity. */
  Compliant,
  /**
   * No CIFederationPolicy selects the namespace: default deny. (With the operator's single-team
   * switch, identities there are Compliant and the message names the switch.)
   */
  NoPolicySelects,
  /** spec.aws.roleName matches none of the roleNames of a policy granting the account. */
  RoleNameNotAllowed,
  /**
   * A managed policy ARN matches none of the managedPolicyArns of a policy granting the account.
   */
  ManagedPolicyNotAllowed,
  /**
   * A privileged AWS-managed policy (AdministratorAccess, …) that no selecting policy lists by its
   * exact ARN.
   */
  PrivilegedManagedPolicy,
  /** spec.repository matches none of the policy's repository patterns. */
  RepositoryNotAllowed,
  /** The subject selector is not among the policy's subjects (pullRequest: only when listed). */
  SubjectNotAllowed,
  /** spec.aws.accountId is not among the policy's accounts. */
  AccountNotAllowed,
  /** The policy requires a permissions boundary that spec.aws.permissionsBoundaryArn lacks. */
  PermissionsBoundaryRequired,
  /** spec.aws.maxSessionDuration is above the policy's cap. */
  SessionDurationAboveCap,
  /** The inline policy allows an action the policy forbids. */
  ForbiddenAction,
  /** spec.gcp.projectId is not among the policy's projects. */
  ProjectNotAllowed,
  /** spec.gcp.serviceAccount matches none of the policy's service-account patterns. */
  ServiceAccountNotAllowed,
  /** spec.azure.subscriptionId is not among the policy's subscriptions. */
  SubscriptionNotAllowed,
  /** A role assignment's scope is outside the policy's scopes. */
  ScopeNotAllowed,
  /**
   * A role assignment names a role the policy forbids, by name or by definition ID; or a role the
   * operator could not resolve in Azure to decide.
   */
  ForbiddenRole
}
