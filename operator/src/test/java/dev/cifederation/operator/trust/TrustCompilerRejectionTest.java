package dev.cifederation.operator.trust;

import static dev.cifederation.operator.testsupport.Specs.NAME;
import static dev.cifederation.operator.testsupport.Specs.NAMESPACE;
import static dev.cifederation.operator.testsupport.Specs.gitHub;
import static dev.cifederation.operator.testsupport.Specs.gitLab;
import static dev.cifederation.operator.testsupport.Specs.spec;
import static dev.cifederation.operator.testsupport.Specs.withAws;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.IssuerDialect;
import dev.cifederation.operator.api.v1alpha1.RunPhase;
import dev.cifederation.operator.api.v1alpha1.SubjectFormat;
import dev.cifederation.operator.api.v1alpha1.SubjectTemplate;
import dev.cifederation.operator.testsupport.Specs;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Specs that cannot be expressed: each is rejected with a message naming the field and rule. */
class TrustCompilerRejectionTest {

  private final TrustCompiler compiler = new TrustCompiler();

  static Stream<Arguments> rejections() {
    return Stream.of(
        rejected(
            "GitLab + environment",
            gitLab(),
            withAws(spec(s -> s.setEnvironment("production"))),
            "spec.subject.environment",
            "GitLab's sub has no environment"),
        rejected(
            "GitLab + workflowRef",
            gitLab(),
            withAws(
                spec(s -> s.setWorkflowRef("org/repo/.github/workflows/x.yml@refs/heads/main"))),
            "spec.subject.workflowRef",
            "no job_workflow_ref"),
        rejected(
            "GitLab + pullRequest",
            gitLab(),
            withAws(spec(s -> s.setPullRequest(true))),
            "spec.subject.pullRequest",
            "no merge-request form"),
        rejected(
            "GitLab + immutable IDs",
            gitLab(),
            withIds(withAws(spec(s -> s.setBranch("main"))), "1", "2"),
            "spec.repositoryId and spec.ownerId",
            "GitHub's immutable-ID form"),
        rejected(
            "GitHub repository with two slashes",
            gitHub(),
            withAws(spec("my-org/group/my-app", s -> s.setBranch("main"))),
            "spec.repository 'my-org/group/my-app'",
            "exactly one '/'"),
        rejected(
            "repository without a slash",
            gitLab(),
            withAws(spec("my-app", s -> s.setBranch("main"))),
            "spec.repository 'my-app'",
            "owner/name"),
        rejected(
            "repository wildcard",
            gitHub(),
            withAws(spec("my-org/*", s -> s.setBranch("main"))),
            "spec.repository 'my-org/*'",
            "wildcards are not allowed"),
        rejected(
            "pattern + azure",
            gitHub(),
            with(spec(s -> s.setTag("v*")), s -> s.setAzure(Specs.azure())),
            "GCP and Azure match the subject exactly",
            "spec.subject.tag 'v*'",
            "remove spec.azure"),
        rejected(
            "pattern + gcp",
            gitHub(),
            with(spec(s -> s.setBranch("release/*")), s -> s.setGcp(Specs.gcp())),
            "GCP and Azure match the subject exactly",
            "spec.subject.branch 'release/*'",
            "remove spec.gcp"),
        rejected(
            "maxSessionDuration 30m",
            gitHub(),
            withDuration("30m"),
            "spec.aws.maxSessionDuration '30m'",
            "between 1h and 12h"),
        rejected(
            "maxSessionDuration 13h",
            gitHub(),
            withDuration("13h"),
            "spec.aws.maxSessionDuration '13h'",
            "between 1h and 12h"),
        rejected(
            "maxSessionDuration 12h1s",
            gitHub(),
            withDuration("12h1s"),
            "spec.aws.maxSessionDuration '12h1s'",
            "between 1h and 12h"),
        rejected(
            "maxSessionDuration overflowing",
            gitHub(),
            withDuration("99999999999999999999h"),
            "spec.aws.maxSessionDuration",
            // past the CRD's 16 characters: SpecLimits refuses it before the duration is parsed
            "more than the 16 allowed"),
        rejected(
            "maxSessionDuration not a duration",
            gitHub(),
            withDuration("1d"),
            "spec.aws.maxSessionDuration '1d'",
            "such as 1h, 90m"),
        rejected(
            "no selector",
            gitHub(),
            withAws(spec(s -> s.setPullRequest(false))),
            "spec.subject must set exactly one selector"),
        rejected(
            "two selectors",
            gitHub(),
            withAws(
                spec(
                    s -> {
                      s.setEnvironment("production");
                      s.setBranch("main");
                    })),
            "spec.subject must set exactly one selector",
            "[environment, branch]"),
        rejected(
            "bare '*' branch",
            gitHub(),
            withAws(spec(s -> s.setBranch("*"))),
            "spec.subject.branch '*' would admit every branch"),
        rejected(
            "wildcard inside a tag",
            gitHub(),
            withAws(spec(s -> s.setTag("v?.*"))),
            "spec.subject.tag 'v?.*'",
            "single trailing '*'"),
        rejected(
            "wildcard in environment",
            gitHub(),
            withAws(spec(s -> s.setEnvironment("prod*"))),
            "spec.subject.environment 'prod*'",
            "must be exact"),
        rejected(
            "branch given as a ref",
            gitHub(),
            withAws(spec(s -> s.setBranch("refs/heads/main"))),
            "spec.subject.branch 'refs/heads/main'",
            "without refs/heads/"),
        rejected(
            "IAM policy variable in the subject",
            gitHub(),
            withAws(spec(s -> s.setBranch("x${aws:username}"))),
            "spec.subject.branch",
            "policy variable"),
        rejected(
            "only one immutable ID",
            gitHub(),
            with(withAws(spec(s -> s.setBranch("main"))), s -> s.setRepositoryId("1")),
            "spec.repositoryId and spec.ownerId",
            "set both or neither"),
        rejected(
            "non-numeric immutable ID",
            gitHub(),
            withIds(withAws(spec(s -> s.setBranch("main"))), "abc", "2"),
            "spec.repositoryId 'abc'",
            "numeric"),
        rejected(
            "illegal role name",
            gitHub(),
            with(withAws(spec(s -> s.setBranch("main"))), s -> s.getAws().setRoleName("a/b")),
            "spec.aws.roleName 'a/b'",
            "IAM role name rules"),
        rejected(
            "GCP subject longer than 127 bytes",
            gitHub(),
            with(spec(s -> s.setEnvironment("e".repeat(120))), s -> s.setGcp(Specs.gcp())),
            "spec.subject.environment",
            "at most 127"),
        rejected(
            "reserved GCP pool ID",
            gitHub(),
            with(
                spec(s -> s.setBranch("main")),
                s -> {
                  s.setGcp(Specs.gcp());
                  s.getGcp().setPoolId("gcp-pool");
                }),
            "spec.gcp.poolId 'gcp-pool'",
            "must not start with gcp-"),
        // ---- GitHub subject templates: a selector the template cannot carry
        rejected(
            "workflowRef under GitHub's default template",
            gitHub(),
            withAws(
                spec(s -> s.setWorkflowRef("my-org/x/.github/workflows/d.yml@refs/heads/main"))),
            "spec.subject.workflowRef",
            "subject template [repo, context]",
            "without the claim job_workflow_ref"),
        rejected(
            "environment under [repo, job_workflow_ref]",
            gitHub(),
            Specs.withTemplate(
                withAws(spec(s -> s.setEnvironment("production"))), "repo", "job_workflow_ref"),
            "spec.subject.environment",
            "without the claim context or environment"),
        rejected(
            "a template claim the selector does not fix",
            gitHub(),
            Specs.withTemplate(
                withAws(spec(s -> s.setEnvironment("production"))),
                "repo",
                "context",
                "job_workflow_ref"),
            "spec.subject.environment",
            "the claim job_workflow_ref is not fixed"),
        rejected(
            "repository_id in the template without IDs",
            gitHub(),
            Specs.withTemplate(withAws(spec(s -> s.setBranch("main"))), "repository_id", "context"),
            "the claim repository_id needs spec.repositoryId"),
        rejected(
            "ImmutableIds format without IDs",
            gitHub(),
            with(
                withAws(spec(s -> s.setBranch("main"))),
                s -> {
                  var template = new SubjectTemplate();
                  template.setFormat(SubjectFormat.ImmutableIds);
                  s.setSubjectTemplate(template);
                }),
            "ImmutableIds needs spec.repositoryId and spec.ownerId"),
        rejected(
            "subject template on a GitLab issuer",
            gitLab(),
            Specs.withTemplate(withAws(spec(s -> s.setBranch("main"))), "repo", "ref"),
            "spec.subjectTemplate describes GitHub's subjects"),
        // ---- dialect table: selectors a CI system's sub cannot carry
        rejected(
            "CircleCI + branch",
            issuer("https://oidc.circleci.com/org/" + CIRCLE_ORG, IssuerDialect.CircleCI),
            withAws(spec(CIRCLE_ORG + "/" + CIRCLE_ORG, s -> s.setBranch("main"))),
            "spec.subject.branch cannot be expressed for a CircleCI issuer",
            "no branch"),
        rejected(
            "CircleCI + Azure",
            issuer("https://oidc.circleci.com/org/" + CIRCLE_ORG, IssuerDialect.CircleCI),
            with(
                spec(CIRCLE_ORG + "/" + CIRCLE_ORG, s -> s.setEveryRun(true)),
                s -> s.setAzure(Specs.azure())),
            "Azure matches the subject exactly",
            "per-run values",
            "remove spec.azure"),
        rejected(
            "CircleCI repository that is not two UUIDs",
            issuer("https://oidc.circleci.com/org/" + CIRCLE_ORG, IssuerDialect.CircleCI),
            withAws(spec("my-org/my-app", s -> s.setEveryRun(true))),
            "spec.repository 'my-org/my-app' must be ORGANIZATION_ID/PROJECT_ID"),
        rejected(
            "Buildkite + environment",
            issuer("https://agent.buildkite.com", IssuerDialect.Buildkite),
            withAws(spec("acme/app", s -> s.setEnvironment("production"))),
            "spec.subject.environment cannot be expressed for a Buildkite issuer",
            "use branch or tag"),
        rejected(
            "HCP Terraform workspace without run phase",
            issuer("https://app.terraform.io", IssuerDialect.HCPTerraform),
            withAws(spec("my-org/networking", s -> s.setWorkspace("prod"))),
            "spec.subject.runPhase is required"),
        rejected(
            "runPhase without workspace",
            issuer("https://app.terraform.io", IssuerDialect.HCPTerraform),
            withAws(
                spec(
                    "my-org/networking",
                    s -> {
                      s.setBranch("main");
                      s.setRunPhase(RunPhase.apply);
                    })),
            "spec.subject.runPhase qualifies spec.subject.workspace"),
        rejected(
            "Jenkins issuer without /oidc",
            issuer("https://jenkins.example.com", IssuerDialect.Jenkins),
            withAws(spec("platform/app", s -> s.setBranch("main"))),
            "must end in /oidc"),
        rejected(
            "Bitbucket environment that is not a UUID",
            issuer(
                "https://api.bitbucket.org/2.0/workspaces/w/pipelines-config/identity/oidc",
                IssuerDialect.BitbucketPipelines),
            withAws(spec("w/" + CIRCLE_ORG, s -> s.setEnvironment("production"))),
            "spec.subject.environment 'production' must be the deployment environment's UUID"),
        rejected(
            "GitHub selector on Azure DevOps",
            issuer("https://vstoken.dev.azure.com/x", IssuerDialect.AzureDevOps),
            withAws(spec("org/project", s -> s.setBranch("main"))),
            "spec.subject.branch cannot be expressed for a AzureDevOps issuer",
            "use serviceConnection"),
        rejected(
            "immutable IDs on HCP Terraform",
            issuer("https://app.terraform.io", IssuerDialect.HCPTerraform),
            withIds(
                withAws(
                    spec(
                        "my-org/networking",
                        s -> {
                          s.setWorkspace("prod");
                          s.setRunPhase(RunPhase.apply);
                        })),
                "1",
                "2"),
            "GitHub's immutable-ID form",
            "remove them for a HCPTerraform issuer"));
  }

  private static final String CIRCLE_ORG = "d3a1f25e-0f55-4a0d-9e47-3f0f2b8e2a11";

  private static IssuerInfo issuer(String url, IssuerDialect dialect) {
    return Specs.issuer(url, dialect, null);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejections")
  void rejectsWithAMessageNamingTheFieldAndRule(
      String description, IssuerInfo issuer, CIFederatedIdentitySpec spec, String[] fragments) {
    assertThatThrownBy(() -> compiler.compile(issuer, NAMESPACE, NAME, spec))
        .isInstanceOf(TrustCompilationException.class)
        .message()
        .contains(fragments);
  }

  private static Arguments rejected(
      String description, IssuerInfo issuer, CIFederatedIdentitySpec spec, String... fragments) {
    return Arguments.of(description, issuer, spec, fragments);
  }

  private static CIFederatedIdentitySpec with(
      CIFederatedIdentitySpec spec, Consumer<CIFederatedIdentitySpec> change) {
    change.accept(spec);
    return spec;
  }

  private static CIFederatedIdentitySpec withIds(
      CIFederatedIdentitySpec spec, String repositoryId, String ownerId) {
    spec.setRepositoryId(repositoryId);
    spec.setOwnerId(ownerId);
    return spec;
  }

  private static CIFederatedIdentitySpec withDuration(String duration) {
    CIFederatedIdentitySpec spec = withAws(spec(s -> s.setEnvironment("production")));
    spec.getAws().setMaxSessionDuration(duration);
    return spec;
  }
}
