package dev.cifederation.operator.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.Finding;
import dev.cifederation.operator.api.v1alpha1.GitHubClaim;
import dev.cifederation.operator.api.v1alpha1.IssuerDialect;
import dev.cifederation.operator.api.v1alpha1.Severity;
import dev.cifederation.operator.api.v1alpha1.SubjectFormat;
import dev.cifederation.operator.api.v1alpha1.SubjectMigrationPhase;
import dev.cifederation.operator.api.v1alpha1.SubjectTemplate;
import dev.cifederation.operator.trust.CompiledTrust;
import dev.cifederation.operator.trust.IssuerInfo;
import dev.cifederation.operator.trust.LiveTrust;
import dev.cifederation.operator.trust.TrustCompiler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every rule of the trust lint with at least one trust it must flag and one it must pass, in the
 * shape the clouds return trust (the compiled trust is rendered into the same shape).
 */
class TrustLintTest {

  private static final String GH = "token.actions.githubusercontent.com";
  private static final String SUB = "repo:my-org/my-app:environment:production";
  private static final String SAFE_CONDITION =
      "{\"StringEquals\": {\""
          + GH
          + ":aud\": \"sts.amazonaws.com\", \""
          + GH
          + ":sub\": \""
          + SUB
          + "\"}}";
  private static final String POOL =
      "projects/123/locations/global/workloadIdentityPools/ci-federation";
  private static final TrustLint.Limits CAP_1H =
      new TrustLint.Limits(Optional.of(Duration.ofHours(1)));

  /** A rule, a trust, and whether the rule must fire on it. */
  static Stream<Arguments> table() {
    return Stream.of(
        // ------------------------------------------------------------------- WildcardSubject
        flags(Rule.WildcardSubject, "org wildcard", aws(like("repo:my-org/*"))),
        flags(Rule.WildcardSubject, "any repository", aws(like("repo:*"))),
        flags(Rule.WildcardSubject, "repo:*/* is not a pinned repository", aws(like("repo:*/*"))),
        flags(Rule.WildcardSubject, "GitLab group wildcard", aws(like("project_path:my-group/*"))),
        flags(
            Rule.WildcardSubject, "prefix of a repository name", aws(like("repo:my-org/my-app*"))),
        flags(
            Rule.WildcardSubject,
            "a later value of a multi-value condition",
            aws(likeValues("repo:my-org/my-app:ref:refs/heads/main", "repo:my-org/*"))),
        flags(
            Rule.WildcardSubject,
            "a second statement",
            awsStatements(statement(SAFE_CONDITION), statement(like("*")))),
        flags(
            Rule.WildcardSubject,
            "GCP condition pinning only the owner",
            gcp("assertion.repository_owner == 'my-org'", principal(SUB))),
        flags(
            Rule.WildcardSubject,
            "GCP binding to every repository of an owner",
            gcp(
                safeCel(),
                POOL.replace("projects", "principalSet://iam.googleapis.com/projects")
                    + "/attribute.repository_owner/my-org")),
        passes(Rule.WildcardSubject, "exact subject", aws(SAFE_CONDITION)),
        passes(
            Rule.WildcardSubject,
            "branch pattern inside one repository",
            aws(likeValues("repo:my-org/my-app:ref:refs/heads/release-*"))),
        passes(
            Rule.WildcardSubject,
            "GCP condition pinning the repository",
            gcp(safeCel(), principal(SUB))),
        // -------------------------------------------------------------------- MissingSubject
        flags(Rule.MissingSubject, "aud only", aws(equalsAud())),
        flags(
            Rule.MissingSubject,
            "sub only under StringNotEquals",
            aws(
                "{\"StringEquals\": {\""
                    + GH
                    + ":aud\": \"sts.amazonaws.com\"}, \"StringNotEquals\": {\""
                    + GH
                    + ":sub\": \"x\"}}")),
        flags(
            Rule.MissingSubject,
            "no condition at all",
            awsStatements(
                "{\"Effect\": \"Allow\", \"Principal\": {\"Federated\": \"arn:aws:iam::123456789012:oidc-provider/"
                    + GH
                    + "\"}, \"Action\": \"sts:AssumeRoleWithWebIdentity\"}")),
        passes(Rule.MissingSubject, "sub with StringEquals", aws(SAFE_CONDITION)),
        // ---------------------------------------------------------------- PullRequestSubject
        flags(
            Rule.PullRequestSubject,
            "AWS exact",
            aws(equalsSub("repo:my-org/my-app:pull_request"))),
        flags(
            Rule.PullRequestSubject,
            "AWS any ref of the repository",
            aws(like("repo:my-org/my-app:*"))),
        flags(Rule.PullRequestSubject, "AWS any repository", aws(like("repo:*"))),
        flags(
            Rule.PullRequestSubject,
            "GCP principal",
            gcp(safeCel(), principal("repo:my-org/my-app:pull_request"))),
        flags(
            Rule.PullRequestSubject,
            "Azure subject",
            azure("repo:my-org/my-app:pull_request", "api://AzureADTokenExchange")),
        passes(Rule.PullRequestSubject, "environment", aws(SAFE_CONDITION)),
        passes(
            Rule.PullRequestSubject,
            "tag pattern",
            aws(like("repo:my-org/my-app:ref:refs/tags/v*"))),
        passes(
            Rule.PullRequestSubject, "Azure environment", azure(SUB, "api://AzureADTokenExchange")),
        // ------------------------------------------------------------------- MissingAudience
        flags(
            Rule.MissingAudience,
            "sub only",
            aws("{\"StringEquals\": {\"" + GH + ":sub\": \"" + SUB + "\"}}")),
        flags(
            Rule.MissingAudience,
            "aud only under ForAllValues (true when absent)",
            aws(
                "{\"StringEquals\": {\""
                    + GH
                    + ":sub\": \""
                    + SUB
                    + "\"}, \"ForAllValues:StringEquals\": {\""
                    + GH
                    + ":aud\": \"sts.amazonaws.com\"}}")),
        passes(Rule.MissingAudience, "aud and sub", aws(SAFE_CONDITION)),
        // ------------------------------------------------------------------ WildcardAudience
        flags(
            Rule.WildcardAudience,
            "aud pattern",
            aws(
                "{\"StringEquals\": {\""
                    + GH
                    + ":sub\": \""
                    + SUB
                    + "\"}, \"StringLike\": {\""
                    + GH
                    + ":aud\": \"*\"}}")),
        passes(Rule.WildcardAudience, "exact aud", aws(SAFE_CONDITION)),
        // ------------------------------------------------------------------- PoolWideBinding
        flags(
            Rule.PoolWideBinding,
            "whole pool",
            gcp(safeCel(), "principalSet://iam.googleapis.com/" + POOL + "/*")),
        passes(Rule.PoolWideBinding, "one subject", gcp(safeCel(), principal(SUB))),
        // -------------------------------------------------------------- OverBroadPermissions
        flags(
            Rule.OverBroadPermissions,
            "Action *",
            awsInline(
                "{\"Version\": \"2012-10-17\", \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}}")),
        flags(
            Rule.OverBroadPermissions,
            "iam:* among others",
            awsInline(
                "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": [\"s3:GetObject\", \"iam:*\"], \"Resource\": \"*\"}]}")),
        flags(
            Rule.OverBroadPermissions,
            "NotAction",
            awsInline(
                "{\"Statement\": [{\"Effect\": \"Allow\", \"NotAction\": \"s3:DeleteBucket\", \"Resource\": \"*\"}]}")),
        flags(
            Rule.OverBroadPermissions,
            "AdministratorAccess",
            new LiveTrust.Aws(
                "role",
                policy(SAFE_CONDITION),
                Map.of(),
                Set.of("arn:aws:iam::aws:policy/AdministratorAccess"),
                Optional.empty())),
        passes(
            Rule.OverBroadPermissions,
            "narrow grant",
            awsInline(
                "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": [\"s3:PutObject\", \"iam:GetRole\"], \"Resource\": \"arn:aws:s3:::b/*\"}]}")),
        passes(
            Rule.OverBroadPermissions,
            "Deny *",
            awsInline(
                "{\"Statement\": [{\"Effect\": \"Deny\", \"Action\": \"*\", \"Resource\": \"*\"}]}")),
        // -------------------------------------------------------- MissingAttributeCondition
        flags(Rule.MissingAttributeCondition, "no condition", gcp(null, principal(SUB))),
        flags(Rule.MissingAttributeCondition, "condition on no claim", gcp("true", principal(SUB))),
        passes(Rule.MissingAttributeCondition, "pinned condition", gcp(safeCel(), principal(SUB))),
        // ------------------------------------------------------ SetOperatorOnSingleValuedKey
        flags(
            Rule.SetOperatorOnSingleValuedKey,
            "ForAnyValue on sub",
            aws(
                "{\"StringEquals\": {\""
                    + GH
                    + ":aud\": \"sts.amazonaws.com\"}, \"ForAnyValue:StringEquals\": {\""
                    + GH
                    + ":sub\": \""
                    + SUB
                    + "\"}}")),
        passes(
            Rule.SetOperatorOnSingleValuedKey,
            "ForAnyValue on the multi-valued amr",
            aws(
                "{\"StringEquals\": {\""
                    + GH
                    + ":aud\": \"sts.amazonaws.com\", \""
                    + GH
                    + ":sub\": \""
                    + SUB
                    + "\"}, \"ForAnyValue:StringLike\": {\""
                    + GH
                    + ":amr\": \"authenticated\"}}")),
        // ---------------------------------------------------------- NonStandardAzureAudience
        flags(Rule.NonStandardAzureAudience, "another audience", azure(SUB, "api://other")),
        passes(
            Rule.NonStandardAzureAudience,
            "token exchange audience",
            azure(SUB, "api://AzureADTokenExchange")),
        // ---------------------------------------------------------- UnpinnedReusableWorkflow
        flags(
            Rule.UnpinnedReusableWorkflow,
            "feature branch",
            aws(
                equalsSub(
                    "repo:my-org/my-app:job_workflow_ref:my-org/shared/.github/workflows/deploy.yml@refs/heads/feature"))),
        flags(
            Rule.UnpinnedReusableWorkflow,
            "job_workflow_ref key at any ref",
            aws(
                "{\"StringEquals\": {\""
                    + GH
                    + ":aud\": \"sts.amazonaws.com\", \""
                    + GH
                    + ":sub\": \""
                    + SUB
                    + "\"}, \"StringLike\": {\""
                    + GH
                    + ":job_workflow_ref\": \"my-org/shared/.github/workflows/deploy.yml@*\"}}")),
        flags(
            Rule.UnpinnedReusableWorkflow,
            "Azure subject on a side branch",
            azure(
                "repo:my-org/my-app:job_workflow_ref:my-org/shared/.github/workflows/d.yml@refs/heads/dev",
                "api://AzureADTokenExchange")),
        passes(
            Rule.UnpinnedReusableWorkflow,
            "main",
            aws(
                equalsSub(
                    "repo:my-org/my-app:job_workflow_ref:my-org/shared/.github/workflows/deploy.yml@refs/heads/main"))),
        passes(
            Rule.UnpinnedReusableWorkflow,
            "commit SHA",
            gcp(
                safeCel(),
                principal(
                    "repo:my-org/my-app:job_workflow_ref:my-org/shared/.github/workflows/d.yml@0123456789abcdef0123456789abcdef01234567"))),
        // -------------------------------------------------------------- FeatureBranchSubject
        flags(
            Rule.FeatureBranchSubject,
            "Azure credential for feature/login",
            azure("repo:my-org/my-app:ref:refs/heads/feature/login", "api://AzureADTokenExchange")),
        flags(
            Rule.FeatureBranchSubject,
            "AWS sub on a develop branch",
            aws(equalsSub("repo:my-org/my-app:ref:refs/heads/develop"))),
        flags(
            Rule.FeatureBranchSubject,
            "AWS pattern over every branch",
            aws(like("repo:my-org/my-app:ref:refs/heads/*"))),
        flags(
            Rule.FeatureBranchSubject,
            "a pattern starting with main admits main-hotfix",
            aws(like("repo:my-org/my-app:ref:refs/heads/main*"))),
        flags(
            Rule.FeatureBranchSubject,
            "GitLab branch ref",
            aws(equalsSub("project_path:my-group/my-app:ref_type:branch:ref:wip"))),
        flags(
            Rule.FeatureBranchSubject,
            "GCP principal on a feature branch",
            gcp(safeCel(), principal("repo:my-org/my-app:ref:refs/heads/feature/x"))),
        passes(
            Rule.FeatureBranchSubject,
            "main",
            azure("repo:my-org/my-app:ref:refs/heads/main", "api://AzureADTokenExchange")),
        passes(
            Rule.FeatureBranchSubject,
            "trunk",
            aws(equalsSub("repo:my-org/my-app:ref:refs/heads/trunk"))),
        passes(
            Rule.FeatureBranchSubject,
            "release branches by pattern",
            aws(like("repo:my-org/my-app:ref:refs/heads/release/*"))),
        passes(
            Rule.FeatureBranchSubject,
            "GitLab main",
            aws(equalsSub("project_path:my-group/my-app:ref_type:branch:ref:main"))),
        passes(
            Rule.FeatureBranchSubject,
            "an environment",
            aws(equalsSub("repo:my-org/my-app:environment:production"))),
        passes(
            Rule.FeatureBranchSubject,
            "a tag",
            aws(equalsSub("repo:my-org/my-app:ref:refs/tags/v1"))),
        passes(
            Rule.FeatureBranchSubject,
            "a reusable workflow on a side branch is UnpinnedReusableWorkflow's, not this rule's",
            azure(
                "repo:my-org/my-app:job_workflow_ref:my-org/shared/.github/workflows/d.yml@refs/heads/dev",
                "api://AzureADTokenExchange")),
        // -------------------------------------------------------- SessionDurationAbovePolicy
        flags(Rule.SessionDurationAbovePolicy, "4h over a 1h cap", awsSession(Duration.ofHours(4))),
        passes(Rule.SessionDurationAbovePolicy, "1h at a 1h cap", awsSession(Duration.ofHours(1))),
        // ---------------------------------------------------------------- UnneededStringLike
        flags(Rule.UnneededStringLike, "StringLike with an exact value", aws(likeValues(SUB))),
        passes(Rule.UnneededStringLike, "StringEquals", aws(SAFE_CONDITION)),
        // ----------------------------------------------- subjects of the other CI systems
        passes(
            Rule.WildcardSubject,
            "CircleCI: every user of one project",
            awsFor(CIRCLE, like(CIRCLE, "org/" + UUID + "/project/" + UUID + "/user/*"))),
        passes(
            Rule.WildcardSubject,
            "Buildkite: every commit and step of one pipeline's main",
            awsFor(
                BUILDKITE,
                like(
                    BUILDKITE,
                    "organization:acme:pipeline:app:ref:refs/heads/main:commit:*:step:*"))),
        flags(
            Rule.WildcardSubject,
            "Buildkite: every pipeline of an organisation",
            awsFor(BUILDKITE, like(BUILDKITE, "organization:acme:pipeline:*"))),
        // ---------------------------------------------------------------- UnmatchableSubject
        flags(
            Rule.UnmatchableSubject,
            "a literal '*' under StringEquals",
            aws(equalsSub("repo:my-org/my-app:*"))),
        flags(
            Rule.UnmatchableSubject,
            "a GitHub subject under CircleCI's provider",
            awsFor(CIRCLE, equalsFor(CIRCLE, "repo:my-org/my-app:ref:refs/heads/main"))),
        flags(
            Rule.UnmatchableSubject,
            "a GitLab subject on a GitHub federated credential",
            azure("project_path:my-group/my-app:ref_type:branch:ref:main", AZURE_AUDIENCE)),
        passes(Rule.UnmatchableSubject, "the exact subject", aws(SAFE_CONDITION)),
        passes(
            Rule.UnmatchableSubject,
            "a GitHub custom-template subject",
            aws(equalsSub("job_workflow_ref:my-org/shared/.github/workflows/d.yml@refs/tags/v1"))),
        passes(
            Rule.UnmatchableSubject,
            "HCP Terraform's subject",
            awsFor(
                TERRAFORM,
                equalsFor(TERRAFORM, "organization:o:project:p:workspace:w:run_phase:apply"))),
        // ------------------------------------------------------------------ ForeignIssuerKey
        flags(
            Rule.ForeignIssuerKey,
            "an enterprise issuer's key under the plain host's provider",
            aws(
                "{\"StringEquals\": {\""
                    + GH
                    + ":aud\": \"sts.amazonaws.com\", \""
                    + GH
                    + "/my-enterprise:sub\": \""
                    + SUB
                    + "\"}}")),
        passes(Rule.ForeignIssuerKey, "the provider's own keys", aws(SAFE_CONDITION)),
        // ------------------------------------------------------------------ UntrustedTrigger
        flags(
            Rule.UntrustedTrigger,
            "Buildkite: any ref",
            awsFor(BUILDKITE, like(BUILDKITE, "organization:acme:pipeline:app:ref:*"))),
        passes(
            Rule.UntrustedTrigger,
            "Buildkite: main only",
            awsFor(
                BUILDKITE,
                like(
                    BUILDKITE,
                    "organization:acme:pipeline:app:ref:refs/heads/main:commit:*:step:*"))),
        // ---------------------------------------------------------------- UnprotectedTrigger
        flags(
            Rule.UnprotectedTrigger,
            "HCP Terraform: the plan phase (speculative plans of pull requests)",
            awsFor(
                TERRAFORM,
                equalsFor(TERRAFORM, "organization:o:project:p:workspace:w:run_phase:plan"))),
        flags(
            Rule.UnprotectedTrigger,
            "CircleCI: every run of a project",
            awsFor(CIRCLE, like(CIRCLE, "org/" + UUID + "/project/" + UUID + "/user/*"))),
        passes(
            Rule.UnprotectedTrigger,
            "HCP Terraform: the apply phase",
            awsFor(
                TERRAFORM,
                equalsFor(TERRAFORM, "organization:o:project:p:workspace:w:run_phase:apply"))),
        // ------------------------------------------ UntrustedTrigger of a self-hosted issuer
        // (the CI system is known from the identity's issuer, not from a SaaS host)
        flagsUnder(
            JENKINS,
            Rule.UntrustedTrigger,
            "Jenkins: a multibranch pull-request job (GitHub/Bitbucket Branch Source: PR-N)",
            awsFor(JENKINS_HOST, equalsFor(JENKINS_HOST, JENKINS_JOB + "PR-5/"))),
        flagsUnder(
            JENKINS,
            Rule.UntrustedTrigger,
            "Jenkins: a merge-request job (GitLab Branch Source: MR-N)",
            awsFor(JENKINS_HOST, equalsFor(JENKINS_HOST, JENKINS_JOB + "MR-12-merge/"))),
        passesUnder(
            JENKINS,
            Rule.UntrustedTrigger,
            "Jenkins: the main branch's job",
            awsFor(JENKINS_HOST, equalsFor(JENKINS_HOST, JENKINS_JOB + "main/"))),
        // ------------------------------------------------------------ SubjectTemplateMismatch
        flagsUnder(
            IMMUTABLE,
            Rule.SubjectTemplateMismatch,
            "a name-based subject where the issuer declares ImmutableIds",
            aws(SAFE_CONDITION)),
        flagsUnder(
            IMMUTABLE,
            Rule.SubjectTemplateMismatch,
            "a name-based pattern where the issuer declares ImmutableIds",
            aws(likeValues("repo:my-org/my-app:ref:refs/heads/release-*"))),
        flagsUnder(
            DEFAULT_TEMPLATE,
            Rule.SubjectTemplateMismatch,
            "a job_workflow_ref subject under the default template",
            aws(equalsSub("repo:my-org/my-app:job_workflow_ref:" + WORKFLOW))),
        flagsUnder(
            REPO_AND_WORKFLOW,
            Rule.SubjectTemplateMismatch,
            "the default template's subject under [repo, job_workflow_ref]",
            aws(SAFE_CONDITION)),
        flagsUnder(
            IMMUTABLE,
            Rule.SubjectTemplateMismatch,
            "an Azure federated credential with the name-based subject",
            azure(SUB, AZURE_AUDIENCE)),
        flagsUnder(
            IMMUTABLE,
            Rule.SubjectTemplateMismatch,
            "a GCP condition and principal with the name-based subject",
            gcp(safeCel(), principal(SUB))),
        passesUnder(
            IMMUTABLE,
            Rule.SubjectTemplateMismatch,
            "the immutable subject",
            aws(equalsSub(IMMUTABLE_SUB))),
        passesUnder(
            IMMUTABLE,
            Rule.SubjectTemplateMismatch,
            "an immutable pattern",
            aws(likeValues("repo:my-org@7890/my-app@123456:ref:refs/heads/release-*"))),
        passesUnder(
            DEFAULT_TEMPLATE,
            Rule.SubjectTemplateMismatch,
            "either format where none is declared",
            aws(likeValues(SUB, IMMUTABLE_SUB))),
        passesUnder(
            REPO_AND_WORKFLOW,
            Rule.SubjectTemplateMismatch,
            "a job_workflow_ref subject under [repo, job_workflow_ref]",
            aws(equalsSub("repo:my-org/my-app:job_workflow_ref:" + WORKFLOW))),
        passesUnder(
            MIGRATING,
            Rule.SubjectTemplateMismatch,
            "both subjects in a migration's window, GCP as compiled",
            gcp(
                "assertion.repository == 'my-org/my-app' && (assertion.sub == '"
                    + IMMUTABLE_SUB
                    + "' || assertion.sub == '"
                    + SUB
                    + "')",
                principal(IMMUTABLE_SUB))),
        passesUnder(
            ENTERPRISE,
            Rule.SubjectTemplateMismatch,
            "a trust of another issuer than the declared one",
            aws(SAFE_CONDITION)));
  }

  private static final String IMMUTABLE_SUB =
      "repo:my-org@7890/my-app@123456:environment:production";
  private static final String WORKFLOW = "my-org/shared/.github/workflows/d.yml@refs/heads/main";
  private static final String JENKINS_HOST = "jenkins.example.com/oidc";
  private static final String JENKINS_JOB =
      "https://jenkins.example.com/job/platform/job/deploy-app/job/";
  private static final DeclaredSubjects DEFAULT_TEMPLATE = gitHub("https://" + GH, null, null);
  private static final DeclaredSubjects IMMUTABLE =
      gitHub("https://" + GH, null, SubjectFormat.ImmutableIds);
  private static final DeclaredSubjects REPO_AND_WORKFLOW =
      gitHub("https://" + GH, List.of(GitHubClaim.repo, GitHubClaim.job_workflow_ref), null);
  private static final DeclaredSubjects ENTERPRISE =
      gitHub("https://" + GH + "/my-enterprise", null, SubjectFormat.ImmutableIds);
  private static final DeclaredSubjects JENKINS =
      DeclaredSubjects.of(
          new IssuerInfo(
              "https://" + JENKINS_HOST,
              IssuerDialect.Jenkins,
              IssuerInfo.DEFAULT_AWS_AUDIENCE,
              null,
              IssuerInfo.DEFAULT_AZURE_AUDIENCE));
  private static final DeclaredSubjects MIGRATING = migrating();

  private static DeclaredSubjects gitHub(String url, List<GitHubClaim> keys, SubjectFormat format) {
    SubjectTemplate template = new SubjectTemplate();
    template.setIncludeClaimKeys(keys);
    template.setFormat(format);
    return DeclaredSubjects.of(
        new IssuerInfo(
            url,
            IssuerDialect.GitHub,
            IssuerInfo.DEFAULT_AWS_AUDIENCE,
            null,
            IssuerInfo.DEFAULT_AZURE_AUDIENCE,
            template));
  }

  /** An identity with pinned IDs inside its migration's window. */
  private static DeclaredSubjects migrating() {
    CIFederatedIdentitySpec spec = new CIFederatedIdentitySpec();
    spec.setRepositoryId("123456");
    spec.setOwnerId("7890");
    return DeclaredSubjects.of(
        new IssuerInfo(
            "https://" + GH,
            IssuerDialect.GitHub,
            IssuerInfo.DEFAULT_AWS_AUDIENCE,
            null,
            IssuerInfo.DEFAULT_AZURE_AUDIENCE),
        spec,
        SubjectMigrationPhase.BothSubjects);
  }

  private static final String UUID = "d3a1f25e-0f55-4a0d-9e47-3f0f2b8e2a11";
  private static final String CIRCLE = "oidc.circleci.com/org/" + UUID;
  private static final String BUILDKITE = "agent.buildkite.com";
  private static final String TERRAFORM = "app.terraform.io";
  private static final String AZURE_AUDIENCE = "api://AzureADTokenExchange";

  private static String like(String provider, String sub) {
    return "{\"StringEquals\": {\""
        + provider
        + ":aud\": \"sts.amazonaws.com\"}, \"StringLike\": {\""
        + provider
        + ":sub\": \""
        + sub
        + "\"}}";
  }

  private static String equalsFor(String provider, String sub) {
    return "{\"StringEquals\": {\""
        + provider
        + ":aud\": \"sts.amazonaws.com\", \""
        + provider
        + ":sub\": \""
        + sub
        + "\"}}";
  }

  /** A role trusting the given provider with this condition. */
  private static LiveTrust awsFor(String provider, String condition) {
    return new LiveTrust.Aws(
        "arn:aws:iam::123456789012:role/ci",
        policy(condition).replace("oidc-provider/" + GH, "oidc-provider/" + provider));
  }

  @ParameterizedTest(name = "{0} {1}: {2}")
  @MethodSource("table")
  void rule(
      Rule rule, String verdict, String description, LiveTrust trust, TrustLint.Limits limits) {
    List<Finding> findings = TrustLint.lint(trust, "AWS", limits);
    if (verdict.equals("flags")) {
      assertThat(findings).extracting(Finding::getRule).contains(rule.name());
      Finding finding =
          findings.stream().filter(f -> f.getRule().equals(rule.name())).findFirst().orElseThrow();
      assertThat(finding.getSeverity()).isEqualTo(rule.severity());
      assertThat(finding.getMessage()).contains("Fix: " + rule.fix());
    } else {
      assertThat(findings).extracting(Finding::getRule).doesNotContain(rule.name());
    }
  }

  @Test
  void everyRuleHasAFailingAndAPassingCase() {
    var cases = table().map(Arguments::get).toList();
    for (Rule rule : Rule.values()) {
      assertThat(cases)
          .as(rule + " flagged somewhere")
          .anyMatch(a -> a[0] == rule && a[1].equals("flags"));
      assertThat(cases)
          .as(rule + " passed somewhere")
          .anyMatch(a -> a[0] == rule && a[1].equals("passes"));
      assertThat(rule.reason().name()).isEqualTo(rule.name());
    }
  }

  @Test
  void theGuidesTrustPolicyIsClean() {
    assertThat(TrustLint.lint(aws(SAFE_CONDITION), "AWS", CAP_1H)).isEmpty();
    assertThat(TrustLint.lint(gcp(safeCel(), principal(SUB)), "GCP", CAP_1H)).isEmpty();
    assertThat(TrustLint.lint(azure(SUB, "api://AzureADTokenExchange"), "Azure", CAP_1H)).isEmpty();
  }

  /** Specs of every GitHub template and format, each compiled and linted under its own issuer. */
  static Stream<Arguments> declaredSpecs() {
    return Stream.of(
        Arguments.of("default template", "", "environment: production"),
        Arguments.of("pinned IDs", "repositoryId: \"123456\"\nownerId: \"7890\"", "branch: main"),
        Arguments.of(
            "ImmutableIds declared",
            "repositoryId: \"123456\"\nownerId: \"7890\"\nsubjectTemplate: {format: ImmutableIds}",
            "tag: v1"),
        Arguments.of(
            "a migration's window",
            "repositoryId: \"123456\"\nownerId: \"7890\"\n"
                + "subjectMigration: {dropNamesAfter: \"2999-01-01T00:00:00Z\"}",
            "environment: production"),
        Arguments.of(
            "a migration that has ended",
            "repositoryId: \"123456\"\nownerId: \"7890\"\n"
                + "subjectMigration: {dropNamesAfter: \"2000-01-01T00:00:00Z\"}",
            "environment: production"),
        Arguments.of(
            "[repo, job_workflow_ref]",
            "subjectTemplate: {includeClaimKeys: [repo, job_workflow_ref]}",
            "workflowRef: " + WORKFLOW),
        Arguments.of(
            "[repository_owner_id, repository_id, context]",
            "repositoryId: \"123456\"\nownerId: \"7890\"\nsubjectTemplate:"
                + " {includeClaimKeys: [repository_owner_id, repository_id, context]}",
            "environment: production"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("declaredSpecs")
  void aCompiledTrustAlwaysMatchesItsOwnDeclaration(String name, String extra, String selector)
      throws Exception {
    String yaml =
        "issuerRef: github\nrepository: my-org/my-app\n"
            + extra
            + "\nsubject: {"
            + selector
            + "}\n"
            + "aws: {accountId: \"123456789012\"}\n"
            + "gcp: {projectId: p, projectNumber: \"1\", serviceAccount: sa@p.iam.gserviceaccount.com}\n"
            + "azure: {subscriptionId: s, resourceGroup: rg, location: eastus}\n";
    CIFederatedIdentitySpec spec =
        io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
            yaml, CIFederatedIdentitySpec.class);
    IssuerInfo issuer =
        new IssuerInfo(
            "https://" + GH,
            IssuerDialect.GitHub,
            IssuerInfo.DEFAULT_AWS_AUDIENCE,
            null,
            IssuerInfo.DEFAULT_AZURE_AUDIENCE);
    CompiledTrust trust = new TrustCompiler().compile(issuer, "team-a", "deploy", spec);
    TrustLint.Limits limits =
        TrustLint.Limits.none()
            .declaring(DeclaredSubjects.of(issuer, spec, trust.migrationPhase()));

    for (LiveTrust rendered : SpecTrust.render(trust, spec)) {
      assertThat(TrustLint.lint(rendered, TrustGuard.SPEC, limits))
          .extracting(Finding::getRule)
          .as("%s: %s", name, TrustLint.cloudOf(rendered))
          .doesNotContain(Rule.SubjectTemplateMismatch.name());
    }
  }

  @Test
  void theFindingSaysWhatIsDeclared() {
    List<Finding> findings =
        TrustLint.lint(azure(SUB, AZURE_AUDIENCE), "Azure", CAP_1H.declaring(IMMUTABLE));
    assertThat(findings)
        .filteredOn(f -> f.getRule().equals(Rule.SubjectTemplateMismatch.name()))
        .singleElement()
        .satisfies(
            f ->
                assertThat(f.getMessage())
                    .contains("trusts sub '" + SUB + "'")
                    .contains("[repo, context] in the ImmutableIds format")
                    .contains("declared for https://" + GH));
  }

  @Test
  void celLiteralsAreReadWithTheirEscapes() {
    assertThat(TrustLint.celText("repo:o/r:environment:it\\'s\\x41\\\\"))
        .isEqualTo("repo:o/r:environment:it's" + "A\\");
  }

  @Test
  void theWorstFindingDecidesTheReason() {
    List<Finding> findings =
        TrustLint.lint(
            aws("{\"StringLike\": {\"" + GH + ":sub\": \"repo:my-org/*\"}}"), "AWS", CAP_1H);
    assertThat(TrustGuard.sortedDistinct(findings).get(0).getSeverity())
        .isEqualTo(Severity.Critical);
    assertThat(TrustGuard.reason(findings).name()).isEqualTo("WildcardSubject");
    assertThat(TrustGuard.reason(List.of()).name()).isEqualTo("NoFindings");
  }

  // ------------------------------------------------------------------------------- fixtures

  private static Arguments flags(Rule rule, String description, LiveTrust trust) {
    return Arguments.of(rule, "flags", description, trust, CAP_1H);
  }

  private static Arguments passes(Rule rule, String description, LiveTrust trust) {
    return Arguments.of(rule, "passes", description, trust, CAP_1H);
  }

  /** A case linted with what the identity's issuer declares about its subjects. */
  private static Arguments flagsUnder(
      DeclaredSubjects declared, Rule rule, String description, LiveTrust trust) {
    return Arguments.of(rule, "flags", description, trust, CAP_1H.declaring(declared));
  }

  private static Arguments passesUnder(
      DeclaredSubjects declared, Rule rule, String description, LiveTrust trust) {
    return Arguments.of(rule, "passes", description, trust, CAP_1H.declaring(declared));
  }

  private static String like(String sub) {
    return "{\"StringEquals\": {\""
        + GH
        + ":aud\": \"sts.amazonaws.com\"}, \"StringLike\": {\""
        + GH
        + ":sub\": \""
        + sub
        + "\"}}";
  }

  private static String likeValues(String... subs) {
    return "{\"StringEquals\": {\""
        + GH
        + ":aud\": \"sts.amazonaws.com\"}, \"StringLike\": {\""
        + GH
        + ":sub\": [\""
        + String.join("\", \"", subs)
        + "\"]}}";
  }

  private static String equalsSub(String sub) {
    return "{\"StringEquals\": {\""
        + GH
        + ":aud\": \"sts.amazonaws.com\", \""
        + GH
        + ":sub\": \""
        + sub
        + "\"}}";
  }

  private static String equalsAud() {
    return "{\"StringEquals\": {\"" + GH + ":aud\": \"sts.amazonaws.com\"}}";
  }

  private static String statement(String condition) {
    return "{\"Effect\": \"Allow\", \"Principal\": {\"Federated\": \"arn:aws:iam::123456789012:oidc-provider/"
        + GH
        + "\"}, \"Action\": \"sts:AssumeRoleWithWebIdentity\", \"Condition\": "
        + condition
        + "}";
  }

  private static String policy(String condition) {
    return "{\"Version\": \"2012-10-17\", \"Statement\": [" + statement(condition) + "]}";
  }

  private static LiveTrust aws(String condition) {
    return new LiveTrust.Aws("arn:aws:iam::123456789012:role/ci", policy(condition));
  }

  private static LiveTrust awsStatements(String... statements) {
    return new LiveTrust.Aws(
        "arn:aws:iam::123456789012:role/ci",
        "{\"Version\": \"2012-10-17\", \"Statement\": [" + String.join(", ", statements) + "]}");
  }

  private static LiveTrust awsInline(String inline) {
    return new LiveTrust.Aws(
        "role", policy(SAFE_CONDITION), Map.of("cifederation", inline), Set.of(), Optional.empty());
  }

  private static LiveTrust awsSession(Duration duration) {
    return new LiveTrust.Aws(
        "role", policy(SAFE_CONDITION), Map.of(), Set.of(), Optional.of(duration));
  }

  private static String safeCel() {
    return "assertion.repository == 'my-org/my-app' && assertion.sub == '" + SUB + "'";
  }

  private static String principal(String sub) {
    return "principal://iam.googleapis.com/" + POOL + "/subject/" + sub;
  }

  private static LiveTrust gcp(String condition, String member) {
    return new LiveTrust.Gcp(
        POOL + "/providers/p",
        "https://" + GH,
        List.of(),
        Map.of("google.subject", "assertion.sub"),
        condition,
        List.of(member));
  }

  private static LiveTrust azure(String subject, String audience) {
    return new LiveTrust.Azure(
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i",
        List.of(
            new LiveTrust.FederatedCredential("c", "https://" + GH, subject, List.of(audience))));
  }
}
