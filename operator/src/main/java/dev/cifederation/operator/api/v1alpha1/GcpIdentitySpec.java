package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

public class GcpIdentitySpec {

  @Required
  @Size(min = 6, max = 30)
  @ValidationRule(
      value = "self.matches('^[a-z][a-z0-9-]{4,28}[a-z0-9]$')",
      message =
          "spec.gcp.projectId must be a GCP project ID: 6-30 of lowercase letters, digits and '-'")
  @ValidationRule(value = "self == oldSelf", message = "spec.gcp.projectId is immutable once set")
  @JsonPropertyDescription("The GCP project ID that holds the workload identity pool. Immutable.")
  private String projectId;

  @Required
  @Size(min = 1, max = 20)
  @ValidationRule(
      value = "self.matches('^[0-9]+$')",
      message = "spec.gcp.projectNumber must be digits only")
  @ValidationRule(
      value = "self == oldSelf",
      message = "spec.gcp.projectNumber is immutable once set")
  @JsonPropertyDescription(
      "The numeric project number (used in principal:// members and audiences). Immutable.")
  private String projectNumber;

  @Size(min = 4, max = 32)
  @ValidationRule(
      value = "self.matches('^[a-z0-9-]{4,32}$') && !self.startsWith('gcp-')",
      message = "spec.gcp.poolId must be 4-32 of [a-z0-9-] and must not start with gcp-")
  @JsonPropertyDescription(
      "Workload identity pool ID, created when missing. Default: the issuer's own pool,"
          + " cifed-<CIIssuer name> (hashed to 32 characters when longer). A pool serves one issuer:"
          + " a provider for a second issuer in it is refused.")
  private String poolId;

  @Size(min = 4, max = 32)
  @ValidationRule(
      value = "self.matches('^[a-z0-9-]{4,32}$') && !self.startsWith('gcp-')",
      message = "spec.gcp.providerId must be 4-32 of [a-z0-9-] and must not start with gcp-")
  @JsonPropertyDescription(
      "Workload identity pool provider ID. Default: cifed-<namespace-name, cut>-<10 hex of a"
          + " hash>. Set it to describe an existing provider (made by hand or Terraform) for"
          + " adoption.")
  private String providerId;

  @Required
  @Size(min = 3, max = 254)
  @ValidationRule(
      value = "self.matches('^[a-z0-9._%+-]+@[a-z0-9.-]+\\\\.[a-z]{2,}$')",
      message =
          "spec.gcp.serviceAccount must be a service account email (name@project.iam.gserviceaccount.com)")
  @JsonPropertyDescription("Email of the service account the workflow impersonates.")
  private String serviceAccount;

  public String getProjectId() {
    return projectId;
  }

  public void setProjectId(String projectId) {
    this.projectId = projectId;
  }

  public String getProjectNumber() {
    return projectNumber;
  }

  public void setProjectNumber(String projectNumber) {
    this.projectNumber = projectNumber;
  }

  public String getPoolId() {
    return poolId;
  }

  public void setPoolId(String poolId) {
    this.poolId = poolId;
  }

  public String getServiceAccount() {
    return serviceAccount;
  }

  public void setServiceAccount(String serviceAccount) {
    this.serviceAccount = serviceAccount;
  }

  public String getProviderId() {
    return providerId;
  }

  public void setProviderId(String providerId) {
    this.providerId = providerId;
  }
}
