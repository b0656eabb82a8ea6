package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

public class GcpIdentityStatus implements CloudIdentityStatus {

  @JsonPropertyDescription(
      "Full resource name of the workload identity pool provider; what the workflow passes as"
          + " workload_identity_provider.")
  private String providerName;

  @JsonPropertyDescription(
      "The principal:// member bound to roles/iam.workloadIdentityUser on the service account.")
  private String principal;

  @JsonPropertyDescription("The audience the CI token must carry for this provider.")
  private String audience;

  @JsonPropertyDescription(
      "The service account the principal is bound on; when spec.gcp.serviceAccount changes, the"
          + " operator removes the principal from this one.")
  private String serviceAccount;

  @JsonPropertyDescription(
      "When a pass last changed something here (RFC 3339): wrote to the provider and binding or"
          + " recorded a new state; a resync that finds everything as recorded keeps it and writes"
          + " no status. That resyncs run shows in the metric cifed_cloud_passes_total.")
  private String lastSyncTime;

  @JsonPropertyDescription("How many times out-of-band changes were corrected.")
  private Long driftCorrections;

  public String getProviderName() {
    return providerName;
  }

  public void setProviderName(String providerName) {
    this.providerName = providerName;
  }

  public String getPrincipal() {
    return principal;
  }

  public void setPrincipal(String principal) {
    this.principal = principal;
  }

  public String getAudience() {
    return audience;
  }

  public void setAudience(String audience) {
    this.audience = audience;
  }

  public String getServiceAccount() {
    return serviceAccount;
  }

  public void setServiceAccount(String serviceAccount) {
    this.serviceAccount = serviceAccount;
  }

  public String getLastSyncTime() {
    return lastSyncTime;
  }

  public void setLastSyncTime(String lastSyncTime) {
    this.lastSyncTime = lastSyncTime;
  }

  public Long getDriftCorrections() {
    return driftCorrections;
  }

  public void setDriftCorrections(Long driftCorrections) {
    this.driftCorrections = driftCorrections;
  }
}
