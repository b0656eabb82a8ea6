package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@ValidationRule(
    value =
        "[has(self.environment), has(self.branch), has(self.tag), has(self.workflowRef),"
            + " has(self.pullRequest) && self.pullRequest, has(self.everyRun) && self.everyRun,"
            + " has(self.workspace), has(self.serviceConnection)].filter(x, x).size() == 1",
    message =
        "spec.subject must set exactly one selector: environment, branch, tag, workflowRef,"
            + " pullRequest: true, everyRun: true, workspace or serviceConnection")
@ValidationRule(
    value = "!has(self.runPhase) || has(self.workspace)",
    message = "spec.subject.runPhase qualifies spec.subject.workspace (HCP Terraform): set both")
public class SubjectSelector {

  @Size(min = 1, max = 255)
  @ValidationRule(
      value = "!self.contains('*') && !self.contains('?') && !self.matches('\\\\s')",
      message = "spec.subject.environment is an exact environment name: no wildcards or whitespace")
  @JsonPropertyDescription("Runs of jobs that declare this GitHub environment (e.g. production).")
  private String environment;

  @Size(min = 1, max = 255)
  @ValidationRule(
      value = "self.matches('^[^*?\\\\s]+[*]?$') && !self.startsWith('refs/')",
      message =
          "spec.subject.branch is a branch name without refs/heads/ and without whitespace; a single trailing '*'"
              + " is the only pattern allowed (AWS only)")
  @JsonPropertyDescription(
      "Runs on pushes to this branch (e.g. main). A trailing '*' makes a prefix pattern, supported on AWS only.")
  private String branch;

  @Size(min = 1, max = 255)
  @ValidationRule(
      value = "self.matches('^[^*?\\\\s]+[*]?$') && !self.startsWith('refs/')",
      message =
          "spec.subject.tag is a tag name without refs/tags/ and without whitespace; a single trailing '*' is the"
              + " only pattern allowed (AWS only)")
  @JsonPropertyDescription(
      "Runs triggered by this tag (e.g. v1.2.3). A trailing '*' (v*) makes a prefix pattern, supported on AWS only.")
  private String tag;

  @Size(min = 1, max = 512)
  @ValidationRule(
      value =
          "self.matches('^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9._-]+/\\\\.github/workflows/[A-Za-z0-9._-]+\\\\.ya?ml@[^\\\\s*?]+$')",
      message =
          "spec.subject.workflowRef must have the shape owner/repo/.github/workflows/file.yml@ref (no wildcards)")
  @JsonPropertyDescription(
      "Runs of this (reusable) workflow at this ref, e.g. org/repo/.github/workflows/deploy.yml@refs/heads/main;"
          + " the strictest form. Pin to a protected branch, a tag or a commit SHA.")
  private String workflowRef;

  @JsonPropertyDescription(
      "Runs triggered by pull requests. Almost always wrong for cloud access (a fork's PR could mint"
          + " credentials): accepted by the schema, denied unless a CIFederationPolicy explicitly allows it.")
  private Boolean pullRequest;

  @JsonPropertyDescription(
      "Every run of the project, whatever branch or trigger: for CI systems whose sub names nothing"
          + " narrower (CircleCI; Bitbucket Pipelines steps outside a deployment environment; a Jenkins job"
          + " that is not multibranch). Broad: the lint reports it.")
  private Boolean everyRun;

  @Size(min = 1, max = 90)
  @ValidationRule(
      value = "self.matches('^[A-Za-z0-9_-]+$')",
      message =
          "spec.subject.workspace is an HCP Terraform workspace name: letters, digits, '-' and '_'")
  @JsonPropertyDescription(
      "HCP Terraform: runs of this workspace (spec.repository is ORGANIZATION/PROJECT); requires runPhase.")
  private String workspace;

  @JsonPropertyDescription(
      "HCP Terraform: the run phase, plan or apply, with workspace. Plan runs include speculative plans of"
          + " pull requests: give the plan identity read-only permissions.")
  private RunPhase runPhase;

  @Size(min = 1, max = 255)
  @ValidationRule(
      value = "self.matches('^[^*?/\\\\s]+$')",
      message =
          "spec.subject.serviceConnection is an Azure DevOps service connection name: no '/', wildcards"
              + " or whitespace")
  @JsonPropertyDescription(
      "Azure DevOps: pipelines using this service connection (spec.repository is ORGANIZATION/PROJECT).")
  private String serviceConnection;

  /** The kind of the one selector that is set, or null when none is. */
  @JsonIgnore
  public SubjectKind kind() {
    if (environment != null) {
      return SubjectKind.environment;
    }
    if (branch != null) {
      return SubjectKind.branch;
    }
    if (tag != null) {
      return SubjectKind.tag;
    }
    if (workflowRef != null) {
      return SubjectKind.workflowRef;
    }
    if (Boolean.TRUE.equals(pullRequest)) {
      return SubjectKind.pullRequest;
    }
    if (Boolean.TRUE.equals(everyRun)) {
      return SubjectKind.everyRun;
    }
    if (workspace != null) {
      return SubjectKind.workspace;
    }
    if (serviceConnection != null) {
      return SubjectKind.serviceConnection;
    }
    return null;
  }

  public String getEnvironment() {
    return environment;
  }

  public void setEnvironment(String environment) {
    this.environment = environment;
  }

  public String getBranch() {
    return branch;
  }

  public void setBranch(String branch) {
    this.branch = branch;
  }

  public String getTag() {
    return tag;
  }

  public void setTag(String tag) {
    this.tag = tag;
  }

  public String getWorkflowRef() {
    return workflowRef;
  }

  public void setWorkflowRef(String workflowRef) {
    this.workflowRef = workflowRef;
  }

  public Boolean getPullRequest() {
    return pullRequest;
  }

  public void setPullRequest(Boolean pullRequest) {
    this.pullRequest = pullRequest;
  }

  public Boolean getEveryRun() {
    return everyRun;
  }

  public void setEveryRun(Boolean everyRun) {
    this.everyRun = everyRun;
  }

  public String getWorkspace() {
    return workspace;
  }

  public void setWorkspace(String workspace) {
    this.workspace = workspace;
  }

  public RunPhase getRunPhase() {
    return runPhase;
  }

  public void setRunPhase(RunPhase runPhase) {
    this.runPhase = runPhase;
  }

  public String getServiceConnection() {
    return serviceConnection;
  }

  public void setServiceConnection(String serviceConnection) {
    this.serviceConnection = serviceConnection;
  }
}
