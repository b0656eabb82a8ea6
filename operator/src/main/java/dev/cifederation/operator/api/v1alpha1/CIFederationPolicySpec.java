package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.ArrayList;
import java.util.List;

public class CIFederationPolicySpec {

  @JsonPropertyDescription("Namespaces this policy governs; empty selects every namespace.")
  private LabelSelector namespaceSelector;

  @Size(max = 100)
  @ValidationRule(
      value = "self.all(r, r.matches('^[A-Za-z0-9._-]+(/[A-Za-z0-9._*-]+)+$'))",
      message =
          "spec.repositories entries must be owner/name patterns where only '*' is a wildcard (e.g. my-org/*)")
  @JsonPropertyDescription(
      "Repository patterns identities may name, e.g. my-org/*; '*' matches within a segment. Empty: this"
          + " policy does not restrict repositories.")
  private List<@Size(max = 255) String> repositories = new ArrayList<>();

  @Size(max = 5)
  @JsonPropertyDescription(
      "Subject selectors identities may use. pullRequest is allowed only when listed here; default: all but"
          + " pullRequest.")
  private List<SubjectKind> subjects = new ArrayList<>();

  @JsonPropertyDescription(
      "true suspends every identity this policy selects: their trust is withdrawn in place in every cloud (objects"
          + " kept), whatever the identities say. Overrides spec.suspend of the identities.")
  private boolean suspend;

  @JsonPropertyDescription(
      "AWS grants and limits. Without this block the policy grants no AWS account.")
  private AwsPolicy aws;

  @JsonPropertyDescription(
      "GCP grants and limits. Without this block the policy grants no project or service account.")
  private GcpPolicy gcp;

  @JsonPropertyDescription(
      "Azure grants and limits. Without this block the policy grants no subscription.")
  private AzurePolicy azure;

  public LabelSelector getNamespaceSelector() {
    return namespaceSelector;
  }

  public void setNamespaceSelector(LabelSelector namespaceSelector) {
    this.namespaceSelector = namespaceSelector;
  }

  public List<String> getRepositories() {
    return repositories;
  }

  public void setRepositories(List<String> repositories) {
    this.repositories = repositories;
  }

  public List<SubjectKind> getSubjects() {
    return subjects;
  }

  public void setSubjects(List<SubjectKind> subjects) {
    this.subjects = subjects;
  }

  public AwsPolicy getAws() {
    return aws;
  }

  public void setAws(AwsPolicy aws) {
    this.aws = aws;
  }

  public GcpPolicy getGcp() {
    return gcp;
  }

  public void setGcp(GcpPolicy gcp) {
    this.gcp = gcp;
  }

  public AzurePolicy getAzure() {
    return azure;
  }

  public void setAzure(AzurePolicy azure) {
    this.azure = azure;
  }

  public boolean isSuspend() {
    return suspend;
  }

  public void setSuspend(boolean suspend) {
    this.suspend = suspend;
  }
}
