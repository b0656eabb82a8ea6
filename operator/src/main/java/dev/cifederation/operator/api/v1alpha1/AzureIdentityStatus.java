package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

public class AzureIdentityStatus implements CloudIdentityStatus {

  @JsonPropertyDescription(
      "Client ID of the managed identity; what azure/login takes as client-id.")
  private String clientId;

  @JsonPropertyDescription("Tenant of the managed identity; what azure/login takes as tenant-id.")
  private String tenantId;

  @JsonPropertyDescription(
      "Object (principal) ID of the managed identity; the assignee of its role assignments.")
  private String principalId;

  @JsonPropertyDescription(
      "Resource ID of the managed identity, where a suspension or revocation withdraws the trust"
          + " even after the spec names another target.")
  private String identityId;

  @JsonPropertyDescription(
      "Name of the federated identity credential that admits status.subject on the managed"
          + " identity.")
  private String credentialName;

  @JsonPropertyDescription(
      "During spec.subjectMigration's window only: the second federated credential, which admits"
          + " the other subject (one subject per credential in Entra); removed when the window"
          + " ends.")
  private String migrationCredentialName;

  @JsonPropertyDescription(
      "When a pass last changed something here (RFC 3339): wrote to the identity or recorded a new"
          + " state; a resync that finds everything as recorded keeps it and writes no status. That"
          + " resyncs run shows in the metric cifed_cloud_passes_total.")
  private String lastSyncTime;

  @JsonPropertyDescription("How many times out-of-band changes were corrected.")
  private Long driftCorrections;

  public String getClientId() {
    return clientId;
  }

  public void setClientId(String clientId) {
    this.clientId = clientId;
  }

  public String getTenantId() {
    return tenantId;
  }

  public void setTenantId(String tenantId) {
    this.tenantId = tenantId;
  }

  public String getPrincipalId() {
    return principalId;
  }

  public void setPrincipalId(String principalId) {
    this.principalId = principalId;
  }

  public String getIdentityId() {
    return identityId;
  }

  public void setIdentityId(String identityId) {
    this.identityId = identityId;
  }

  public String getCredentialName() {
    return credentialName;
  }

  public void setCredentialName(String credentialName) {
    this.credentialName = credentialName;
  }

  public String getMigrationCredentialName() {
    return migrationCredentialName;
  }

  public void setMigrationCredentialName(String migrationCredentialName) {
    this.migrationCredentialName = migrationCredentialName;
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
