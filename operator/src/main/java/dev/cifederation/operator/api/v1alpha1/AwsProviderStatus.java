package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

public class AwsProviderStatus {

  @JsonPropertyDescription("The AWS account.")
  private String accountId;

  @JsonPropertyDescription("ARN of the IAM OIDC provider for this issuer in the account.")
  private String providerArn;

  @JsonPropertyDescription("Thumbprints registered on the provider.")
  private List<String> thumbprints = new ArrayList<>();

  @JsonPropertyDescription("Client IDs (audiences) registered on the provider.")
  private List<String> clientIds = new ArrayList<>();

  @JsonPropertyDescription(
      "Whether the registered thumbprints and client IDs match the desired ones.")
  private Boolean inSync;

  public String getAccountId() {
    return accountId;
  }

  public void setAccountId(String accountId) {
    this.accountId = accountId;
  }

  public String getProviderArn() {
    return providerArn;
  }

  public void setProviderArn(String providerArn) {
    this.providerArn = providerArn;
  }

  public List<String> getThumbprints() {
    return thumbprints;
  }

  public void setThumbprints(List<String> thumbprints) {
    this.thumbprints = thumbprints;
  }

  public List<String> getClientIds() {
    return clientIds;
  }

  public void setClientIds(List<String> clientIds) {
    this.clientIds = clientIds;
  }

  public Boolean getInSync() {
    return inSync;
  }

  public void setInSync(Boolean inSync) {
    this.inSync = inSync;
  }
}
