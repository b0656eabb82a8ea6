package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

public class IssuerAudiences {

  @Size(min = 1, max = 255)
  @ValidationRule(
      value = "!self.contains('*')",
      message = "spec.audiences.aws must be an exact audience, not a pattern")
  @JsonPropertyDescription("Audience (client ID) AWS checks; default sts.amazonaws.com.")
  private String aws;

  @Size(min = 1, max = 512)
  @ValidationRule(
      value = "!self.contains('*')",
      message = "spec.audiences.gcp must be an exact audience, not a pattern")
  @JsonPropertyDescription(
      "Allowed audience of GCP providers; default the provider's own resource URL.")
  private String gcp;

  @Size(min = 1, max = 255)
  @ValidationRule(
      value = "!self.contains('*')",
      message = "spec.audiences.azure must be an exact audience, not a pattern")
  @JsonPropertyDescription(
      "Audience of Azure federated credentials; default api://AzureADTokenExchange.")
  private String azure;

  public String getAws() {
    return aws;
  }

  public void setAws(String aws) {
    this.aws = aws;
  }

  public String getGcp() {
    return gcp;
  }

  public void setGcp(String gcp) {
    this.gcp = gcp;
  }

  public String getAzure() {
    return azure;
  }

  public void setAzure(String azure) {
    this.azure = azure;
  }
}
