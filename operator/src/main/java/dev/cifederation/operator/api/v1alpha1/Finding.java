package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One unsafe or suspicious trust condition. */
public class Finding {

  @JsonPropertyDescription("Stable rule identifier, e.g. WildcardSubject.")
  private String rule;

  @JsonPropertyDescription("How bad it is: Critical, High, Medium, Low.")
  private Severity severity;

  @JsonPropertyDescription("Where it was found: Spec, AWS, GCP or Azure.")
  private String cloud;

  @JsonPropertyDescription("What is wrong and how to fix it.")
  private String message;

  public Finding() {}

  public Finding(String rule, Severity severity, String cloud, String message) {
    this.rule = rule;
    this.severity = severity;
    this.cloud = cloud;
    this.message = message;
  }

  public String getRule() {
    return rule;
  }

  public void setRule(String rule) {
    this.rule = rule;
  }

  public Severity getSeverity() {
    return severity;
  }

  public void setSeverity(Severity severity) {
    this.severity = severity;
  }

  public String getCloud() {
    return cloud;
  }

  public void setCloud(String cloud) {
    this.cloud = cloud;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
