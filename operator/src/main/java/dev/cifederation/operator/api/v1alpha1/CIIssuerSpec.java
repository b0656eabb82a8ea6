package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

public class CIIssuerSpec {

  @Required
  @Size(min = 9, max = 2048)
  @ValidationRule(
      value = "self.matches('^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[^\\\\s?#]*[^/\\\\s?#])?$')",
      message =
          "spec.url must be an https:// issuer URL without query, fragment or trailing slash (a path is allowed)")
  @JsonPropertyDescription(
      "The issuer URL exactly as it appears in the tokens' iss claim, e.g."
          + " https://token.actions.githubusercontent.com or https://gitlab.example.com. https only.")
  private String url;

  @Required
  @JsonPropertyDescription(
      "The CI system: GitHub, GitLab, CircleCI, Buildkite, BitbucketPipelines, AzureDevOps, HCPTerraform or"
          + " Jenkins; decides the sub syntax and claim names.")
  private IssuerDialect dialect;

  @JsonPropertyDescription(
      "GitHub only: the OIDC subject template in force for the repositories of this issuer (include_claim_keys"
          + " and name- or ID-based format); an identity can override it. Absent: GitHub's default template.")
  private SubjectTemplate subjectTemplate;

  @JsonPropertyDescription(
      "Audience overrides per cloud; defaults: AWS sts.amazonaws.com, GCP the provider's own"
          + " audience, Azure api://AzureADTokenExchange.")
  private IssuerAudiences audiences;

  @JsonPropertyDescription(
      "How the thumbprints of the AWS OIDC providers for this issuer are managed.")
  private ThumbprintPolicy thumbprints;

  @Size(max = 65536)
  @JsonPropertyDescription(
      "PEM trust anchors for a self-hosted issuer whose TLS chain is not publicly trusted.")
  private String caBundle;

  public String getUrl() {
    return url;
  }

  public void setUrl(String url) {
    this.url = url;
  }

  public IssuerDialect getDialect() {
    return dialect;
  }

  public void setDialect(IssuerDialect dialect) {
    this.dialect = dialect;
  }

  public IssuerAudiences getAudiences() {
    return audiences;
  }

  public void setAudiences(IssuerAudiences audiences) {
    this.audiences = audiences;
  }

  public ThumbprintPolicy getThumbprints() {
    return thumbprints;
  }

  public void setThumbprints(ThumbprintPolicy thumbprints) {
    this.thumbprints = thumbprints;
  }

  public String getCaBundle() {
    return caBundle;
  }

  public void setCaBundle(String caBundle) {
    this.caBundle = caBundle;
  }

  public SubjectTemplate getSubjectTemplate() {
    return subjectTemplate;
  }

  public void setSubjectTemplate(SubjectTemplate subjectTemplate) {
    this.subjectTemplate = subjectTemplate;
  }
}
