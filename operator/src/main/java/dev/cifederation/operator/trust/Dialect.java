package dev.cifederation.operator.trust;

import dev.cifederation.operator.api.v1alpha1.IssuerDialect;
import dev.cifederation.operator.api.v1alpha1.SubjectKind;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What one CI system's OIDC tokens look like, as data: the compiler, the lint, {@code simulate},
 * the snippets and the README's subject table all read this table, so adding a CI system is one
 * entry here plus goldens. Each entry follows the provider's published documentation of its token
 * ({@link #documentation()}); the goldens cite the same pages.
 *
 * <p>Subjects are templates over {@code spec.repository} and the selector: {@code <repo>} the whole
 * repository, {@code <0>} {@code <1>} its first and second segment, {@code <jobPath>} the segments
 * joined with {@code /job/} (Jenkins), {@code <root>} the issuer URL without its {@code /oidc}
 * suffix (Jenkins), {@code <value>} the selector's value and {@code <phase>} the run phase. A
 * subject whose {@link Form#rest()} is not empty ends in per-run values (a user, a commit, a step):
 * AWS matches it with {@code StringLike}, GCP maps the stable part to {@code google.subject}, and
 * Azure, which matches exactly, cannot express it.
 *
 * @param id the API value
 * @param ciName the CI system as people call it
 * @param documentation the provider's page documenting its token's claims
 * @param issuerShape the issuer URL, with placeholders in capitals
 * @param repositoryShape what {@code spec.repository} names for this CI system
 * @param repository the exact syntax of {@code spec.repository}
 * @param subjectShape the {@code sub} the CI system issues, for messages
 * @param subjectStart a regular expression every {@code sub} of this CI system starts with, or null
 *     when it depends on the issuer (Jenkins)
 * @param projectPinned a regular expression the literal start of a subject pattern must match for
 *     the pattern to stay within one repository or project; null for GitHub and GitLab, whose
 *     patterns the lint checks by their {@code repo:}/{@code project_path:} prefix
 * @param defaultAwsAudience the {@code aud} the AWS trust checks unless the CIIssuer overrides it:
 *     the value the CI system's documented AWS setup requests
 * @param forms the selectors this CI system's {@code sub} can express, in documentation order
 * @param notExpressible why a selector outside {@link #forms()} cannot be expressed, where worth
 *     saying more than the subject shape
 * @param pins the claims a GCP attribute condition pins besides {@code sub}
 * @param untrusted subjects that admit this CI system's equivalent of a pull request from a fork
 * @param example a repository for documentation and the README table
 * @param markerClaim a claim only this CI system's tokens carry, or null: recognises a token's
 *     dialect when no issuer is given
 */
public record Dialect(
    IssuerDialect id,
    String ciName,
    String documentation,
    String issuerShape,
    String repositoryShape,
    Pattern repository,
    String subjectShape,
    String subjectStart,
    String projectPinned,
    String defaultAwsAudience,
    Map<SubjectKind, Form> forms,
    Map<SubjectKind, String> notExpressible,
    List<Pin> pins,
    List<UntrustedTrigger> untrusted,
    String example,
    String markerClaim) {

  /**
   * One selector's subject: {@code stable + rest}. {@code rest} is empty for an exact subject, or
   * starts with the separator that ends the stable part and holds AWS wildcards for per-run values.
   */
  public record Form(String stable, String rest) {
    public boolean perRun() {
      return !rest.isEmpty();
    }

    /** The text between the stable part and the first per-run wildcard. */
    public String separator() {
      int star = rest.indexOf('*');
      return star < 0 ? rest : rest.substring(0, star);
    }
  }

  /**
   * A claim the GCP condition pins: {@code attribute.<attribute> = assertion[claim]}; {@code
   * project} when pinning it alone confines the trust to one repository or project.
   */
  public record Pin(String claim, String attribute, String value, boolean project) {}

  /**
   * A subject (exact or pattern) that admits a trigger the CI system does not protect, and why;
   * {@code forks} when pull requests from forks (untrusted code) can be among those runs.
   */
  public record UntrustedTrigger(Pattern subject, String why, boolean forks) {}

  public Dialect {
    Objects.requireNonNull(id, "id");
    forms = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(forms));
    notExpressible = Map.copyOf(notExpressible);
    pins = List.copyOf(pins);
    untrusted = List.copyOf(untrusted);
  }

  private static final Pattern OWNER_REPO =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final Pattern PATH =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)+");
  private static final Pattern UUID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Pattern ORG_UUID_PROJECT_UUID =
      Pattern.compile(UUID.pattern() + "/" + UUID.pattern());
  private static final Pattern WORKSPACE_REPO_UUID =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*/" + UUID.pattern());

  private static final Map<IssuerDialect, Dialect> TABLE = new EnumMap<>(IssuerDialect.class);

  static {
    add(
        new Dialect(
            IssuerDialect.GitHub,
            "GitHub Actions",
            "https://docs.github.com/en/actions/reference/security/oidc",
            "https://token.actions.githubusercontent.com",
            "OWNER/REPO",
            OWNER_REPO,
            "repo:OWNER/REPO:environment:NAME | :ref:refs/heads/BRANCH | :ref:refs/tags/TAG |"
                + " :pull_request (default template; a custom template lists its claims)",
            "(" + String.join("|", GitHubSubjects.CLAIM_KEYS) + "):",
            null,
            IssuerInfo.DEFAULT_AWS_AUDIENCE,
            // The default template, [repo, context]; GitHubSubjects renders every template.
            forms(
                SubjectKind.environment,
                "repo:<repo>:environment:<value>",
                "",
                SubjectKind.branch,
                "repo:<repo>:ref:refs/heads/<value>",
                "",
                SubjectKind.tag,
                "repo:<repo>:ref:refs/tags/<value>",
                "",
                SubjectKind.pullRequest,
                "repo:<repo>:pull_request",
                ""),
            Map.of(),
            List.of(new Pin("repository", "repository", "<repo>", true)),
            // pull_request subjects: the lint's own PullRequestSubject rule
            List.of(),
            "my-org/my-app",
            "job_workflow_ref"));
    add(
        new Dialect(
            IssuerDialect.GitLab,
            "GitLab CI",
            "https://docs.gitlab.com/ci/secrets/id_token_authentication/",
            "https://gitlab.com or https://HOST[/PATH]",
            "GROUP[/SUBGROUP...]/PROJECT",
            PATH,
            "project_path:GROUP/PROJECT:ref_type:branch|tag:ref:REF",
            "project_path:",
            null,
            IssuerInfo.DEFAULT_AWS_AUDIENCE,
            forms(
                SubjectKind.branch,
                "project_path:<repo>:ref_type:branch:ref:<value>",
                "",
                SubjectKind.tag,
                "project_path:<repo>:ref_type:tag:ref:<value>",
                ""),
            Map.of(
                SubjectKind.environment,
                "GitLab's sub has no environment (it is project_path:...:ref_type:...:ref:...); use"
                    + " branch or tag, and a protected environment in GitLab",
                SubjectKind.workflowRef,
                "GitLab's sub has no job_workflow_ref; use branch or tag",
                SubjectKind.pullRequest,
                "GitLab's sub has no merge-request form; use branch or tag"),
            List.of(new Pin("project_path", "project_path", "<repo>", true)),
            List.of(),
            "my-group/my-app",
            "project_path"));
    add(
        new Dialect(
            IssuerDialect.CircleCI,
            "CircleCI",
            "https://circleci.com/docs/openid-connect-tokens/",
            "https://oidc.circleci.com/org/ORGANIZATION_ID",
            "ORGANIZATION_ID/PROJECT_ID (CircleCI's UUIDs)",
            ORG_UUID_PROJECT_UUID,
            "org/ORGANIZATION_ID/project/PROJECT_ID/user/USER_ID",
            "org/",
            "org/[^/*?]+/project/[^/*?]+/",
            IssuerInfo.DEFAULT_AWS_AUDIENCE,
            forms(SubjectKind.everyRun, "org/<0>/project/<1>", "/user/*"),
            Map.of(
                SubjectKind.branch,
                "CircleCI's sub names organisation, project and the user who started the job, no"
                    + " branch (org/ORG/project/PROJECT/user/USER); use everyRun: true and restrict"
                    + " the job with a CircleCI context's security group"),
            List.of(new Pin("oidc.circleci.com/project-id", "project_id", "<1>", true)),
            List.of(
                new UntrustedTrigger(
                    Pattern.compile("/user/\\*$"),
                    "CircleCI's sub has no branch: every branch of the project, and forked pull"
                        + " requests when the project passes secrets to forks, get the token",
                    false)),
            "d3a1f25e-0f55-4a0d-9e47-3f0f2b8e2a11/8b8e0f4c-6d4a-4e8a-9a5e-1c2d3e4f5a6b",
            "oidc.circleci.com/project-id"));
    add(
        new Dialect(
            IssuerDialect.Buildkite,
            "Buildkite",
            "https://buildkite.com/docs/pipelines/security/oidc",
            "https://agent.buildkite.com",
            "ORGANIZATION_SLUG/PIPELINE_SLUG",
            OWNER_REPO,
            "organization:ORG:pipeline:PIPELINE:ref:REF:commit:SHA:step:STEP_KEY",
            "organization:",
            "organization:[^:*?]+:pipeline:[^:*?]+:",
            IssuerInfo.DEFAULT_AWS_AUDIENCE,
            forms(
                SubjectKind.branch,
                "organization:<0>:pipeline:<1>:ref:refs/heads/<value>",
                ":commit:*:step:*",
                SubjectKind.tag,
                "organization:<0>:pipeline:<1>:ref:refs/tags/<value>",
                ":commit:*:step:*"),
            Map.of(),
            List.of(
                new Pin("organization_slug", "organization_slug", "<0>", false),
                new Pin("pipeline_slug", "pipeline_slug", "<1>", true)),
            List.of(
                new UntrustedTrigger(
                    Pattern.compile(":ref:(refs/heads/)?\\*"),
                    "a wildcard ref admits builds of any branch, pull requests from forks included",
                    true)),
            "acme-inc/deploy-app",
            "pipeline_slug"));
    add(
        new Dialect(
            IssuerDialect.BitbucketPipelines,
            "Bitbucket Pipelines",
            "https://support.atlassian.com/bitbucket-cloud/docs/integrate-pipelines-with-resource-servers-using-oidc/",
            "https://api.bitbucket.org/2.0/workspaces/WORKSPACE/pipelines-config/identity/oidc",
            "WORKSPACE/REPOSITORY_UUID (without braces)",
            WORKSPACE_REPO_UUID,
            "{REPOSITORY_UUID}[{DEPLOYMENT_ENVIRONMENT_UUID}]:{STEP_UUID}",
            "\\{",
            "\\{[^}*?]+}",
            IssuerInfo.DEFAULT_AWS_AUDIENCE,
            forms(
                SubjectKind.environment,
                "{<1>}{<value>}",
                ":*",
                SubjectKind.everyRun,
                "{<1>}",
                ":*"),
            Map.of(
                SubjectKind.branch,
                "Bitbucket's sub names repository, deployment environment and step, no branch; use"
                    + " environment (a deployment environment's UUID, restricted to branches in"
                    + " Bitbucket)"),
            List.of(new Pin("repositoryUuid", "repository_uuid", "{<1>}", true)),
            List.of(
                new UntrustedTrigger(
                    Pattern.compile("^\\{[^}]*}:\\*$"),
                    "steps outside a deployment environment run on any branch and for pull"
                        + " requests",
                    false)),
            "my-workspace/7c9e6679-7425-40de-944b-e07fc1f90ae7",
            "repositoryUuid"));
    add(
        new Dialect(
            IssuerDialect.AzureDevOps,
            "Azure DevOps Pipelines",
            "https://learn.microsoft.com/en-us/azure/devops/pipelines/library/connect-to-azure",
            "https://vstoken.dev.azure.com/ORGANIZATION_ID",
            "ORGANIZATION/PROJECT",
            OWNER_REPO,
            "sc://ORGANIZATION/PROJECT/SERVICE_CONNECTION",
            "sc://",
            "sc://[^/*?]+/[^/*?]+/",
            IssuerInfo.DEFAULT_AZURE_AUDIENCE,
            forms(SubjectKind.serviceConnection, "sc://<0>/<1>/<value>", ""),
            Map.of(),
            List.of(),
            List.of(),
            "my-org/my-project",
            null));
    add(
        new Dialect(
            IssuerDialect.HCPTerraform,
            "HCP Terraform",
            "https://developer.hashicorp.com/terraform/cloud-docs/workspaces/dynamic-provider-credentials/workload-identity-tokens",
            "https://app.terraform.io (Terraform Enterprise: https://HOST)",
            "ORGANIZATION/PROJECT",
            OWNER_REPO,
            "organization:ORG:project:PROJECT:workspace:WORKSPACE:run_phase:plan|apply",
            "organization:",
            "organization:[^:*?]+:project:[^:*?]+:workspace:[^:*?]+:",
            "aws.workload.identity",
            forms(
                SubjectKind.workspace,
                "organization:<0>:project:<1>:workspace:<value>:run_phase:<phase>",
                ""),
            Map.of(),
            List.of(
                new Pin("terraform_organization_name", "terraform_organization_name", "<0>", false),
                new Pin("terraform_project_name", "terraform_project_name", "<1>", true)),
            List.of(
                new UntrustedTrigger(
                    Pattern.compile(":run_phase:(plan|\\*)$"),
                    "plan runs include speculative plans of pull requests: keep the plan identity"
                        + " read-only",
                    false)),
            "my-org/networking",
            "terraform_run_phase"));
    add(
        new Dialect(
            IssuerDialect.Jenkins,
            "Jenkins (OpenID Connect Provider plugin)",
            "https://plugins.jenkins.io/oidc-provider/",
            "https://JENKINS_ROOT/oidc (folder credentials: https://JENKINS_ROOT/job/FOLDER/oidc)",
            "FOLDER/.../JOB (the job's full name; a multibranch project for branch)",
            PATH,
            "the job URL (default claim template ${JOB_URL}): https://JENKINS_ROOT/job/FOLDER/job/JOB/",
            null,
            "https://[^*?]+/job/[^*?/]+/",
            IssuerInfo.DEFAULT_AWS_AUDIENCE,
            forms(
                SubjectKind.branch,
                "<root>/job/<jobPath>/job/<value>/",
                "",
                SubjectKind.everyRun,
                "<root>/job/<jobPath>/",
                ""),
            Map.of(),
            List.of(),
            // Multibranch projects name a change request's job after it: PR-N (GitHub and
            // Bitbucket Branch Source; PR-N-merge / PR-N-head with both checkout strategies, see
            // https://plugins.jenkins.io/github-branch-source/) or MR-N (GitLab Branch Source,
            // https://plugins.jenkins.io/gitlab-branch-source/).
            List.of(
                new UntrustedTrigger(
                    Pattern.compile("/job/((PR|MR)-[^/]*|\\*)"),
                    "multibranch jobs named PR-N (GitHub, Bitbucket) or MR-N (GitLab) build pull"
                        + " and merge requests, from forks when the project trusts them",
                    true)),
            "platform/deploy-app",
            null));
  }

  private static void add(Dialect dialect) {
    TABLE.put(dialect.id(), dialect);
  }

  private static Map<SubjectKind, Form> forms(Object... kindStableRest) {
    Map<SubjectKind, Form> forms = new LinkedHashMap<>();
    for (int i = 0; i < kindStableRest.length; i += 3) {
      forms.put(
          (SubjectKind) kindStableRest[i],
          new Form((String) kindStableRest[i + 1], (String) kindStableRest[i + 2]));
    }
    return forms;
  }

  /**
   * Whether a subject that starts with this literal text could ever be issued by this CI system:
   * false only when the text already contradicts how every subject of it starts.
   */
  public boolean couldStartWith(String literalPrefix) {
    if (subjectStart == null) {
      return true;
    }
    var matcher = Pattern.compile(subjectStart).matcher(literalPrefix);
    return matcher.lookingAt() || matcher.hitEnd();
  }

  /** The table entry of a dialect; every {@link IssuerDialect} has one. */
  public static Dialect of(IssuerDialect id) {
    Dialect dialect = TABLE.get(Objects.requireNonNull(id, "dialect"));
    if (dialect == null) {
      throw new IllegalStateException("no dialect table entry for " + id);
    }
    return dialect;
  }

  /**
   * The dialect of a token, from its issuer when that is a SaaS CI system's, else from a claim only
   * one CI system issues, else from how its subject starts; GitHub when nothing tells.
   */
  public static Dialect ofToken(
      String iss, java.util.function.Predicate<String> hasClaim, String sub) {
    Optional<Dialect> bySaas = bySaasIssuer(iss);
    if (bySaas.isPresent()) {
      return bySaas.get();
    }
    for (Dialect dialect : TABLE.values()) {
      if (dialect.markerClaim() != null && hasClaim.test(dialect.markerClaim())) {
        return dialect;
      }
    }
    if (sub != null) {
      for (Dialect dialect : TABLE.values()) {
        if (dialect.id() != IssuerDialect.GitHub
            && dialect.subjectStart() != null
            && Pattern.compile(dialect.subjectStart()).matcher(sub).lookingAt()) {
          return dialect;
        }
      }
      if (sub.startsWith("https://")) {
        return of(IssuerDialect.Jenkins);
      }
    }
    return of(IssuerDialect.GitHub);
  }

  /** Every entry, in API order. */
  public static List<Dialect> all() {
    return List.copyOf(TABLE.values());
  }

  /**
   * The dialect whose well-known SaaS issuer this is, for a live trust that names only its issuer
   * (self-hosted GitLab, GitHub Enterprise Server and Jenkins have no fixed host).
   */
  public static Optional<Dialect> bySaasIssuer(String issuerHostAndPath) {
    if (issuerHostAndPath == null) {
      return Optional.empty();
    }
    String host = issuerHostAndPath.replaceFirst("^https://", "");
    IssuerDialect id = null;
    if (host.equals("token.actions.githubusercontent.com")
        || host.startsWith("token.actions.githubusercontent.com/")) {
      id = IssuerDialect.GitHub;
    } else if (host.equals("gitlab.com")) {
      id = IssuerDialect.GitLab;
    } else if (host.startsWith("oidc.circleci.com/org/")) {
      id = IssuerDialect.CircleCI;
    } else if (host.equals("agent.buildkite.com")) {
      id = IssuerDialect.Buildkite;
    } else if (host.startsWith("api.bitbucket.org/2.0/workspaces/")) {
      id = IssuerDialect.BitbucketPipelines;
    } else if (host.startsWith("vstoken.dev.azure.com/")) {
      id = IssuerDialect.AzureDevOps;
    } else if (host.equals("app.terraform.io") || host.equals("app.eu.terraform.io")) {
      id = IssuerDialect.HCPTerraform;
    }
    return Optional.ofNullable(id).map(Dialect::of);
  }
}
