package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

public class AwsIdentityStatus implements CloudIdentityStatus {

  @JsonPropertyDescription("ARN of the IAM role; what the workflow passes as role-to-assume.")
  private String roleArn;

  @JsonPropertyDescription("ARN of the account's IAM OIDC provider for the issuer.")
  private String providerArn;

  @JsonPropertyDescription(
      "When a pass last changed something here (RFC 3339): wrote to the role or recorded a new"
          + " state; a resync that finds everything as recorded keeps it and writes no status. That"
          + " resyncs run shows in the metric cifed_cloud_passes_total.")
  private String lastSyncTime;

  @JsonPropertyDescription("How many times out-of-band changes to the role were corrected.")
  private Long driftCorrections;

  public String getRoleArn() {
    return roleArn;
  }

  public void setRoleArn(String roleArn) {
    this.roleArn = roleArn;
  }

  public String getProviderArn() {
    return providerArn;
  }

  public void setProviderArn(String providerArn) {
    this.providerArn = providerArn;
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
