package dev.cifederation.operator.snippets;

import dev.cifederation.operator.api.v1alpha1.AwsIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.AzureIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.GcpIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.IssuerDialect;
import dev.cifederation.operator.api.v1alpha1.SubjectSelector;
import dev.cifederation.operator.trust.CompiledTrust;
import dev.cifederation.operator.trust.IssuerInfo;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Renders, for one identity, the CI configuration that uses it, following the field guide: the
 * GitHub Actions job ({@code id-token: write}, {@code aws-actions/configure-aws-credentials} with a
 * {@code role-session-name} carrying the run ID, {@code google-github-actions/auth}, {@code
 * azure/login}) or the GitLab CI job ({@code id_tokens} with the audience each cloud checks). Only
 * the issuer's own CI is rendered: a GitLab token can never assume a GitHub-trusted identity.
 *
 * <p>A cloud whose identifiers are not in the status yet gets a comment instead of a step that
 * could not work. Nothing rendered is a secret.
 */
public final class WorkflowSnippets {

  /** ConfigMap key of the GitHub Actions job. */
  public static final String GITHUB_KEY = "github-actions.yaml";

  /** ConfigMap key of the GitLab CI job. */
  public static final String GITLAB_KEY = "gitlab-ci.yml";

  /** ConfigMap keys of the other CI systems' configuration, by dialect. */
  public static final Map<IssuerDialect, String> KEYS =
      Map.of(
          IssuerDialect.GitHub, GITHUB_KEY,
          IssuerDialect.GitLab, GITLAB_KEY,
          IssuerDialect.CircleCI, "circleci-config.yml",
          IssuerDialect.Buildkite, "buildkite-pipeline.yml",
          IssuerDialect.BitbucketPipelines, "bitbucket-pipelines.yml",
          IssuerDialect.AzureDevOps, "azure-pipelines.yml",
          IssuerDialect.HCPTerraform, "hcp-terraform-variables.tf",
          IssuerDialect.Jenkins, "Jenkinsfile");

  private static final Pattern PLAIN_SCALAR = Pattern.compile("[A-Za-z0-9._/@:=+-]+");
  // YAML 1.1 reads these as numbers, booleans or null rather than strings
  private static final Pattern NOT_A_STRING =
      Pattern.compile("[-+.]?[0-9][0-9._eE+-]*|(?i)(y|n|yes|no|true|false|on|off|null|~)");
  private static final Pattern SESSION_NAME_ILLEGAL = Pattern.compile("[^\\w+=,.@-]");

  private WorkflowSnippets() {}

  /**
   * The snippets of an identity whose trust compiled: one entry, keyed {@link #GITHUB_KEY} or
   * {@link #GITLAB_KEY} after the issuer's dialect.
   */
  public static Map<String, String> render(
      CIFederatedIdentity identity,
      IssuerInfo issuer,
      CompiledTrust trust,
      CIFederatedIdentityStatus status) {
    Map<String, String> snippets = new LinkedHashMap<>();
    String text =
        switch (issuer.dialect()) {
          case GitHub -> github(identity, trust, status);
          case GitLab -> gitlab(identity, trust, status);
          case CircleCI -> OtherCiSnippets.circleci(identity, trust, status);
          case Buildkite -> OtherCiSnippets.buildkite(identity, trust, status);
          case BitbucketPipelines -> OtherCiSnippets.bitbucket(identity, trust, status);
          case AzureDevOps -> OtherCiSnippets.azureDevOps(identity, trust, status);
          case HCPTerraform -> OtherCiSnippets.hcpTerraform(identity, trust, status);
          case Jenkins -> OtherCiSnippets.jenkins(identity, trust, status);
        };
    snippets.put(KEYS.get(issuer.dialect()), text);
    return snippets;
  }

  // ---------------------------------------------------------------------------------------- GitHub

  static String github(
      CIFederatedIdentity identity, CompiledTrust trust, CIFederatedIdentityStatus status) {
    var out = new StringBuilder();
    header(out, "GitHub Actions job", identity, trust);
    SubjectSelector subject = identity.getSpec().getSubject();
    String jobEnvironment = null;
    switch (subject.kind()) {
      case environment -> {
        out.append("on:\n  workflow_dispatch:   # any trigger: the job's environment is checked\n");
        jobEnvironment = subject.getEnvironment();
      }
      case branch ->
          out.append("on:\n  push:\n    branches: [")
              .append(scalar(subject.getBranch()))
              .append("]\n");
      case tag ->
          out.append("on:\n  push:\n    tags: [").append(scalar(subject.getTag())).append("]\n");
      case workflowRef -> {
        out.append("# These steps belong in the reusable workflow ")
            .append(subject.getWorkflowRef())
            .append(",\n# called by a caller workflow: job_workflow_ref is part of the subject.\n");
        out.append("on:\n  workflow_call:\n");
      }
      case pullRequest ->
          out.append(
              "# Pull-request subject: a fork's PR can run this job. Prefer an environment.\n"
                  + "on:\n  pull_request:\n");
    }
    out.append("permissions:\n")
        .append("  id-token: write   # lets the job request the OIDC token\n")
        .append("  contents: read\n")
        .append("jobs:\n")
        .append("  deploy:\n")
        .append("    runs-on: ubuntu-latest\n");
    if (jobEnvironment != null) {
      out.append("    environment: ")
          .append(scalar(jobEnvironment))
          .append("   # part of the trusted subject: without it the token does not match\n");
    }
    out.append("    steps:\n").append("      - uses: actions/checkout@v4\n");
    if (trust.aws() != null) {
      githubAws(out, identity, trust, status.getAws());
    }
    if (trust.gcp() != null) {
      githubGcp(out, trust, status.getGcp());
    }
    if (trust.azure() != null) {
      githubAzure(out, trust, status.getAzure());
    }
    return out.toString();
  }

  private static void githubAws(
      StringBuilder out, CIFederatedIdentity identity, CompiledTrust trust, AwsIdentityStatus aws) {
    if (aws == null || aws.getRoleArn() == null) {
      notReady(out, "      ", "AWS", "the IAM role", "AWSReady");
      return;
    }
    out.append("      - name: Configure AWS credentials via OIDC\n")
        .append("        uses: aws-actions/configure-aws-credentials@v4\n")
        .append("        timeout-minutes: 2   # the action waits long on a slow OIDC endpoint\n")
        .append("        with:\n")
        .append("          role-to-assume: ")
        .append(scalar(aws.getRoleArn()))
        .append('\n')
        .append("          role-session-name: ")
        .append(sessionPrefix(identity))
        .append("-${{ github.run_id }}   # CloudTrail names the run\n")
        .append("          aws-region: us-east-1   # IAM is global: the region your steps use\n");
    if (!IssuerInfo.DEFAULT_AWS_AUDIENCE.equals(trust.aws().audience())) {
      out.append("          audience: ").append(scalar(trust.aws().audience())).append('\n');
    }
  }

  private static void githubGcp(StringBuilder out, CompiledTrust trust, GcpIdentityStatus gcp) {
    if (gcp == null || gcp.getProviderName() == null) {
      notReady(out, "      ", "Google Cloud", "the workload identity provider", "GCPReady");
      return;
    }
    out.append("      - name: Authenticate to Google Cloud via OIDC\n")
        .append("        uses: google-github-actions/auth@v2\n")
        .append("        with:\n")
        .append("          project_id: ")
        .append(scalar(trust.gcp().projectId()))
        .append('\n')
        .append("          workload_identity_provider: ")
        .append(scalar(gcp.getProviderName()))
        .append('\n')
        .append("          service_account: ")
        .append(scalar(trust.gcp().serviceAccount()))
        .append('\n');
    if (!trust.gcp().allowedAudiences().isEmpty()) {
      // the issuer overrides the audience; the action's default is the provider's own URL
      out.append("          audience: ")
          .append(scalar(trust.gcp().allowedAudiences().get(0)))
          .append('\n');
    }
  }

  private static void githubAzure(
      StringBuilder out, CompiledTrust trust, AzureIdentityStatus azure) {
    if (azure == null || azure.getClientId() == null || azure.getTenantId() == null) {
      notReady(out, "      ", "Azure", "the managed identity", "AzureReady");
      return;
    }
    out.append("      - name: Log in to Azure via OIDC\n")
        .append("        uses: azure/login@v2\n")
        .append(
            "        with:   # identifiers, not secrets: fine as plain text or repository vars\n")
        .append("          client-id: ")
        .append(scalar(azure.getClientId()))
        .append('\n')
        .append("          tenant-id: ")
        .append(scalar(azure.getTenantId()))
        .append('\n')
        .append("          subscription-id: ")
        .append(scalar(trust.azure().subscriptionId()))
        .append('\n');
    String audience = azureAudience(trust);
    if (!IssuerInfo.DEFAULT_AZURE_AUDIENCE.equals(audience)) {
      out.append("          audience: ").append(scalar(audience)).append('\n');
    }
  }

  // ---------------------------------------------------------------------------------------- GitLab

  static String gitlab(
      CIFederatedIdentity identity, CompiledTrust trust, CIFederatedIdentityStatus status) {
    var out = new StringBuilder();
    header(out, "GitLab CI job", identity, trust);
    SubjectSelector subject = identity.getSpec().getSubject();
    out.append("deploy:\n");
    switch (subject.kind()) {
      case branch -> rule(out, "CI_COMMIT_BRANCH", subject.getBranch(), "branch");
      case tag -> rule(out, "CI_COMMIT_TAG", subject.getTag(), "tag");
      default -> {
        // the compiler rejects other selectors for GitLab; nothing to restrict here
      }
    }
    boolean aws =
        trust.aws() != null && status.getAws() != null && status.getAws().getRoleArn() != null;
    boolean gcp =
        trust.gcp() != null && status.getGcp() != null && status.getGcp().getProviderName() != null;
    boolean azure =
        trust.azure() != null
            && status.getAzure() != null
            && status.getAzure().getClientId() != null
            && status.getAzure().getTenantId() != null;
    if (aws || gcp || azure) {
      out.append(
          "  id_tokens:   # one token per cloud, each with the audience that cloud checks\n");
      if (aws) {
        idToken(out, "AWS_OIDC_TOKEN", trust.aws().audience());
      }
      if (gcp) {
        idToken(out, "GCP_OIDC_TOKEN", gcpAudience(trust, status.getGcp()));
      }
      if (azure) {
        idToken(out, "AZURE_OIDC_TOKEN", azureAudience(trust));
      }
    }
    out.append("  script:\n");
    if (trust.aws() != null) {
      if (aws) {
        out.append("    # AWS (the image needs the aws CLI)\n")
            .append("    - >\n")
            .append("      export $(printf \"AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s")
            .append(" AWS_SESSION_TOKEN=%s\"\n")
            .append("      $(aws sts assume-role-with-web-identity\n")
            .append("      --role-arn ")
            .append(status.getAws().getRoleArn())
            .append('\n')
            .append("      --role-session-name ")
            .append(sessionPrefix(identity))
            .append("-${CI_JOB_ID}\n")
            .append("      --web-identity-token \"${AWS_OIDC_TOKEN}\"\n")
            .append("      --duration-seconds 3600\n")
            .append("      --query \"Credentials.[AccessKeyId,SecretAccessKey,SessionToken]\"\n")
            .append("      --output text))\n");
      } else {
        notReady(out, "    ", "AWS", "the IAM role", "AWSReady");
      }
    }
    if (trust.gcp() != null) {
      if (gcp) {
        out.append("    # Google Cloud (the image needs gcloud)\n")
            .append("    - echo \"${GCP_OIDC_TOKEN}\" > \"${CI_PROJECT_DIR}/.gcp-oidc-token\"\n")
            .append("    - >\n")
            .append("      gcloud iam workload-identity-pools create-cred-config\n")
            .append("      ")
            .append(status.getGcp().getProviderName())
            .append('\n')
            .append("      --service-account=")
            .append(trust.gcp().serviceAccount())
            .append('\n')
            .append("      --credential-source-file=\"${CI_PROJECT_DIR}/.gcp-oidc-token\"\n")
            .append("      --output-file=\"${CI_PROJECT_DIR}/.gcp-credentials.json\"\n")
            .append(
                "    - gcloud auth login --cred-file=\"${CI_PROJECT_DIR}/.gcp-credentials.json\"\n")
            .append("    - gcloud config set project ")
            .append(trust.gcp().projectId())
            .append('\n');
      } else {
        notReady(out, "    ", "Google Cloud", "the workload identity provider", "GCPReady");
      }
    }
    if (trust.azure() != null) {
      if (azure) {
        out.append("    # Azure (the image needs the az CLI)\n")
            .append("    - >\n")
            .append("      az login --service-principal\n")
            .append("      --username ")
            .append(status.getAzure().getClientId())
            .append('\n')
            .append("      --tenant ")
            .append(status.getAzure().getTenantId())
            .append('\n')
            .append("      --federated-token \"${AZURE_OIDC_TOKEN}\"\n")
            .append("    - az account set --subscription ")
            .append(trust.azure().subscriptionId())
            .append('\n');
      } else {
        notReady(out, "    ", "Azure", "the managed identity", "AzureReady");
      }
    }
    return out.toString();
  }

  private static void rule(StringBuilder out, String variable, String value, String what) {
    String condition =
        value.endsWith("*")
            ? "$" + variable + " =~ /^" + regexLiteral(value.substring(0, value.length() - 1)) + "/"
            : "$" + variable + " == \"" + value + "\"";
    out.append("  rules:   # the ")
        .append(what)
        .append(" is part of the trusted subject\n")
        .append("    - if: '")
        .append(condition.replace("'", "''"))
        .append("'\n");
  }

  private static void idToken(StringBuilder out, String variable, String audience) {
    out.append("    ")
        .append(variable)
        .append(":\n")
        .append("      aud: ")
        .append(scalar(audience))
        .append('\n');
  }

  // ---------------------------------------------------------------------------------------- shared

  static void header(
      StringBuilder out, String what, CIFederatedIdentity identity, CompiledTrust trust) {
    out.append("# ")
        .append(what)
        .append(" for CIFederatedIdentity ")
        .append(identity.getMetadata().getNamespace())
        .append('/')
        .append(identity.getMetadata().getName())
        .append(", generated by cifederation-operator.\n")
        .append("# The clouds trust only tokens with sub ")
        .append(trust.subject())
        .append('\n')
        .append("# (")
        .append(trust.whoCanAssume())
        .append("). Nothing below is a secret.\n");
  }

  static void notReady(
      StringBuilder out, String indent, String cloud, String what, String condition) {
    out.append(indent)
        .append("# ")
        .append(cloud)
        .append(": ")
        .append(what)
        .append(" is not ready yet (see the ")
        .append(condition)
        .append(" condition); its step appears here when it is.\n");
  }

  static String gcpAudience(CompiledTrust trust, GcpIdentityStatus gcp) {
    return gcp.getAudience() != null ? gcp.getAudience() : trust.gcp().audience();
  }

  static String azureAudience(CompiledTrust trust) {
    return trust.azure().audiences().isEmpty()
        ? IssuerInfo.DEFAULT_AZURE_AUDIENCE
        : trust.azure().audiences().get(0);
  }

  /**
   * The identity's name as an STS session-name prefix: {@code [\w+=,.@-]}, at most 40 characters,
   * so that with the run ID it stays within STS's 64.
   */
  static String sessionPrefix(CIFederatedIdentity identity) {
    String name = SESSION_NAME_ILLEGAL.matcher(identity.getMetadata().getName()).replaceAll("-");
    return name.length() <= 40 ? name : name.substring(0, 40);
  }

  /** A YAML scalar: plain when unambiguous, otherwise double-quoted (JSON escaping is YAML). */
  static String scalar(String value) {
    if (PLAIN_SCALAR.matcher(value).matches()
        && !NOT_A_STRING.matcher(value).matches()
        && !value.startsWith("-")
        && !value.startsWith(":")
        && !value.startsWith("@")) {
      return value;
    }
    return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  private static String regexLiteral(String value) {
    return value.replaceAll("([\\\\/.^$|?*+()\\[\\]{}])", "\\\\$1");
  }
}
