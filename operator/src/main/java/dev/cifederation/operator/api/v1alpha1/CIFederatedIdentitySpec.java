package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@ValidationRule(
    value = "has(self.aws) || has(self.gcp) || has(self.azure)",
    message = "spec: at least one of aws, gcp or azure must be set")
@ValidationRule(
    value = "has(self.repositoryId) == has(self.ownerId)",
    message =
        "spec.repositoryId and spec.ownerId pin GitHub's immutable IDs together: set both or neither")
public class CIFederatedIdentitySpec {

  @Required
  @Size(min = 1, max = 253)
  @JsonPropertyDescription(
      "Name of the cluster-scoped CIIssuer whose tokens this identity trusts (e.g. github, gitlab).")
  private String issuerRef;

  @Required
  @Size(min = 3, max = 255)
  @ValidationRule(
      value = "self.matches('^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)+$')",
      message =
          "spec.repository must be owner/name (GitLab: group/subgroup/name) of letters, digits, '.', '_' and '-';"
              + " wildcards ('*', '?') and whitespace are not allowed")
  @JsonPropertyDescription(
      "The repository whose workflows may assume this identity, as owner/name (GitLab: the full project path)."
          + " Never a pattern: one identity admits exactly one repository.")
  private String repository;

  @Size(min = 1, max = 20)
  @ValidationRule(
      value = "self.matches('^[0-9]+$')",
      message = "spec.repositoryId must be GitHub's numeric repository ID")
  @JsonPropertyDescription(
      "GitHub's immutable numeric repository ID. With ownerId, the subject uses GitHub's immutable-ID form, so a"
          + " renamed or re-created repository of the same name cannot assume the identity.")
  private String repositoryId;

  @Size(min = 1, max = 20)
  @ValidationRule(
      value = "self.matches('^[0-9]+$')",
      message = "spec.ownerId must be GitHub's numeric owner ID")
  @JsonPropertyDescription(
      "GitHub's immutable numeric ID of the repository owner (organisation or user).")
  private String ownerId;

  @Required
  @JsonPropertyDescription(
      "Which runs of the repository may assume the identity: exactly one selector.")
  private SubjectSelector subject;

  @JsonPropertyDescription(
      "AWS: an IAM role in the account, trusted through the account's IAM OIDC provider.")
  private AwsIdentitySpec aws;

  @JsonPropertyDescription(
      "GCP: a workload identity pool provider and the workloadIdentityUser binding on a service account.")
  private GcpIdentitySpec gcp;

  @JsonPropertyDescription(
      "Azure: a user-assigned managed identity with a federated credential and role assignments.")
  private AzureIdentitySpec azure;

  @Default("Delete")
  @JsonPropertyDescription(
      "What happens to the cloud objects when this resource is deleted: Delete removes what the operator"
          + " created; Orphan leaves them and removes the ownership tags.")
  private DeletionPolicy deletionPolicy = DeletionPolicy.Delete;

  @Default("Enforce")
  @JsonPropertyDescription(
      "Enforce creates and drift-corrects the cloud objects; Observe never writes and only reports drift and"
          + " findings.")
  private ManagementPolicy managementPolicy = ManagementPolicy.Enforce;

  @Default("false")
  @JsonPropertyDescription(
      "true withdraws the trust in every cloud while keeping the objects (the AWS role admits no web identity, the"
          + " GCP provider is disabled, the Azure federated credential is removed), so role ARN, client ID and"
          + " provider come back unchanged on false. Never blocks deletion. A CIFederationPolicy can suspend too.")
  private boolean suspend;

  @Default("false")
  @JsonPropertyDescription(
      "true asks to take ownership of an existing cloud object of the same name (role, provider, managed"
          + " identity) that the operator does not own. Honoured only where a CIFederationPolicy selecting the"
          + " namespace lists the object among its adoptable ones; otherwise an existing object is a Conflict.")
  private boolean adoptExisting;

  public String getIssuerRef() {
    return issuerRef;
  }

  public void setIssuerRef(String issuerRef) {
    this.issuerRef = issuerRef;
  }

  public String getRepository() {
    return repository;
  }

  public void setRepository(String repository) {
    this.repository = repository;
  }

  public String getRepositoryId() {
    return repositoryId;
  }

  public void setRepositoryId(String repositoryId) {
    this.repositoryId = repositoryId;
  }

  public String getOwnerId() {
    return ownerId;
  }

  public void setOwnerId(String ownerId) {
    this.ownerId = ownerId;
  }

  public SubjectSelector getSubject() {
    return subject;
  }

  public void setSubject(SubjectSelector subject) {
    this.subject = subject;
  }

  public AwsIdentitySpec getAws() {
    return aws;
  }

  public void setAws(AwsIdentitySpec aws) {
    this.aws = aws;
  }

  public GcpIdentitySpec getGcp() {
    return gcp;
  }

  public void setGcp(GcpIdentitySpec gcp) {
    this.gcp = gcp;
  }

  public AzureIdentitySpec getAzure() {
    return azure;
  }

  public void setAzure(AzureIdentitySpec azure) {
    this.azure = azure;
  }

  public DeletionPolicy getDeletionPolicy() {
    return deletionPolicy;
  }

  public void setDeletionPolicy(DeletionPolicy deletionPolicy) {
    this.deletionPolicy = deletionPolicy;
  }

  public ManagementPolicy getManagementPolicy() {
    return managementPolicy;
  }

  public void setManagementPolicy(ManagementPolicy managementPolicy) {
    this.managementPolicy = managementPolicy;
  }

  public boolean isSuspend() {
    return suspend;
  }

  public void setSuspend(boolean suspend) {
    this.suspend = suspend;
  }

  public boolean isAdoptExisting() {
    return adoptExisting;
  }

  public void setAdoptExisting(boolean adoptExisting) {
    this.adoptExisting = adoptExisting;
  }
}
