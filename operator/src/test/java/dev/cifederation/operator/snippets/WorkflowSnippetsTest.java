package dev.cifederation.operator.snippets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cifederation.operator.api.v1alpha1.AwsIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.AwsIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.AzureIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.AzureIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CIIssuerSpec;
import dev.cifederation.operator.api.v1alpha1.GcpIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.GcpIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.IssuerAudiences;
import dev.cifederation.operator.api.v1alpha1.IssuerDialect;
import dev.cifederation.operator.api.v1alpha1.SubjectSelector;
import dev.cifederation.operator.api.v1alpha1.SubjectTemplate;
import dev.cifederation.operator.trust.CompiledTrust;
import dev.cifederation.operator.trust.IssuerInfo;
import dev.cifederation.operator.trust.TrustCompilationException;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * Golden files under {@code src/test/resources/snippets-golden} (regenerate with {@code
 * -Dcifed.updateGoldens=true} and review the diff), plus structural checks on the parsed YAML: the
 * values a workflow needs come from the status and the compiled trust, and each GitLab token
 * carries the audience its cloud checks.
 */
class WorkflowSnippetsTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final String ROLE_ARN =
      "arn:aws:iam::123456789012:role/cifederation/cifed-team-a_deploy";
  private static final String PROVIDER =
      "projects/123456789012/locations/global/workloadIdentityPools/cifed-github/providers/cifed-team-a-deploy-0123456789";
  private static final String CLIENT_ID = "5f1c2d3e-0000-4000-8000-000000000001";
  private static final String TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47";

  @Test
  void gitHubEnvironmentAllClouds() throws IOException {
    var identity = identity(s -> s.setEnvironment("production"), true, true, true);
    String yaml = github(identity, readyStatus(), null);
    assertMatches("github-environment-all-clouds.yaml", yaml);

    JsonNode workflow = YAML.readTree(yaml);
    assertThat(workflow.at("/permissions/id-token").asText()).isEqualTo("write");
    JsonNode job = workflow.at("/jobs/deploy");
    assertThat(job.path("environment").asText()).isEqualTo("production");
    assertThat(
            step(job, "aws-actions/configure-aws-credentials@v4")
                .at("/with/role-to-assume")
                .asText())
        .isEqualTo(ROLE_ARN);
    assertThat(
            step(job, "aws-actions/configure-aws-credentials@v4")
                .at("/with/role-session-name")
                .asText())
        .isEqualTo("deploy-${{ github.run_id }}");
    JsonNode gcp = step(job, "google-github-actions/auth@v2").path("with");
    assertThat(gcp.path("workload_identity_provider").asText()).isEqualTo(PROVIDER);
    assertThat(gcp.path("service_account").asText())
        .isEqualTo("ci-deployer@my-project.iam.gserviceaccount.com");
    assertThat(gcp.has("audience")).as("the action's default audience fits").isFalse();
    JsonNode azure = step(job, "azure/login@v2").path("with");
    assertThat(azure.path("client-id").asText()).isEqualTo(CLIENT_ID);
    assertThat(azure.path("tenant-id").asText()).isEqualTo(TENANT_ID);
    assertThat(azure.path("subscription-id").asText())
        .isEqualTo("00000000-0000-0000-0000-000000000000");
  }

  @Test
  void gitHubBranchWithAudienceOverridesAndACloudNotReadyYet() throws IOException {
    var identity = identity(s -> s.setBranch("release/1.0"), true, false, true);
    var audiences = new IssuerAudiences();
    audiences.setAws("my-aws-audience");
    audiences.setAzure("api://my-azure-audience");
    var status = readyStatus();
    status.setAzure(null); // the managed identity is not created yet
    String yaml = github(identity, status, audiences);
    assertMatches("github-branch-overrides.yaml", yaml);

    JsonNode workflow = YAML.readTree(yaml);
    assertThat(workflow.at("/on/push/branches/0").asText()).isEqualTo("release/1.0");
    JsonNode job = workflow.at("/jobs/deploy");
    assertThat(job.has("environment")).isFalse();
    assertThat(step(job, "aws-actions/configure-aws-credentials@v4").at("/with/audience").asText())
        .isEqualTo("my-aws-audience");
    assertThat(stepUses(job)).doesNotContain("azure/login@v2");
    assertThat(yaml).contains("# Azure: the managed identity is not ready yet");
  }

  @Test
  void gitHubWorkflowRefAndNumericLookingValuesStayStrings() throws IOException {
    var identity =
        identity(
            s -> s.setWorkflowRef("my-org/my-app/.github/workflows/deploy.yml@refs/heads/main"),
            true,
            false,
            false);
    String yaml = github(identity, readyStatus(), null);
    assertMatches("github-workflow-ref.yaml", yaml);
    assertThat(YAML.readTree(yaml).path("on").has("workflow_call")).isTrue();

    var tagged = identity(s -> s.setTag("1.0"), true, false, false);
    JsonNode tags = YAML.readTree(github(tagged, readyStatus(), null)).at("/on/push/tags/0");
    assertThat(tags.isTextual()).as("1.0 must not become a number").isTrue();
    assertThat(tags.asText()).isEqualTo("1.0");
  }

  @Test
  void gitLabBranchAllCloudsHasOneTokenPerCloudWithItsAudience() throws IOException {
    var identity = identity(s -> s.setBranch("main"), true, true, true);
    IssuerInfo issuer = issuer("https://gitlab.com", IssuerDialect.GitLab, null);
    CompiledTrust trust = compile(issuer, identity);
    var status = readyStatus();
    status.getGcp().setAudience("https://iam.googleapis.com/" + PROVIDER);
    Map<String, String> snippets = WorkflowSnippets.render(identity, issuer, trust, status);
    assertThat(snippets).containsOnlyKeys(WorkflowSnippets.GITLAB_KEY);
    String yaml = snippets.get(WorkflowSnippets.GITLAB_KEY);
    assertMatches("gitlab-branch-all-clouds.yml", yaml);

    JsonNode job = YAML.readTree(yaml).path("deploy");
    assertThat(job.at("/id_tokens/AWS_OIDC_TOKEN/aud").asText()).isEqualTo("sts.amazonaws.com");
    assertThat(job.at("/id_tokens/GCP_OIDC_TOKEN/aud").asText())
        .isEqualTo("https://iam.googleapis.com/" + PROVIDER);
    assertThat(job.at("/id_tokens/AZURE_OIDC_TOKEN/aud").asText())
        .isEqualTo("api://AzureADTokenExchange");
    assertThat(job.at("/rules/0/if").asText()).isEqualTo("$CI_COMMIT_BRANCH == \"main\"");
    String script = job.path("script").toString();
    assertThat(script)
        .contains("--role-arn " + ROLE_ARN)
        .contains("--role-session-name deploy-${CI_JOB_ID}")
        .contains("--service-account=ci-deployer@my-project.iam.gserviceaccount.com")
        .contains("--username " + CLIENT_ID);
  }

  @Test
  void gitLabTagPatternBecomesAPrefixRule() throws IOException {
    var identity = identity(s -> s.setTag("v*"), true, false, false);
    IssuerInfo issuer = issuer("https://gitlab.example.com/gitlab", IssuerDialect.GitLab, null);
    String yaml =
        WorkflowSnippets.render(identity, issuer, compile(issuer, identity), readyStatus())
            .get(WorkflowSnippets.GITLAB_KEY);
    assertThat(YAML.readTree(yaml).at("/deploy/rules/0/if").asText())
        .isEqualTo("$CI_COMMIT_TAG =~ /^v/");
  }

  /** One golden per other CI system, every cloud its subject can express, each parsed. */
  @Test
  void otherCiSystemsGetTheirOwnSyntax() throws IOException {
    var status = readyStatus();
    status.getGcp().setAudience("https://iam.googleapis.com/" + PROVIDER);

    String circleci =
        other(
            "https://oidc.circleci.com/org/d3a1f25e-0f55-4a0d-9e47-3f0f2b8e2a11",
            IssuerDialect.CircleCI,
            "d3a1f25e-0f55-4a0d-9e47-3f0f2b8e2a11/8b8e0f4c-6d4a-4e8a-9a5e-1c2d3e4f5a6b",
            s -> s.setEveryRun(true),
            true,
            true,
            false,
            status);
    assertMatches("circleci-every-run.yml", circleci);
    String command = YAML.readTree(circleci).at("/jobs/deploy/steps/1/run/command").asText();
    assertThat(command)
        .contains("circleci run oidc get --claims '{\"aud\":\"sts.amazonaws.com\"}'")
        .contains("export AWS_ROLE_ARN=" + ROLE_ARN)
        .contains("create-cred-config " + PROVIDER);

    String buildkite =
        other(
            "https://agent.buildkite.com",
            IssuerDialect.Buildkite,
            "acme-inc/deploy-app",
            s -> s.setBranch("main"),
            true,
            false,
            false,
            status);
    assertMatches("buildkite-branch.yml", buildkite);
    JsonNode step = YAML.readTree(buildkite).at("/steps/0");
    assertThat(step.path("branches").asText()).isEqualTo("main");
    assertThat(step.path("command").asText())
        .contains("buildkite-agent oidc request-token --audience sts.amazonaws.com");

    String bitbucket =
        other(
            "https://api.bitbucket.org/2.0/workspaces/w/pipelines-config/identity/oidc",
            IssuerDialect.BitbucketPipelines,
            "w/7c9e6679-7425-40de-944b-e07fc1f90ae7",
            s -> s.setEnvironment("0b6e2a4c-3f1d-4e5a-8c7b-9d0e1f2a3b4c"),
            true,
            true,
            false,
            status);
    assertMatches("bitbucket-environment.yml", bitbucket);
    JsonNode bitbucketStep = YAML.readTree(bitbucket).at("/pipelines/branches/main/0/step");
    assertThat(bitbucketStep.at("/oidc/audiences/0").asText()).isEqualTo("sts.amazonaws.com");
    assertThat(bitbucketStep.path("script").toString()).contains("BITBUCKET_STEP_OIDC_TOKEN");

    String azureDevOps =
        other(
            "https://vstoken.dev.azure.com/x",
            IssuerDialect.AzureDevOps,
            "my-org/my-project",
            s -> s.setServiceConnection("prod-deploy"),
            false,
            false,
            true,
            status);
    assertMatches("azure-devops-service-connection.yml", azureDevOps);
    assertThat(YAML.readTree(azureDevOps).at("/steps/0/inputs/azureSubscription").asText())
        .isEqualTo("prod-deploy");

    String terraform =
        other(
            "https://app.terraform.io",
            IssuerDialect.HCPTerraform,
            "my-org/networking",
            s -> {
              s.setWorkspace("prod-vpc");
              s.setRunPhase(dev.cifederation.operator.api.v1alpha1.RunPhase.apply);
            },
            true,
            true,
            true,
            status);
    assertMatches("hcp-terraform-apply.tf", terraform);
    assertThat(terraform)
        .contains("key          = \"TFC_AWS_APPLY_ROLE_ARN\"")
        .contains("value        = \"" + ROLE_ARN + "\"")
        .contains("value        = \"aws.workload.identity\"");

    String jenkins =
        other(
            "https://jenkins.example.com/oidc",
            IssuerDialect.Jenkins,
            "platform/deploy-app",
            s -> s.setBranch("main"),
            true,
            false,
            false,
            status);
    assertMatches("jenkins-branch.groovy", jenkins);
    assertThat(jenkins).contains("when { branch 'main' }").contains("credentialsId: 'deploy-oidc'");
  }

  private static String other(
      String url,
      IssuerDialect dialect,
      String repository,
      Consumer<SubjectSelector> selector,
      boolean aws,
      boolean gcp,
      boolean azure,
      CIFederatedIdentityStatus status) {
    var identity = identity(selector, aws, gcp, azure);
    identity.getSpec().setRepository(repository);
    IssuerInfo issuer = issuer(url, dialect, null);
    Map<String, String> snippets =
        WorkflowSnippets.render(identity, issuer, compile(issuer, identity), status);
    assertThat(snippets).containsOnlyKeys(WorkflowSnippets.KEYS.get(dialect));
    return snippets.get(WorkflowSnippets.KEYS.get(dialect));
  }

  @Test
  void sessionNameStaysWithinWhatStsAccepts() {
    var identity = identity(s -> s.setBranch("main"), true, false, false);
    identity.getMetadata().setName("a-very-long-identity-name.with.dots-that-goes-on-and-on");
    assertThat(WorkflowSnippets.sessionPrefix(identity))
        .hasSizeLessThanOrEqualTo(40)
        .matches("[\\w+=,.@-]+");
  }

  // ---------------------------------------------------------------------------------------------

  private static String github(
      CIFederatedIdentity identity, CIFederatedIdentityStatus status, IssuerAudiences audiences) {
    IssuerInfo issuer =
        issuer("https://token.actions.githubusercontent.com", IssuerDialect.GitHub, audiences);
    Map<String, String> snippets =
        WorkflowSnippets.render(identity, issuer, compile(issuer, identity), status);
    assertThat(snippets).containsOnlyKeys(WorkflowSnippets.GITHUB_KEY);
    return snippets.get(WorkflowSnippets.GITHUB_KEY);
  }

  private static CompiledTrust compile(IssuerInfo issuer, CIFederatedIdentity identity) {
    try {
      return new TrustCompiler()
          .compile(
              issuer,
              identity.getMetadata().getNamespace(),
              identity.getMetadata().getName(),
              identity.getSpec());
    } catch (TrustCompilationException e) {
      throw new AssertionError(e);
    }
  }

  private static IssuerInfo issuer(String url, IssuerDialect dialect, IssuerAudiences audiences) {
    var spec = new CIIssuerSpec();
    spec.setUrl(url);
    spec.setDialect(dialect);
    spec.setAudiences(audiences);
    return IssuerInfo.from(spec);
  }

  private static CIFederatedIdentity identity(
      Consumer<SubjectSelector> selector, boolean aws, boolean gcp, boolean azure) {
    var spec = new CIFederatedIdentitySpec();
    spec.setIssuerRef("github");
    spec.setRepository("my-org/my-app");
    var subject = new SubjectSelector();
    selector.accept(subject);
    spec.setSubject(subject);
    if (subject.getWorkflowRef() != null) {
      // job_workflow_ref is in the sub only under a template that includes it
      var template = new SubjectTemplate();
      template.setIncludeClaimKeys(
          java.util.List.of(
              dev.cifederation.operator.api.v1alpha1.GitHubClaim.repo,
              dev.cifederation.operator.api.v1alpha1.GitHubClaim.job_workflow_ref));
      spec.setSubjectTemplate(template);
    }
    if (aws) {
      var a = new AwsIdentitySpec();
      a.setAccountId("123456789012");
      spec.setAws(a);
    }
    if (gcp) {
      var g = new GcpIdentitySpec();
      g.setProjectId("my-project");
      g.setProjectNumber("123456789012");
      g.setServiceAccount("ci-deployer@my-project.iam.gserviceaccount.com");
      spec.setGcp(g);
    }
    if (azure) {
      var z = new AzureIdentitySpec();
      z.setSubscriptionId("00000000-0000-0000-0000-000000000000");
      z.setResourceGroup("my-rg");
      z.setLocation("eastus");
      spec.setAzure(z);
    }
    var identity = new CIFederatedIdentity();
    identity.setMetadata(
        new ObjectMetaBuilder().withNamespace("team-a").withName("deploy").build());
    identity.setSpec(spec);
    return identity;
  }

  /** What the adapters write once every cloud is in sync. */
  private static CIFederatedIdentityStatus readyStatus() {
    var status = new CIFederatedIdentityStatus();
    var aws = new AwsIdentityStatus();
    aws.setRoleArn(ROLE_ARN);
    status.setAws(aws);
    var gcp = new GcpIdentityStatus();
    gcp.setProviderName(PROVIDER);
    status.setGcp(gcp);
    var azure = new AzureIdentityStatus();
    azure.setClientId(CLIENT_ID);
    azure.setTenantId(TENANT_ID);
    status.setAzure(azure);
    return status;
  }

  private static JsonNode step(JsonNode job, String uses) {
    return StreamSupport.stream(job.path("steps").spliterator(), false)
        .filter(s -> uses.equals(s.path("uses").asText()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no step uses " + uses + " in " + job));
  }

  private static java.util.List<String> stepUses(JsonNode job) {
    return StreamSupport.stream(job.path("steps").spliterator(), false)
        .map(s -> s.path("uses").asText())
        .toList();
  }

  // Goldens live in the source tree so that regenerating updates what gets committed.
  private static void assertMatches(String fileName, String actual) throws IOException {
    Path dir = Path.of("src/test/resources/snippets-golden");
    Path file = dir.resolve(fileName);
    if (Boolean.getBoolean("cifed.updateGoldens")) {
      Files.writeString(file, actual);
      return;
    }
    assertThat(file).as("golden %s missing: run with -Dcifed.updateGoldens=true", file).exists();
    assertThat(actual).as("differs from golden %s", file).isEqualTo(Files.readString(file));
  }
}
