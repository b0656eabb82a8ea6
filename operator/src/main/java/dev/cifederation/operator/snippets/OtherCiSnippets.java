package dev.cifederation.operator.snippets;

import static dev.cifederation.operator.snippets.WorkflowSnippets.azureAudience;
import static dev.cifederation.operator.snippets.WorkflowSnippets.gcpAudience;
import static dev.cifederation.operator.snippets.WorkflowSnippets.header;
import static dev.cifederation.operator.snippets.WorkflowSnippets.notReady;
import static dev.cifederation.operator.snippets.WorkflowSnippets.scalar;
import static dev.cifederation.operator.snippets.WorkflowSnippets.sessionPrefix;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.SubjectSelector;
import dev.cifederation.operator.trust.CompiledTrust;
import java.util.ArrayList;
import java.util.List;

/**
 * The CI configuration for the CI systems beyond GitHub and GitLab, each in its own syntax and each
 * obtaining the token the way its documentation shows (see the README's subject table). The cloud
 * steps are the same shell commands everywhere (the aws, gcloud and az CLIs exchange the token);
 * only how the token is requested, with which audience, differs.
 */
final class OtherCiSnippets {

  private OtherCiSnippets() {}

  /** How a CI system hands a job a token for an audience, and names the run. */
  private interface TokenSource {
    /** A shell command that prints a token with this audience. */
    String token(String audience);

    /** A shell expression naming the run, for the AWS session name. */
    String runId();
  }

  /** The ready clouds' shell lines; a cloud that is not ready yet is a comment. */
  private static List<String> cloudLines(
      CIFederatedIdentity identity,
      CompiledTrust trust,
      CIFederatedIdentityStatus status,
      TokenSource source) {
    List<String> lines = new ArrayList<>();
    if (trust.aws() != null) {
      if (status.getAws() != null && status.getAws().getRoleArn() != null) {
        lines.add("# AWS (the image needs the aws CLI)");
        lines.add("export AWS_ROLE_ARN=" + status.getAws().getRoleArn());
        lines.add("export AWS_ROLE_SESSION_NAME=" + sessionPrefix(identity) + "-" + source.runId());
        lines.add("export AWS_WEB_IDENTITY_TOKEN_FILE=\"$PWD/.aws-oidc-token\"");
        lines.add(source.token(trust.aws().audience()) + " > \"$AWS_WEB_IDENTITY_TOKEN_FILE\"");
        lines.add("aws sts get-caller-identity");
      } else {
        lines.add(comment("AWS", "the IAM role", "AWSReady"));
      }
    }
    if (trust.gcp() != null) {
      if (status.getGcp() != null && status.getGcp().getProviderName() != null) {
        lines.add("# Google Cloud (the image needs gcloud)");
        lines.add(
            source.token(gcpAudience(trust, status.getGcp())) + " > \"$PWD/.gcp-oidc-token\"");
        lines.add(
            "gcloud iam workload-identity-pools create-cred-config "
                + status.getGcp().getProviderName()
                + " --service-account="
                + trust.gcp().serviceAccount()
                + " --credential-source-file=\"$PWD/.gcp-oidc-token\""
                + " --output-file=\"$PWD/.gcp-credentials.json\"");
        lines.add("gcloud auth login --cred-file=\"$PWD/.gcp-credentials.json\"");
        lines.add("gcloud config set project " + trust.gcp().projectId());
      } else {
        lines.add(comment("Google Cloud", "the workload identity provider", "GCPReady"));
      }
    }
    if (trust.azure() != null) {
      if (status.getAzure() != null
          && status.getAzure().getClientId() != null
          && status.getAzure().getTenantId() != null) {
        lines.add("# Azure (the image needs the az CLI)");
        lines.add(
            "az login --service-principal --username "
                + status.getAzure().getClientId()
                + " --tenant "
                + status.getAzure().getTenantId()
                + " --federated-token \"$("
                + source.token(azureAudience(trust))
                + ")\"");
        lines.add("az account set --subscription " + trust.azure().subscriptionId());
      } else {
        lines.add(comment("Azure", "the managed identity", "AzureReady"));
      }
    }
    return lines;
  }

  private static String comment(String cloud, String what, String condition) {
    StringBuilder out = new StringBuilder();
    notReady(out, "", cloud, what, condition);
    return out.toString().stripTrailing();
  }

  /** Shell lines as a YAML literal block at the given indent. */
  private static void block(StringBuilder out, String indent, List<String> lines) {
    for (String line : lines) {
      out.append(indent).append(line).append('\n');
    }
  }

  // -------------------------------------------------------------------------------- CircleCI

  static String circleci(
      CIFederatedIdentity identity, CompiledTrust trust, CIFederatedIdentityStatus status) {
    var out = new StringBuilder();
    WorkflowSnippets.header(out, "CircleCI job", identity, trust);
    out.append("# CircleCI's sub has no branch: restrict who runs this job with a context's\n")
        .append("# security group or a branch filter in the workflow.\n")
        .append("version: 2.1\n")
        .append("jobs:\n")
        .append("  deploy:\n")
        .append("    docker:\n")
        .append("      - image: cimg/base:current\n")
        .append("    steps:\n")
        .append("      - checkout\n")
        .append("      - run:\n")
        .append("          name: Federate into the clouds via OIDC\n")
        .append("          command: |\n");
    block(
        out,
        "            ",
        cloudLines(
            identity,
            trust,
            status,
            new TokenSource() {
              @Override
              public String token(String audience) {
                // the CLI in every job mints a token with custom claims (CircleCI's OIDC docs)
                return "circleci run oidc get --claims '{\"aud\":\"" + audience + "\"}'";
              }

              @Override
              public String runId() {
                return "${CIRCLE_BUILD_NUM}";
              }
            }));
    out.append("workflows:\n")
        .append("  deploy:\n")
        .append("    jobs:\n")
        .append("      - deploy:\n")
        .append("          filters:\n")
        .append("            branches:\n")
        .append("              only: main   # what the sub cannot pin, the workflow must\n");
    return out.toString();
  }

  // ------------------------------------------------------------------------------- Buildkite

  static String buildkite(
      CIFederatedIdentity identity, CompiledTrust trust, CIFederatedIdentityStatus status) {
    var out = new StringBuilder();
    header(out, "Buildkite pipeline step", identity, trust);
    SubjectSelector subject = identity.getSpec().getSubject();
    out.append("steps:\n").append("  - label: \":cloud: deploy\"\n");
    switch (subject.kind()) {
      case branch ->
          out.append("    branches: ")
              .append(scalar(subject.getBranch()))
              .append("   # the branch is part of the trusted subject\n");
      case tag ->
          out.append("    if: build.tag ")
              .append(
                  subject.getTag().endsWith("*")
                      ? "=~ /^" + subject.getTag().substring(0, subject.getTag().length() - 1) + "/"
                      : "== " + scalar(subject.getTag()))
              .append("   # the tag is part of the trusted subject\n");
      default -> {}
    }
    out.append("    command: |\n");
    block(
        out,
        "      ",
        cloudLines(
            identity,
            trust,
            status,
            new TokenSource() {
              @Override
              public String token(String audience) {
                return "buildkite-agent oidc request-token --audience " + audience;
              }

              @Override
              public String runId() {
                return "${BUILDKITE_BUILD_NUMBER}";
              }
            }));
    return out.toString();
  }

  // ------------------------------------------------------------------------------- Bitbucket

  static String bitbucket(
      CIFederatedIdentity identity, CompiledTrust trust, CIFederatedIdentityStatus status) {
    var out = new StringBuilder();
    header(out, "Bitbucket Pipelines step", identity, trust);
    SubjectSelector subject = identity.getSpec().getSubject();
    List<String> audiences = new ArrayList<>();
    if (trust.aws() != null) {
      audiences.add(trust.aws().audience());
    }
    if (trust.gcp() != null && status.getGcp() != null) {
      audiences.add(gcpAudience(trust, status.getGcp()));
    }
    if (trust.azure() != null) {
      audiences.add(azureAudience(trust));
    }
    out.append("pipelines:\n")
        .append("  branches:\n")
        .append("    main:\n")
        .append("      - step:\n")
        .append("          name: Deploy\n");
    if (subject.getEnvironment() != null) {
      out.append("          deployment: production   # the environment whose UUID is ")
          .append(subject.getEnvironment())
          .append(": part of the trusted subject\n");
    }
    out.append("          oidc:\n").append("            audiences:\n");
    for (String audience : audiences.stream().distinct().toList()) {
      out.append("              - ").append(scalar(audience)).append('\n');
    }
    out.append("          script:\n");
    List<String> lines =
        cloudLines(
            identity,
            trust,
            status,
            new TokenSource() {
              @Override
              public String token(String audience) {
                // one token carries every audience the step declares
                return "printf '%s' \"$BITBUCKET_STEP_OIDC_TOKEN\"";
              }

              @Override
              public String runId() {
                return "${BITBUCKET_BUILD_NUMBER}";
              }
            });
    for (String line : lines) {
      out.append("            - ")
          .append(line.startsWith("#") ? "echo " + scalar(line.substring(2)) : scalar(line))
          .append('\n');
    }
    return out.toString();
  }

  // ---------------------------------------------------------------------------- Azure DevOps

  static String azureDevOps(
      CIFederatedIdentity identity, CompiledTrust trust, CIFederatedIdentityStatus status) {
    var out = new StringBuilder();
    header(out, "Azure Pipelines job", identity, trust);
    String connection = identity.getSpec().getSubject().getServiceConnection();
    out.append("trigger:\n")
        .append("  branches:\n")
        .append("    include: [main]\n")
        .append("pr: none   # never hand the service connection to pull-request builds\n")
        .append("steps:\n")
        .append("  - task: AzureCLI@2\n")
        .append("    inputs:\n")
        .append("      azureSubscription: ")
        .append(scalar(connection))
        .append("   # the service connection is the trusted subject\n")
        .append("      addSpnToEnvironment: true   # exposes the connection's token as $idToken\n")
        .append("      scriptType: bash\n")
        .append("      scriptLocation: inlineScript\n")
        .append("      inlineScript: |\n");
    block(
        out,
        "        ",
        cloudLines(
            identity,
            trust,
            status,
            new TokenSource() {
              @Override
              public String token(String audience) {
                // the service connection's token always has the audience api://AzureADTokenExchange
                return "printf '%s' \"$idToken\"";
              }

              @Override
              public String runId() {
                return "${BUILD_BUILDID}";
              }
            }));
    return out.toString();
  }

  // --------------------------------------------------------------------------- HCP Terraform

  static String hcpTerraform(
      CIFederatedIdentity identity, CompiledTrust trust, CIFederatedIdentityStatus status) {
    var out = new StringBuilder();
    header(out, "HCP Terraform workspace variables (tfe provider)", identity, trust);
    SubjectSelector subject = identity.getSpec().getSubject();
    String phase =
        subject.getRunPhase() == null
            ? ""
            : subject.getRunPhase().name().toUpperCase(java.util.Locale.ROOT);
    out.append("# Dynamic provider credentials: HCP Terraform mints the token for each ")
        .append(subject.getRunPhase())
        .append(" phase.\n")
        .append("data \"tfe_workspace\" \"this\" {\n")
        .append("  name         = \"")
        .append(subject.getWorkspace())
        .append("\"\n")
        .append("  organization = \"")
        .append(identity.getSpec().getRepository().split("/", -1)[0])
        .append("\"\n")
        .append("}\n");
    if (trust.aws() != null) {
      if (status.getAws() != null && status.getAws().getRoleArn() != null) {
        variable(out, "TFC_AWS_PROVIDER_AUTH", "true");
        variable(out, "TFC_AWS_" + phase + "_ROLE_ARN", status.getAws().getRoleArn());
        variable(out, "TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE", trust.aws().audience());
      } else {
        notReady(out, "", "AWS", "the IAM role", "AWSReady");
      }
    }
    if (trust.gcp() != null) {
      if (status.getGcp() != null && status.getGcp().getProviderName() != null) {
        variable(out, "TFC_GCP_PROVIDER_AUTH", "true");
        variable(out, "TFC_GCP_WORKLOAD_PROVIDER_NAME", status.getGcp().getProviderName());
        variable(out, "TFC_GCP_" + phase + "_SERVICE_ACCOUNT_EMAIL", trust.gcp().serviceAccount());
        if (!trust.gcp().allowedAudiences().isEmpty()) {
          variable(
              out, "TFC_GCP_WORKLOAD_IDENTITY_AUDIENCE", trust.gcp().allowedAudiences().get(0));
        }
      } else {
        notReady(out, "", "Google Cloud", "the workload identity provider", "GCPReady");
      }
    }
    if (trust.azure() != null) {
      if (status.getAzure() != null && status.getAzure().getClientId() != null) {
        variable(out, "TFC_AZURE_PROVIDER_AUTH", "true");
        variable(out, "TFC_AZURE_" + phase + "_CLIENT_ID", status.getAzure().getClientId());
        variable(out, "ARM_TENANT_ID", status.getAzure().getTenantId());
        variable(out, "ARM_SUBSCRIPTION_ID", trust.azure().subscriptionId());
      } else {
        notReady(out, "", "Azure", "the managed identity", "AzureReady");
      }
    }
    return out.toString();
  }

  private static void variable(StringBuilder out, String key, String value) {
    out.append("resource \"tfe_variable\" \"")
        .append(key.toLowerCase(java.util.Locale.ROOT))
        .append("\" {\n")
        .append("  workspace_id = data.tfe_workspace.this.id\n")
        .append("  category     = \"env\"\n")
        .append("  key          = \"")
        .append(key)
        .append("\"\n")
        .append("  value        = \"")
        .append(value == null ? "" : value.replace("\\", "\\\\").replace("\"", "\\\""))
        .append("\"\n")
        .append("}\n");
  }

  // ---------------------------------------------------------------------------------- Jenkins

  static String jenkins(
      CIFederatedIdentity identity, CompiledTrust trust, CIFederatedIdentityStatus status) {
    var out = new StringBuilder();
    header(out, "Jenkins declarative pipeline (OpenID Connect Provider plugin)", identity, trust);
    String credential = sessionPrefix(identity) + "-oidc";
    List<String> audiences = new ArrayList<>();
    if (trust.aws() != null) {
      audiences.add(trust.aws().audience());
    }
    if (trust.gcp() != null && status.getGcp() != null) {
      audiences.add(gcpAudience(trust, status.getGcp()));
    }
    if (trust.azure() != null) {
      audiences.add(azureAudience(trust));
    }
    out.append("// Create an \"OpenID Connect id token\" credential with the ID ")
        .append(credential)
        .append(" and the audience\n// ")
        .append(String.join(", ", audiences.stream().distinct().toList()))
        .append(" (a credential per audience when the clouds differ).\n")
        .append("pipeline {\n")
        .append("  agent any\n")
        .append("  stages {\n")
        .append("    stage('deploy') {\n");
    SubjectSelector subject = identity.getSpec().getSubject();
    if (subject.getBranch() != null) {
      out.append("      when { branch '")
          .append(subject.getBranch())
          .append("' }   // the branch job is part of the trusted subject\n");
    }
    out.append("      steps {\n")
        .append("        withCredentials([string(credentialsId: '")
        .append(credential)
        .append("', variable: 'ID_TOKEN')]) {\n")
        .append("          sh '''\n");
    block(
        out,
        "            ",
        cloudLines(
            identity,
            trust,
            status,
            new TokenSource() {
              @Override
              public String token(String audience) {
                return "printf '%s' \"$ID_TOKEN\"";
              }

              @Override
              public String runId() {
                return "${BUILD_NUMBER}";
              }
            }));
    out.append("          '''\n")
        .append("        }\n")
        .append("      }\n")
        .append("    }\n")
        .append("  }\n")
        .append("}\n");
    return out.toString();
  }
}
