package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

public class CIIssuerStatus extends ConditionedStatus {

  @JsonPropertyDescription("The jwks_uri from the issuer's OIDC discovery document.")
  private String jwksUri;

  @JsonPropertyDescription("When discovery and the TLS chains were last checked (RFC 3339).")
  private String lastCheckedTime;

  @JsonPropertyDescription(
      "Thumbprints computed from the live TLS chains of the discovery and JWKS hosts.")
  private List<HostThumbprint> thumbprints = new ArrayList<>();

  @JsonPropertyDescription(
      "The issuer's IAM OIDC provider in each AWS account the operator manages.")
  private List<AwsProviderStatus> aws = new ArrayList<>();

  public String getJwksUri() {
    return jwksUri;
  }

  public void setJwksUri(String jwksUri) {
    this.jwksUri = jwksUri;
  }

  public String getLastCheckedTime() {
    return lastCheckedTime;
  }

  public void setLastCheckedTime(String lastCheckedTime) {
    this.lastCheckedTime = lastCheckedTime;
  }

  public List<HostThumbprint> getThumbprints() {
    return thumbprints;
  }

  public void setThumbprints(List<HostThumbprint> thumbprints) {
    this.thumbprints = thumbprints;
  }

  public List<AwsProviderStatus> getAws() {
    return aws;
  }

  public void setAws(List<AwsProviderStatus> aws) {
    this.aws = aws;
  }
}
