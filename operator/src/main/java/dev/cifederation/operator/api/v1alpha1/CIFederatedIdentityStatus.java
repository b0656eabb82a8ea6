package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

public class CIFederatedIdentityStatus extends ConditionedStatus {

  @JsonPropertyDescription("The exact OIDC `sub` claim the clouds are told to trust.")
  private String subject;

  @JsonPropertyDescription(
      "During spec.subjectMigration: BothSubjects (name-based and immutable-ID subjects admitted) or"
          + " ImmutableOnly (the window has passed); absent without a migration.")
  private SubjectMigrationPhase subjectMigrationPhase;

  @JsonPropertyDescription(
      "Who can assume this identity, in words, per cloud: read from the trust each cloud has live"
          + " (a cloud not read yet is described from the spec and says so); a live trust that is"
          + " wider than or different from the spec says so.")
  private String whoCanAssume;

  @JsonPropertyDescription("What the operator created in AWS.")
  private AwsIdentityStatus aws;

  @JsonPropertyDescription("What the operator created in GCP.")
  private GcpIdentityStatus gcp;

  @JsonPropertyDescription("What the operator created in Azure.")
  private AzureIdentityStatus azure;

  @JsonPropertyDescription(
      "Name of the ConfigMap, in this namespace and owned by this identity, holding the"
          + " ready-to-paste CI configuration that uses it: key github-actions.yaml (GitHub issuers)"
          + " or gitlab-ci.yml (GitLab issuers), one step per configured cloud.")
  private String workflowSnippets;

  @JsonPropertyDescription(
      "Unsafe or suspicious trust conditions found in the spec or in the live clouds.")
  private List<Finding> findings = new ArrayList<>();

  public String getSubject() {
    return subject;
  }

  public void setSubject(String subject) {
    this.subject = subject;
  }

  public String getWhoCanAssume() {
    return whoCanAssume;
  }

  public void setWhoCanAssume(String whoCanAssume) {
    this.whoCanAssume = whoCanAssume;
  }

  public AwsIdentityStatus getAws() {
    return aws;
  }

  public void setAws(AwsIdentityStatus aws) {
    this.aws = aws;
  }

  public GcpIdentityStatus getGcp() {
    return gcp;
  }

  public void setGcp(GcpIdentityStatus gcp) {
    this.gcp = gcp;
  }

  public AzureIdentityStatus getAzure() {
    return azure;
  }

  public void setAzure(AzureIdentityStatus azure) {
    this.azure = azure;
  }

  public String getWorkflowSnippets() {
    return workflowSnippets;
  }

  public void setWorkflowSnippets(String workflowSnippets) {
    this.workflowSnippets = workflowSnippets;
  }

  public List<Finding> getFindings() {
    return findings;
  }

  public void setFindings(List<Finding> findings) {
    this.findings = findings;
  }

  public SubjectMigrationPhase getSubjectMigrationPhase() {
    return subjectMigrationPhase;
  }

  public void setSubjectMigrationPhase(SubjectMigrationPhase subjectMigrationPhase) {
    this.subjectMigrationPhase = subjectMigrationPhase;
  }
}
