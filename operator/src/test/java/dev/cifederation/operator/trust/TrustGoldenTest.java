package dev.cifederation.operator.trust;

import static dev.cifederation.operator.testsupport.Specs.NAME;
import static dev.cifederation.operator.testsupport.Specs.NAMESPACE;
import static dev.cifederation.operator.testsupport.Specs.gitHub;
import static dev.cifederation.operator.testsupport.Specs.gitLab;
import static dev.cifederation.operator.testsupport.Specs.spec;
import static dev.cifederation.operator.testsupport.Specs.withAllClouds;
import static dev.cifederation.operator.testsupport.Specs.withAws;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.IssuerAudiences;
import dev.cifederation.operator.api.v1alpha1.IssuerDialect;
import dev.cifederation.operator.api.v1alpha1.RunPhase;
import dev.cifederation.operator.api.v1alpha1.SubjectFormat;
import dev.cifederation.operator.api.v1alpha1.SubjectMigration;
import dev.cifederation.operator.api.v1alpha1.SubjectSelector;
import dev.cifederation.operator.api.v1alpha1.SubjectTemplate;
import dev.cifederation.operator.testsupport.Specs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One golden per dialect and selector: everything the compiler derives from a spec, in one JSON
 * document per case, so a review of a golden diff shows exactly how trust changes.
 */
class TrustGoldenTest {

  // the goldens of a subject migration are taken inside its window (which ends 2026-09-01)
  static final Instant NOW = Instant.parse("2026-08-01T00:00:00Z");

  private final TrustCompiler compiler = new TrustCompiler(Clock.fixed(NOW, ZoneOffset.UTC));

  /**
   * @param documentation the provider page the expected subject is traced to; null for the cases
   *     that predate this field (GitHub's and GitLab's default subjects, traced in the README)
   */
  record Case(String name, IssuerInfo issuer, CIFederatedIdentitySpec spec, String documentation) {
    Case {
      // the spec names the CIIssuer of its CI system (it decides the default GCP pool)
      if ("github".equals(spec.getIssuerRef())
          && issuer.dialect() != IssuerDialect.GitHub
          && issuer.dialect() != IssuerDialect.GitLab) {
        spec.setIssuerRef(issuer.dialect().name().toLowerCase(java.util.Locale.ROOT));
      }
    }

    Case(String name, IssuerInfo issuer, CIFederatedIdentitySpec spec) {
      this(name, issuer, spec, null);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  // The providers' pages each golden's subject is traced to (also in the dialect table).
  static final String GITHUB_TEMPLATES =
      "https://docs.github.com/en/actions/reference/security/oidc#customizing-the-subject-claims-for-an-organization-or-repository";
  // GitHub's changelog of 2026-04-23 (immutable subject claims) and its OIDC reference
  static final String GITHUB_IMMUTABLE =
      "https://docs.github.com/en/actions/reference/security/oidc";
  static final String CIRCLECI = "https://circleci.com/docs/openid-connect-tokens/";
  static final String BUILDKITE = "https://buildkite.com/docs/pipelines/security/oidc/aws";
  static final String BITBUCKET =
      "https://support.atlassian.com/bitbucket-cloud/docs/integrate-pipelines-with-resource-servers-using-oidc/";
  static final String AZURE_DEVOPS =
      "https://learn.microsoft.com/en-us/azure/devops/pipelines/library/connect-to-azure";
  static final String HCP_TERRAFORM =
      "https://developer.hashicorp.com/terraform/cloud-docs/workspaces/dynamic-provider-credentials/workload-identity-tokens";
  static final String JENKINS = "https://plugins.jenkins.io/oidc-provider/";

  static final String CIRCLECI_ORG = "d3a1f25e-0f55-4a0d-9e47-3f0f2b8e2a11";
  static final String CIRCLECI_PROJECT = "8b8e0f4c-6d4a-4e8a-9a5e-1c2d3e4f5a6b";
  static final String BITBUCKET_REPO = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
  static final String BITBUCKET_ENV = "0b6e2a4c-3f1d-4e5a-8c7b-9d0e1f2a3b4c";

  static List<Case> cases() {
    return List.of(
        new Case(
            "github-environment",
            gitHub(),
            withAllClouds(spec(s -> s.setEnvironment("production")))),
        new Case("github-branch", gitHub(), withAllClouds(spec(s -> s.setBranch("main")))),
        new Case("github-tag", gitHub(), withAllClouds(spec(s -> s.setTag("v1.2.3")))),
        // Patterns exist for AWS only: GCP and Azure blocks would be rejected.
        new Case("github-tag-pattern", gitHub(), withAws(spec(s -> s.setTag("v*")))),
        new Case("github-branch-pattern", gitHub(), withAws(spec(s -> s.setBranch("release/*")))),
        // job_workflow_ref is in the sub only under a template that includes it
        new Case(
            "github-workflow-ref",
            gitHub(),
            Specs.withTemplate(
                withAllClouds(
                    spec(
                        s ->
                            s.setWorkflowRef(
                                "my-org/my-app/.github/workflows/deploy.yml@refs/heads/main"))),
                "repo",
                "job_workflow_ref"),
            GITHUB_TEMPLATES),
        new Case("github-pull-request", gitHub(), withAllClouds(spec(s -> s.setPullRequest(true)))),
        new Case(
            "github-immutable-ids",
            gitHub(),
            withImmutableIds(withAllClouds(spec(s -> s.setEnvironment("production"))))),
        new Case(
            "gitlab-branch",
            gitLab(),
            issuerRef("gitlab", withAllClouds(spec(s -> s.setBranch("main"))))),
        // Self-managed GitLab under a path, with every audience overridden.
        new Case(
            "gitlab-tag",
            selfManagedGitLab(),
            issuerRef(
                "gitlab-self-managed",
                withAllClouds(spec("my-group/sub-group/my-app", s -> s.setTag("v1.2.3"))))),
        // ---- GitHub subject templates (include_claim_keys) and formats
        new Case(
            "github-template-repo-ref",
            gitHub(),
            Specs.withTemplate(withAllClouds(spec(s -> s.setBranch("main"))), "repo", "ref"),
            GITHUB_TEMPLATES),
        new Case(
            "github-template-job-workflow-ref",
            gitHub(),
            Specs.withTemplate(
                withAllClouds(
                    spec(
                        s ->
                            s.setWorkflowRef(
                                "my-org/shared/.github/workflows/deploy.yml@refs/tags/v2"))),
                "job_workflow_ref"),
            GITHUB_TEMPLATES),
        new Case(
            "github-template-ids-context",
            gitHub(),
            Specs.withTemplate(
                withImmutableIds(withAllClouds(spec(s -> s.setEnvironment("production")))),
                "repository_owner_id",
                "repository_id",
                "context"),
            GITHUB_TEMPLATES),
        new Case(
            "github-format-immutable-ids",
            gitHub(),
            withFormat(
                withImmutableIds(withAllClouds(spec(s -> s.setBranch("main")))),
                SubjectFormat.ImmutableIds),
            GITHUB_IMMUTABLE),
        new Case(
            "github-migration-both-subjects",
            gitHub(),
            withMigration(
                withImmutableIds(withAllClouds(spec(s -> s.setEnvironment("production")))),
                "2026-09-01T00:00:00Z"),
            GITHUB_IMMUTABLE),
        new Case(
            "github-migration-done",
            gitHub(),
            withMigration(
                withImmutableIds(withAllClouds(spec(s -> s.setEnvironment("production")))),
                "2026-07-01T00:00:00Z"),
            GITHUB_IMMUTABLE),
        // ---- the other CI systems, one golden per selector each supports
        new Case(
            "circleci-every-run",
            issuer("https://oidc.circleci.com/org/" + CIRCLECI_ORG, IssuerDialect.CircleCI),
            withClouds(
                spec(CIRCLECI_ORG + "/" + CIRCLECI_PROJECT, s -> s.setEveryRun(true)), true, true),
            CIRCLECI),
        new Case(
            "buildkite-branch",
            issuer("https://agent.buildkite.com", IssuerDialect.Buildkite),
            withClouds(spec("acme-inc/deploy-app", s -> s.setBranch("main")), true, true),
            BUILDKITE),
        new Case(
            "buildkite-tag-pattern",
            issuer("https://agent.buildkite.com", IssuerDialect.Buildkite),
            withAws(spec("acme-inc/deploy-app", s -> s.setTag("v*"))),
            BUILDKITE),
        new Case(
            "bitbucket-environment",
            issuer(
                "https://api.bitbucket.org/2.0/workspaces/my-workspace/pipelines-config/identity/oidc",
                IssuerDialect.BitbucketPipelines),
            withClouds(
                spec("my-workspace/" + BITBUCKET_REPO, s -> s.setEnvironment(BITBUCKET_ENV)),
                true,
                true),
            BITBUCKET),
        new Case(
            "bitbucket-every-run",
            issuer(
                "https://api.bitbucket.org/2.0/workspaces/my-workspace/pipelines-config/identity/oidc",
                IssuerDialect.BitbucketPipelines),
            withAws(spec("my-workspace/" + BITBUCKET_REPO, s -> s.setEveryRun(true))),
            BITBUCKET),
        new Case(
            "azure-devops-service-connection",
            issuer(
                "https://vstoken.dev.azure.com/4f8a1c2e-9b3d-4e5f-a6b7-c8d9e0f1a2b3",
                IssuerDialect.AzureDevOps),
            withAllClouds(spec("my-org/my-project", s -> s.setServiceConnection("prod-deploy"))),
            AZURE_DEVOPS),
        new Case(
            "hcp-terraform-apply",
            issuer("https://app.terraform.io", IssuerDialect.HCPTerraform),
            withAllClouds(
                spec(
                    "my-org/networking",
                    s -> {
                      s.setWorkspace("prod-vpc");
                      s.setRunPhase(RunPhase.apply);
                    })),
            HCP_TERRAFORM),
        new Case(
            "hcp-terraform-plan",
            issuer("https://app.terraform.io", IssuerDialect.HCPTerraform),
            withAws(
                spec(
                    "my-org/networking",
                    s -> {
                      s.setWorkspace("prod-vpc");
                      s.setRunPhase(RunPhase.plan);
                    })),
            HCP_TERRAFORM),
        new Case(
            "jenkins-multibranch",
            issuer("https://jenkins.example.com/oidc", IssuerDialect.Jenkins),
            withAllClouds(spec("platform/deploy-app", s -> s.setBranch("main"))),
            JENKINS),
        new Case(
            "jenkins-folder-job",
            issuer("https://jenkins.example.com/job/platform/oidc", IssuerDialect.Jenkins),
            withAws(spec("platform/infra/terraform-apply", s -> s.setEveryRun(true))),
            JENKINS));
  }

  private static IssuerInfo issuer(String url, IssuerDialect dialect) {
    return Specs.issuer(url, dialect, null);
  }

  private static CIFederatedIdentitySpec withClouds(
      CIFederatedIdentitySpec spec, boolean aws, boolean gcp) {
    if (aws) {
      spec.setAws(Specs.aws());
    }
    if (gcp) {
      spec.setGcp(Specs.gcp());
    }
    return spec;
  }

  private static CIFederatedIdentitySpec withFormat(
      CIFederatedIdentitySpec spec, SubjectFormat format) {
    SubjectTemplate template = new SubjectTemplate();
    template.setFormat(format);
    spec.setSubjectTemplate(template);
    return spec;
  }

  private static CIFederatedIdentitySpec withMigration(
      CIFederatedIdentitySpec spec, String dropNamesAfter) {
    SubjectMigration migration = new SubjectMigration();
    migration.setDropNamesAfter(dropNamesAfter);
    spec.setSubjectMigration(migration);
    return spec;
  }

  /** The CIIssuer the spec names: it decides the default GCP pool (one per issuer). */
  private static CIFederatedIdentitySpec issuerRef(String name, CIFederatedIdentitySpec spec) {
    spec.setIssuerRef(name);
    return spec;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void compilesAsInTheGolden(Case testCase) throws Exception {
    CompiledTrust trust = compiler.compile(testCase.issuer(), NAMESPACE, NAME, testCase.spec());
    Goldens.assertMatches(
        testCase.name() + ".json", TrustJson.pretty(document(testCase, trust)) + "\n");
  }

  @Test
  void everyGoldenBelongsToACase() throws IOException {
    List<String> expected =
        Stream.concat(cases().stream().map(c -> c.name() + ".json"), Stream.of("guide"))
            .sorted()
            .toList();
    try (Stream<Path> files = Files.list(Goldens.DIR)) {
      assertThat(files.map(f -> f.getFileName().toString()).sorted().toList())
          .as("stale or unexpected files in %s", Goldens.DIR)
          .isEqualTo(expected);
    }
  }

  /** The guide's GitHub → AWS example, byte for byte (the guide file has a final newline). */
  @Test
  void guideGitHubTrustPolicyVerbatim() throws Exception {
    CompiledTrust trust =
        compiler.compile(
            gitHub(), NAMESPACE, NAME, withAws(spec(s -> s.setEnvironment("production"))));

    assertThat(trust.aws().trustPolicyJson() + "\n")
        .isEqualTo(Goldens.readVerbatim("guide/github-aws-trust-policy.json"));
  }

  /** The guide's GitLab → AWS example: the subject and the condition block, byte for byte. */
  @Test
  void guideGitLabSubjectAndConditionVerbatim() throws Exception {
    CompiledTrust trust =
        compiler.compile(gitLab(), NAMESPACE, NAME, withAws(spec(s -> s.setBranch("main"))));

    assertThat(trust.subject()).isEqualTo("project_path:my-org/my-app:ref_type:branch:ref:main");
    ObjectNode condition = (ObjectNode) trust.aws().trustPolicy().at("/Statement/0/Condition");
    assertThat(TrustJson.pretty(condition) + "\n")
        .isEqualTo(Goldens.readVerbatim("guide/gitlab-aws-condition.json"));
  }

  private static CIFederatedIdentitySpec withImmutableIds(CIFederatedIdentitySpec spec) {
    spec.setRepositoryId("123456");
    spec.setOwnerId("7890");
    return spec;
  }

  private static IssuerInfo selfManagedGitLab() {
    IssuerAudiences audiences = new IssuerAudiences();
    audiences.setAws("gitlab-aws");
    audiences.setGcp("https://gitlab.example.com/gitlab");
    audiences.setAzure("api://gitlab-example");
    return Specs.issuer("https://gitlab.example.com/gitlab", IssuerDialect.GitLab, audiences);
  }

  private static ObjectNode document(Case testCase, CompiledTrust trust) {
    ObjectNode document = JsonNodeFactory.instance.objectNode();
    if (testCase.documentation() != null) {
      document.put("documentation", testCase.documentation());
    }
    document.set("input", input(testCase));
    document.put("subject", trust.subject());
    if (!trust.alternativeSubjects().isEmpty()) {
      trust.alternativeSubjects().forEach(document.putArray("alternativeSubjects")::add);
    }
    if (trust.migrationPhase() != null) {
      document.put("migrationPhase", trust.migrationPhase().name());
    }
    document.put("subjectIsPattern", trust.subjectIsPattern());
    document.put("whoCanAssume", trust.whoCanAssume());
    document.set("aws", trust.aws() == null ? null : aws(trust.aws()));
    document.set("gcp", trust.gcp() == null ? null : gcp(trust.gcp()));
    document.set("azure", trust.azure() == null ? null : azure(trust.azure()));
    return document;
  }

  private static ObjectNode input(Case testCase) {
    ObjectNode input = JsonNodeFactory.instance.objectNode();
    IssuerInfo issuer = testCase.issuer();
    input.put("issuerRef", testCase.spec().getIssuerRef());
    input.put("issuer", issuer.url());
    input.put("dialect", issuer.dialect().name());
    input.put("namespace", NAMESPACE);
    input.put("name", NAME);
    CIFederatedIdentitySpec spec = testCase.spec();
    input.put("repository", spec.getRepository());
    if (spec.getRepositoryId() != null) {
      input.put("repositoryId", spec.getRepositoryId());
      input.put("ownerId", spec.getOwnerId());
    }
    if (spec.getSubjectTemplate() != null) {
      ObjectNode template = input.putObject("subjectTemplate");
      if (spec.getSubjectTemplate().getIncludeClaimKeys() != null) {
        var keys = template.putArray("includeClaimKeys");
        spec.getSubjectTemplate().getIncludeClaimKeys().forEach(key -> keys.add(key.name()));
      }
      if (spec.getSubjectTemplate().getFormat() != null) {
        template.put("format", spec.getSubjectTemplate().getFormat().name());
      }
    }
    if (spec.getSubjectMigration() != null) {
      input
          .putObject("subjectMigration")
          .put("dropNamesAfter", spec.getSubjectMigration().getDropNamesAfter());
      input.put("now", NOW.toString());
    }
    SubjectSelector selector = spec.getSubject();
    ObjectNode subject = input.putObject("subject");
    switch (selector.kind()) {
      case environment -> subject.put("environment", selector.getEnvironment());
      case branch -> subject.put("branch", selector.getBranch());
      case tag -> subject.put("tag", selector.getTag());
      case workflowRef -> subject.put("workflowRef", selector.getWorkflowRef());
      case pullRequest -> subject.put("pullRequest", true);
      case everyRun -> subject.put("everyRun", true);
      case workspace ->
          subject
              .put("workspace", selector.getWorkspace())
              .put("runPhase", selector.getRunPhase().name());
      case serviceConnection -> subject.put("serviceConnection", selector.getServiceConnection());
    }
    return input;
  }

  private static ObjectNode aws(AwsTrust aws) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("accountId", aws.accountId());
    node.put("roleName", aws.roleName());
    node.put("providerArn", aws.providerArn());
    node.put("providerUrl", aws.providerUrl());
    node.put("audience", aws.audience());
    node.put("maxSessionDuration", aws.maxSessionDuration().toString());
    node.set("trustPolicy", aws.trustPolicy());
    return node;
  }

  private static ObjectNode gcp(GcpTrust gcp) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("projectId", gcp.projectId());
    node.put("projectNumber", gcp.projectNumber());
    node.put("poolId", gcp.poolId());
    node.put("providerId", gcp.providerId());
    node.put("providerName", gcp.providerName());
    node.put("issuerUri", gcp.issuerUri());
    gcp.allowedAudiences().forEach(node.putArray("allowedAudiences")::add);
    ObjectNode mapping = node.putObject("attributeMapping");
    gcp.attributeMapping().forEach(mapping::put);
    node.put("attributeCondition", gcp.attributeCondition());
    node.put("principal", gcp.principal());
    node.put("audience", gcp.audience());
    node.put("serviceAccount", gcp.serviceAccount());
    return node;
  }

  private static ObjectNode azure(AzureTrust azure) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("subscriptionId", azure.subscriptionId());
    node.put("resourceGroup", azure.resourceGroup());
    node.put("identityName", azure.identityName());
    node.put("credentialName", azure.credentialName());
    node.put("issuer", azure.issuer());
    node.put("subject", azure.subject());
    if (azure.migrationSubject() != null) {
      // the second credential, during a subject migration's window only
      node.put("migrationCredentialName", azure.migrationCredentialName());
      node.put("migrationSubject", azure.migrationSubject());
    }
    azure.audiences().forEach(node.putArray("audiences")::add);
    return node;
  }
}
