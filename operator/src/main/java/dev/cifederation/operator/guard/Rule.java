package dev.cifederation.operator.guard;

import dev.cifederation.operator.api.v1alpha1.Finding;
import dev.cifederation.operator.api.v1alpha1.Severity;
import dev.cifederation.operator.api.v1alpha1.TrustHealthyReason;

/**
 * The trust lint's rules: the failure modes of the field guide, each with a fixed severity and the
 * fix that goes into every finding's message. The names are the findings' {@code rule} and the
 * TrustHealthy reasons.
 */
public enum Rule {
  WildcardSubject(
      Severity.Critical,
      "pin the subject to one repository: StringEquals on sub with the exact value, e.g."
          + " repo:my-org/my-app:environment:production (one identity per repository)"),
  MissingSubject(
      Severity.Critical,
      "add StringEquals on <issuer>:sub with the exact subject; without it every workflow the"
          + " issuer signs for can assume the role"),
  PullRequestSubject(
      Severity.High,
      "remove the pull_request subject: a pull request, a fork's included, could mint cloud"
          + " credentials; trust an environment or a protected branch instead"),
  MissingAudience(
      Severity.High,
      "add StringEquals on <issuer>:aud (sts.amazonaws.com for AWS), so a token minted for"
          + " another audience cannot be replayed"),
  WildcardAudience(
      Severity.High, "check aud with StringEquals and the exact audience (sts.amazonaws.com)"),
  PoolWideBinding(
      Severity.Critical,
      "bind principal://…/subject/<exact sub> instead of principalSet://…/*, which lets every"
          + " identity of the pool impersonate the service account"),
  OverBroadPermissions(
      Severity.High,
      "grant the actions and resources the pipeline needs (e.g. s3:PutObject on one bucket),"
          + " never *, iam:*, sts:*, NotAction or administrator roles"),
  MissingAttributeCondition(
      Severity.High,
      "set an attribute condition pinning the repository and subject, e.g. assertion.repository"
          + " == 'my-org/my-app' && assertion.sub == '<exact sub>'"),
  SetOperatorOnSingleValuedKey(
      Severity.High,
      "drop ForAllValues/ForAnyValue: sub and aud are single-valued, and ForAllValues is true"
          + " when the key is missing; use plain StringEquals"),
  NonStandardAzureAudience(
      Severity.Medium,
      "use exactly one audience, api://AzureADTokenExchange, on the federated credential"),
  UnpinnedReusableWorkflow(
      Severity.Medium,
      "pin job_workflow_ref to a protected ref: refs/heads/main, a tag (refs/tags/v1) or a"
          + " commit SHA"),
  SessionDurationAbovePolicy(
      Severity.Medium,
      "lower the role's maximum session duration to the policy's cap (spec.aws"
          + ".maxSessionDuration)"),
  UnneededStringLike(
      Severity.Low,
      "use StringEquals: the value has no wildcard, and StringLike invites one later"),
  UnmatchableSubject(
      Severity.High,
      "trust the subject the CI system really issues (see the README's subject table): a '*' under"
          + " StringEquals is literal, and a subject of another shape matches no token, so every"
          + " deploy fails"),
  ForeignIssuerKey(
      Severity.High,
      "condition on <provider>:sub and <provider>:aud with the provider the statement's Federated"
          + " principal names (an issuer with a path, e.g. a GitHub enterprise issuer, has its own"
          + " provider)"),
  SubjectTemplateMismatch(
      Severity.High,
      "trust the subject the declared template yields (the identity's status.subject), or declare"
          + " the template the repository really uses: subjectTemplate.includeClaimKeys and format"
          + " on the CIIssuer or the identity (a repository switching to immutable IDs: use"
          + " spec.subjectMigration)"),
  UntrustedTrigger(
      Severity.High,
      "trust only protected scopes: a deployment environment, a protected branch, the apply phase;"
          + " never what pull requests from forks can trigger"),
  FeatureBranchSubject(
      Severity.Medium,
      "trust a long-lived protected branch (main, master, trunk, release/*), a deployment"
          + " environment or a tag: anyone who can push a branch can run its workflows, so a"
          + " feature branch's token should not reach a deploy role"),
  UnprotectedTrigger(
      Severity.Medium,
      "narrow the subject where the CI system allows it (a deployment environment, a branch, the"
          + " apply phase); where it cannot, restrict in the CI system who may run the job and keep"
          + " the identity's permissions small");

  private final Severity severity;
  private final String fix;

  Rule(Severity severity, String fix) {
    this.severity = severity;
    this.fix = fix;
  }

  public Severity severity() {
    return severity;
  }

  public String fix() {
    return fix;
  }

  /** The condition reason this rule gives TrustHealthy when it is the worst finding. */
  public TrustHealthyReason reason() {
    return TrustHealthyReason.valueOf(name());
  }

  /** A finding of this rule: what is wrong where, then the fix. */
  Finding finding(String where, String problem) {
    return new Finding(name(), severity, where, problem + ". Fix: " + fix);
  }
}
